"""Every due-item handler of the system, by kind (importing their modules registers them)."""

from __future__ import annotations

from chalicelib.reminders.registry import Handler, registered


def default_handlers() -> dict[str, Handler]:
    """``dossier`` (chalicelib/reminders/dossiers.py); add ``postal`` and ``feedback`` here
    when their handlers exist."""
    import chalicelib.reminders.dossiers  # noqa: F401  (registers "dossier")

    return registered()
