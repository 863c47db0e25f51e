"""Why a citizen's file is refused: one exception carrying a stable reason code.

The chat turns :attr:`DocumentRejected.reason` into a Vietnamese sentence
(``conversation/texts.py``, ``document_rejected``); logs may name the reason, never the URL's
query string or the file's name.
"""

from __future__ import annotations

from enum import StrEnum


class RejectionReason(StrEnum):
    SCHEME_NOT_ALLOWED = "scheme_not_allowed"  # not http/https
    HOST_NOT_ALLOWED = "host_not_allowed"  # not on ZALO_CDN_HOSTS
    ADDRESS_NOT_ALLOWED = "address_not_allowed"  # private, loopback, link-local, reserved
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_LARGE = "too_large"  # over DOCUMENT_MAX_BYTES
    EMPTY = "empty"
    UNAVAILABLE = "unavailable"  # network error, timeout, HTTP error status
    UNKNOWN_TYPE = "unknown_type"  # bytes of none of the types we accept anywhere
    TYPE_NOT_ALLOWED = "type_not_allowed"  # a known type the component does not accept
    TYPE_MISMATCH = "type_mismatch"  # the declared type contradicts the bytes


class DocumentRejected(Exception):
    """A file was refused; ``reason`` says why, ``detail`` is for operators (no personal data)."""

    def __init__(self, reason: RejectionReason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail
