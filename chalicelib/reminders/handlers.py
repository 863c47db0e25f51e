"""Every due-item handler of the system, by kind (importing their modules registers them)."""

from __future__ import annotations

from chalicelib.reminders.registry import Handler, registered


def default_handlers() -> dict[str, Handler]:
    """``dossier`` (chalicelib/reminders/dossiers.py), ``feedback``
    (chalicelib/reminders/feedback.py), ``postal`` (chalicelib/reminders/postal.py)."""
    # Imported for their registrations ("dossier", "feedback", "postal").
    import chalicelib.reminders.dossiers
    import chalicelib.reminders.feedback
    import chalicelib.reminders.postal  # noqa: F401

    return registered()
