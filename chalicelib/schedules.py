"""Entry points of the schedules ``app.py`` declares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def _now() -> datetime:
    """The schedules' clock (tests replace it)."""
    return datetime.now(UTC)


def refresh_zalo_token(event: Any = None) -> str:
    """The scheduled OA token refresh (``TokenManager.refresh_if_due``)."""
    from chalicelib.platform import log
    from chalicelib.root import get_token_manager

    with log.invocation(getattr(event, "context", None)):
        result = get_token_manager().refresh_if_due()
        log.metric("TokenRefreshRun", result=result)
        return result


def send_reminders(event: Any = None) -> dict[str, Any]:
    """The reminders schedule: citizens' reminders and agencies' digests of what is due
    (:mod:`chalicelib.reminders.runner`). Returns the run's report (counts only)."""
    from chalicelib.platform import log
    from chalicelib.root import get_reminders

    with log.invocation(getattr(event, "context", None)):
        return get_reminders().run(_now()).as_json()
