"""Entry points of the schedules ``app.py`` declares."""

from __future__ import annotations

from typing import Any


def refresh_zalo_token(event: Any = None) -> str:
    """The scheduled OA token refresh (``TokenManager.refresh_if_due``)."""
    from chalicelib.platform import log
    from chalicelib.root import get_token_manager

    with log.invocation(getattr(event, "context", None)):
        result = get_token_manager().refresh_if_due()
        log.metric("TokenRefreshRun", result=result)
        return result
