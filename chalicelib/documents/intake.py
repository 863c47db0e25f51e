"""One attachment in: downloaded (chat) or posted by a browser (web form), typed from its bytes,
stored under a generated key.

A refused file raises :class:`DocumentRejected` and nothing of it is kept: a download is refused
before anything is written; a browser upload is deleted. Costs: the download and one S3
PutObject for a chat attachment; one GetObject and one CopyObject for a browser upload.
"""

from __future__ import annotations

from chalicelib.documents.download import CdnDownloader
from chalicelib.documents.filetypes import FileType, check, contradicts
from chalicelib.documents.rejection import DocumentRejected, RejectionReason
from chalicelib.storage.documents import DocumentStore, StoredFile, sanitize_name


class DocumentIntake:
    """Downloads, checks and stores citizens' attachments."""

    def __init__(self, downloader: CdnDownloader, store: DocumentStore, *, max_bytes: int) -> None:
        self._downloader = downloader
        self._store = store
        self._max_bytes = max_bytes

    def accept(
        self,
        url: str,
        *,
        allowed: frozenset[FileType],
        declared_type: str = "",
        original_name: str = "",
    ) -> StoredFile:
        """Fetch ``url`` and store it when its bytes are of an ``allowed`` type.

        ``declared_type`` is what the sender said (Zalo's attachment type ``image``/``file``, a
        Content-Type); it must not contradict the bytes, nor may the CDN's own Content-Type
        when it names a type we know (an unfamiliar one, say ``text/plain``, is ignored).
        Raises DocumentRejected (nothing stored)."""
        downloaded = self._downloader.fetch(url)
        real = check(downloaded.data, allowed, declared_type)
        if contradicts(downloaded.declared_type, real, unknown_contradicts=False):
            raise DocumentRejected(
                RejectionReason.TYPE_MISMATCH, f"CDN says {downloaded.declared_type}, is {real}"
            )
        return self._put_checked(downloaded.data, real, original_name)

    def accept_uploaded(
        self, key: str, *, allowed: frozenset[FileType], original_name: str = ""
    ) -> StoredFile:
        """Check a file a browser posted to ``key`` (a presigned POST): its real size and type,
        whatever the POST declared. A refused object is deleted (that version, for good).
        Raises DocumentRejected. One GetObject, then one CopyObject (accepted: our metadata)
        or one DeleteObject (refused)."""
        upload = self._store.open_upload(key, max_bytes=self._max_bytes)
        if upload is None:
            raise DocumentRejected(RejectionReason.UNAVAILABLE, "no such upload")
        try:
            if upload["data"] is None:
                raise DocumentRejected(RejectionReason.TOO_LARGE, f"{upload['size']} bytes")
            real = check(upload["data"], allowed, upload["content_type"])
        except DocumentRejected:
            self._store.discard(key, upload["version_id"])
            raise
        return self._store.describe_upload(
            key,
            upload["data"],
            content_type=real.content_type,
            detected_type=real.value,
            name=sanitize_name(original_name, real.extension),
        )

    def _put_checked(self, data: bytes, real: FileType, original_name: str) -> StoredFile:
        """Store bytes already checked to be of type ``real`` (one PutObject)."""
        return self._store.put_upload(
            data,
            content_type=real.content_type,
            detected_type=real.value,
            name=sanitize_name(original_name, real.extension),
        )
