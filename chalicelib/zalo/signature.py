"""Zalo webhook signatures.

``X-ZEvent-Signature: mac=<hex>`` where ``hex = sha256(app_id + raw_body + timestamp + secret)``,
plain SHA-256 over the concatenation (not an HMAC), ``timestamp`` being the string field of the
same name inside the JSON body (see shared/reference/zalo-oa.md).
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "x-zevent-signature"


def compute(app_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    """The lowercase hex signature Zalo sends for ``raw_body``."""
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(raw_body)
    digest.update(timestamp.encode())
    digest.update(secret.encode())
    return digest.hexdigest()


def header_value(app_id: str, raw_body: bytes, timestamp: str, secret: str) -> str:
    """The full header value, as Zalo sends it (``mac=<hex>``)."""
    return "mac=" + compute(app_id, raw_body, timestamp, secret)


def is_valid(header: str | None, app_id: str, raw_body: bytes, timestamp: str, secret: str) -> bool:
    """Whether ``header`` (with or without ``mac=``) signs ``raw_body``. Constant-time compare."""
    if not header or not timestamp:
        return False
    given = header.strip()
    if given[:4].lower() == "mac=":
        given = given[4:]
    expected = compute(app_id, raw_body, timestamp, secret)
    return hmac.compare_digest(given.lower().encode(), expected.encode())
