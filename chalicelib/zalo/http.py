"""The container's one ``requests.Session``, shared by the Open API client and the OAuth calls.

Its own module so that :mod:`chalicelib.zalo.client` and :mod:`chalicelib.zalo.tokens` both use
it without importing each other. ``requests`` is imported on first use.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from chalicelib.platform.container import on_reset

if TYPE_CHECKING:
    import requests

_session_lock = threading.Lock()
_session: requests.Session | None = None


def http_session() -> requests.Session:
    """The container's one ``requests.Session`` (connection reuse across invocations)."""
    global _session
    if _session is None:
        with _session_lock:
            if _session is None:
                import requests

                _session = requests.Session()
    return _session


@on_reset
def reset_session() -> None:
    """Forget the session (tests)."""
    global _session
    _session = None
