"""``GET /public/exports/{token}``: a citizen's personal-data export (services/data_rights.py).

The token was sent to the citizen in the Zalo chat: HMAC-signed, expiring after
``DATA_EXPORT_LINK_SECONDS``. A genuine, unexpired token is answered with a redirect to a
presigned GET of the object valid for a minute (no AWS call: signed locally); anything else with
a JSON error whose message is Vietnamese (the citizen reads it in a browser). Nothing about the
token or the citizen is logged but the outcome.
"""

from __future__ import annotations

import time

from chalice.app import Response

from chalicelib.api.errors import ApiError
from chalicelib.api.http import guarded

REDIRECT_SECONDS = 60
DOWNLOAD_NAME = "du-lieu-ca-nhan.json"


@guarded
def get(token: str) -> Response:
    from chalicelib.conversation import texts
    from chalicelib.platform import log
    from chalicelib.root import get_document_store
    from chalicelib.services.data_rights import (
        ExpiredExportLink,
        InvalidExportLink,
        open_export_token,
    )
    from chalicelib.settings import get_settings

    secret = get_settings().WEBFORM_SECRET.get_secret_value()
    try:
        key = open_export_token(token[:200], secret, time.time())
    except ExpiredExportLink:
        log.info("data_export_link", outcome="expired")
        raise ApiError(410, "export_link_expired", texts.EXPORT_LINK_EXPIRED) from None
    except InvalidExportLink:
        log.info("data_export_link", outcome="invalid")
        raise ApiError(404, "export_link_invalid", texts.EXPORT_LINK_INVALID) from None
    url = get_document_store().presigned_get(
        key, seconds=REDIRECT_SECONDS, download_name=DOWNLOAD_NAME
    )
    log.info("data_export_link", outcome="redirected")
    return Response(
        body="",
        status_code=302,
        headers={"Location": url, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )
