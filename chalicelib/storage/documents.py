"""Citizens' files and generated receipt images in the documents bucket.

Keys (never a citizen's file name):

- ``uploads/<uuid>``: a file accepted during a submission. The bucket's lifecycle rule expires
  ``uploads/`` after 7 days, which is how the files of an abandoned submission disappear;
- ``documents/<uuid>``: the same file once a dossier holds it (:meth:`DocumentStore.keep`,
  a server-side copy: same bytes, same metadata), kept with the dossier;
- ``dossiers/<code>/receipt-qr.png``: the QR image of the dossier's public lookup link;
- ``results/<code>/<uuid>``: an electronic result the back office uploaded through a presigned
  PUT (:meth:`DocumentStore.presigned_result_put`), kept with the dossier.

Every object is written with SSE-KMS (the bucket's default key, as infra/resources.json
declares) and the metadata ``size``, ``sha256``, ``detected-type`` and ``original-name`` (the
sanitised name, percent-encoded: S3 metadata is ASCII). Nothing is public: officers get
presigned GET links that expire after minutes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

UPLOAD_PREFIX = "uploads/"
RESULT_PREFIX = "results/"
EXPORT_PREFIX = "exports/"  # personal-data exports: expire after 1 day (lifecycle rule)
DOCUMENT_PREFIX = "documents/"
# Files of questions, feedback and petitions (issue 14): kept like a dossier's, but erased with
# their sender's other data on request (dossiers' files are the record the law keeps).
FEEDBACK_PREFIX = "feedback/"
_ERASABLE = (UPLOAD_PREFIX, FEEDBACK_PREFIX)
_MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]+')


def sanitize_name(name: str, extension: str) -> str:
    """A file name fit to show officers: no path, control or shell-unsafe characters, NFC,
    at most 120 characters, ending in the *detected* type's ``extension`` (so a ``.exe`` name
    on a PDF does not travel on). Pure; never empty."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    base = " ".join(_UNSAFE.sub(" ", base).split()).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: _MAX_NAME_CHARS - len(extension) - 1].strip(" .") or "tai-lieu"
    return f"{stem}.{extension}"


@dataclass(frozen=True)
class StoredFile:
    """A file in the bucket: its key and the facts recorded with it."""

    key: str
    size: int
    sha256: str
    content_type: str
    name: str


@dataclass(frozen=True)
class PresignedUpload:
    """Where and how a browser posts one file: a form to ``url`` with ``fields`` and the file."""

    key: str
    url: str
    fields: dict[str, str]


class DocumentStore:
    """The documents bucket: one S3 call per method. ``link_seconds`` is the lifetime of
    presigned links (``DOCUMENT_LINK_SECONDS``)."""

    def __init__(self, s3: Any, bucket: str, *, link_seconds: int = 300) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._link_seconds = link_seconds

    def _put(self, key: str, data: bytes, content_type: str, metadata: dict[str, str]) -> None:
        response = self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ServerSideEncryption="aws:kms",
            Metadata=metadata,
        )
        if response["ResponseMetadata"]["HTTPStatusCode"] != 200:
            raise RuntimeError(f"S3 PutObject answered {response['ResponseMetadata']}")

    def put_upload(
        self, data: bytes, *, content_type: str, detected_type: str, name: str
    ) -> StoredFile:
        """Store an accepted file under a new ``uploads/<uuid>`` key (one PutObject).

        ``name`` must already be sanitised (:func:`sanitize_name`)."""
        digest = hashlib.sha256(data).hexdigest()
        key = f"{UPLOAD_PREFIX}{uuid.uuid4().hex}"
        self._put(
            key,
            data,
            content_type,
            {
                "size": str(len(data)),
                "sha256": digest,
                "detected-type": detected_type,
                "original-name": quote(name, safe=""),
            },
        )
        return StoredFile(key, len(data), digest, content_type, name)

    def presigned_upload(
        self, *, max_bytes: int, content_type_prefix: str = "", expires_seconds: int = 1800
    ) -> PresignedUpload:
        """A presigned POST letting a browser upload one file straight to a new
        ``uploads/<uuid>`` key: conditions on the exact key, the size (1..``max_bytes``), the
        Content-Type's prefix and SSE-KMS. S3 enforces them; moto does not, and a browser may
        lie about the type anyway, so every such upload goes through
        :meth:`chalicelib.documents.intake.DocumentIntake.accept_uploaded` before a dossier may
        use it. Signed locally: no AWS call."""
        key = f"{UPLOAD_PREFIX}{uuid.uuid4().hex}"
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"x-amz-server-side-encryption": "aws:kms"},
            Conditions=[
                {"x-amz-server-side-encryption": "aws:kms"},
                ["content-length-range", 1, max_bytes],
                ["starts-with", "$Content-Type", content_type_prefix],
            ],
            ExpiresIn=expires_seconds,
        )
        return PresignedUpload(key=key, url=post["url"], fields=post["fields"])

    def open_upload(self, key: str, *, max_bytes: int) -> dict[str, Any] | None:
        """An uploaded object as the uploader left it: ``size``, ``content_type``,
        ``version_id`` and ``data`` (None when it is over ``max_bytes``: not read). None when
        there is no such object. One GetObject."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        size = int(response["ContentLength"])
        body = response["Body"]
        data = body.read(max_bytes + 1) if size <= max_bytes else None
        body.close()
        if data is not None and len(data) > max_bytes:
            data = None
        return {
            "size": size,
            "content_type": response.get("ContentType", ""),
            "version_id": response.get("VersionId"),
            "data": data,
        }

    def describe_upload(
        self, key: str, data: bytes, *, content_type: str, detected_type: str, name: str
    ) -> StoredFile:
        """Give a browser upload the metadata :meth:`put_upload` writes and the detected
        Content-Type (a copy onto itself; the browser's version becomes non-current and expires
        with them). One CopyObject."""
        digest = hashlib.sha256(data).hexdigest()
        self._s3.copy_object(
            Bucket=self._bucket,
            Key=key,
            CopySource={"Bucket": self._bucket, "Key": key},
            MetadataDirective="REPLACE",
            ContentType=content_type,
            ServerSideEncryption="aws:kms",
            Metadata={
                "size": str(len(data)),
                "sha256": digest,
                "detected-type": detected_type,
                "original-name": quote(name, safe=""),
            },
        )
        return StoredFile(key, len(data), digest, content_type, name)

    def discard(self, key: str, version_id: str | None) -> None:
        """Remove a refused upload for good: the given version itself, not a delete marker
        over it (the bucket is versioned). One DeleteObject."""
        if version_id and version_id != "null":
            self._s3.delete_object(Bucket=self._bucket, Key=key, VersionId=version_id)
        else:
            self._s3.delete_object(Bucket=self._bucket, Key=key)

    def erase_versions(self, keys: list[str]) -> int:
        """Delete every version (and delete marker) of each ``uploads/`` key: the bucket is
        versioned, so a plain delete would only hide the file (erasure, issue 10). One
        ListObjectVersions per key and page, one DeleteObjects per page; returns how many
        versions were deleted. Keys outside ``uploads/`` and ``feedback/`` are refused
        (ValueError): ``documents/`` belong to dossiers."""
        deleted = 0
        for key in keys:
            prefix = next((p for p in _ERASABLE if key.startswith(p)), None)
            if prefix is None or "/" in key.removeprefix(prefix):
                raise ValueError("only uploads and feedback files can be erased here")
            pages = self._s3.get_paginator("list_object_versions").paginate(
                Bucket=self._bucket, Prefix=key
            )
            for page in pages:
                versions = [
                    {"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                    if v["Key"] == key
                ]
                if not versions:
                    continue
                answer = self._s3.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": versions, "Quiet": True}
                )
                if answer.get("Errors"):
                    raise RuntimeError(f"{len(answer['Errors'])} versions could not be deleted")
                deleted += len(versions)
        return deleted

    @staticmethod
    def kept_key(upload_key: str, prefix: str = DOCUMENT_PREFIX) -> str:
        """Where :meth:`keep` puts an upload: ``documents/<uuid>`` (or under ``prefix``,
        ``feedback/`` for feedback files). Raises ValueError for a key that is not an
        upload's."""
        if not upload_key.startswith(UPLOAD_PREFIX) or "/" in upload_key[len(UPLOAD_PREFIX) :]:
            raise ValueError("not an upload key")
        if prefix not in (DOCUMENT_PREFIX, FEEDBACK_PREFIX):
            raise ValueError("not a kept prefix")
        return prefix + upload_key[len(UPLOAD_PREFIX) :]

    def keep(self, upload_key: str, prefix: str = DOCUMENT_PREFIX) -> str:
        """Copy an upload out of the expiring ``uploads/`` prefix (to ``documents/``, or
        ``feedback/``); its kept key. Idempotent (the same source always lands on the same
        key). One CopyObject."""
        target = self.kept_key(upload_key, prefix)
        self._s3.copy_object(
            Bucket=self._bucket,
            Key=target,
            CopySource={"Bucket": self._bucket, "Key": upload_key},
            MetadataDirective="COPY",
            ServerSideEncryption="aws:kms",
        )
        return target

    def put_receipt_qr(self, code: str, png: bytes) -> str:
        """Store the QR image of a dossier's lookup link; its key. Idempotent. One PutObject."""
        key = f"dossiers/{code}/receipt-qr.png"
        self._put(
            key,
            png,
            "image/png",
            {"size": str(len(png)), "sha256": hashlib.sha256(png).hexdigest()},
        )
        return key

    def head(self, key: str) -> dict[str, Any] | None:
        """The object's size, type, encryption and metadata, or None when missing (HeadObject)."""
        try:
            response = self._s3.head_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return {
            "size": response["ContentLength"],
            "content_type": response.get("ContentType", ""),
            "encryption": response.get("ServerSideEncryption"),
            "metadata": response.get("Metadata", {}),
        }

    def read(self, key: str) -> bytes:
        """The object's bytes (GetObject)."""
        return bytes(self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read())

    def put_export(self, key: str, data: bytes) -> None:
        """Store a citizen's personal-data export (``exports/<hex>.json``; the bucket's lifecycle
        deletes it after a day). One PutObject, SSE-KMS like every object."""
        if not key.startswith(EXPORT_PREFIX) or "/" in key.removeprefix(EXPORT_PREFIX):
            raise ValueError("not an export key")
        self._put(key, data, "application/json; charset=utf-8", {})

    def presigned_get(
        self, key: str, *, seconds: int | None = None, download_name: str | None = None
    ) -> str:
        """A link that lets its holder (an officer; a citizen for their export) read one
        object for ``seconds`` (default ``link_seconds``), saved as ``download_name`` when
        given. Signed locally (SigV4): no AWS call."""
        params = {"Bucket": self._bucket, "Key": key}
        if download_name:
            params["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
        return str(
            self._s3.generate_presigned_url(
                "get_object",
                Params=params,
                ExpiresIn=seconds or self._link_seconds,
            )
        )

    @staticmethod
    def result_key(code: str, ref: str) -> str:
        """Where a dossier's uploaded result lives: ``results/<code>/<ref>``."""
        return f"{RESULT_PREFIX}{code}/{ref}"

    def presigned_result_put(
        self, code: str, *, content_type: str, expires_seconds: int = 900
    ) -> tuple[str, str, dict[str, str]]:
        """A presigned PUT of one result file to a new ``results/<code>/<uuid>`` key: the key,
        the URL, and the headers the PUT must send (the signed Content-Type and SSE-KMS).
        Signed locally: no AWS call."""
        key = self.result_key(code, uuid.uuid4().hex)
        url = self._s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ContentType": content_type,
                "ServerSideEncryption": "aws:kms",
            },
            ExpiresIn=expires_seconds,
        )
        headers = {"Content-Type": content_type, "x-amz-server-side-encryption": "aws:kms"}
        return key, str(url), headers
