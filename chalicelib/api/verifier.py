"""``GET /zalo_verifier<code>.html``: Zalo's domain-verification file.

Zalo checks the domain before it accepts a webhook URL. The code and the file's content come
from settings (``ZALO_VERIFIER_CODE``, ``ZALO_VERIFIER_CONTENT``); any other name is a 404.
"""

from __future__ import annotations

import hmac

from chalice.app import Response

_PREFIX = "zalo_verifier"
_SUFFIX = ".html"


def serve(filename: str) -> Response:
    """The verification file when ``filename`` is ``zalo_verifier<configured code>.html``."""
    from chalicelib.settings import get_settings

    settings = get_settings()
    code = filename[len(_PREFIX) : -len(_SUFFIX)]
    matches = (
        filename.startswith(_PREFIX)
        and filename.endswith(_SUFFIX)
        and bool(settings.ZALO_VERIFIER_CODE)
        and hmac.compare_digest(code.encode(), settings.ZALO_VERIFIER_CODE.encode())
    )
    if not matches:
        return Response(
            body={"error": {"code": "not_found", "message": "Not found."}},
            status_code=404,
            headers={"Content-Type": "application/json"},
        )
    content = settings.ZALO_VERIFIER_CONTENT or f"zalo-platform-site-verification={code}"
    return Response(body=content, status_code=200, headers={"Content-Type": "text/html"})
