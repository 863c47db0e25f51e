"""Entry points of the schedules ``app.py`` declares."""

from __future__ import annotations


def refresh_zalo_token() -> str:
    """The scheduled OA token refresh (``TokenManager.refresh_if_due``)."""
    from chalicelib.root import get_token_manager

    return get_token_manager().refresh_if_due()
