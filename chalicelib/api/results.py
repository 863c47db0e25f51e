"""``GET /public/results/{token}``: a citizen's link to an electronic result (sent in the status 9
notice; :mod:`chalicelib.services.result_links`). A genuine, unexpired token whose dossier still
has that result redirects (302) to a presigned GET valid ``DOCUMENT_LINK_SECONDS``; anything
else is 404 ``result_link_invalid`` (expired, tampered, or the result was replaced), with a
Vietnamese message."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.api.errors import ApiError
from chalicelib.api.http import guarded

INVALID = (
    "Đường dẫn kết quả không còn hiệu lực. Ông/Bà vui lòng nhắn «tra cứu hồ sơ» trên Zalo hoặc "
    "liên hệ nơi nộp hồ sơ."
)


@guarded
def redirect(token: str) -> Any:
    from chalicelib.platform import log
    from chalicelib.root import get_back_office
    from chalicelib.services.result_links import ResultLinks
    from chalicelib.settings import get_settings

    settings = get_settings()
    links = ResultLinks(settings.RESULT_LINK_SECRET.get_secret_value(), settings.PUBLIC_BASE_URL)
    ref = links.check(token or "")
    url = get_back_office().result_redirect(ref.code, ref.key) if ref is not None else None
    if url is None:
        log.info("result_link_refused")
        raise ApiError(404, "result_link_invalid", INVALID)
    log.info("result_link_followed")
    return Response(
        body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"}
    )
