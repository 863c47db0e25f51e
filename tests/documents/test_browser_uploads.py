"""Files a browser posts straight to S3 (the web form) are checked by us after the upload: moto,
like any client, does not enforce the POST's conditions, and a browser may declare any type."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from chalicelib.documents.filetypes import DEFAULT_TYPES, FileType
from chalicelib.documents.rejection import DocumentRejected, RejectionReason
from chalicelib.platform.aws import client
from chalicelib.root import get_document_intake, get_document_store
from tests.conftest import TEST_ENV
from tests.documents import samples

MB = 1024 * 1024


def versions() -> list[str]:
    listed = client("s3").list_object_versions(Bucket=TEST_ENV["DOCUMENTS_BUCKET"])
    return [v["Key"] for v in listed.get("Versions", [])] + [
        m["Key"] for m in listed.get("DeleteMarkers", [])
    ]


def post(data: bytes, content_type: str, *, max_bytes: int = 10 * MB) -> str:
    """What the form's page does: a multipart POST of the presigned fields and the file."""
    upload = get_document_store().presigned_upload(
        max_bytes=max_bytes, content_type_prefix="image/"
    )
    response = requests.post(
        upload.url,
        data={**upload.fields, "Content-Type": content_type},
        files={"file": ("ảnh chụp.jpg", data, content_type)},
        timeout=10,
    )
    assert response.status_code in (200, 201, 204), response.text
    return upload.key


def test_the_presigned_post_names_the_key_and_carries_the_conditions(aws):
    upload = get_document_store().presigned_upload(max_bytes=5 * MB, content_type_prefix="image/")
    assert upload.key.startswith("uploads/") and upload.fields["key"] == upload.key
    assert upload.fields["x-amz-server-side-encryption"] == "aws:kms"
    policy = json.loads(base64.b64decode(upload.fields["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 5 * MB] in conditions
    assert ["starts-with", "$Content-Type", "image/"] in conditions
    assert {"key": upload.key} in conditions


def test_an_accepted_upload_gets_our_metadata_and_its_real_type(aws):
    key = post(samples.jpeg(), "image/jpeg")
    stored = get_document_intake().accept_uploaded(
        key, allowed=DEFAULT_TYPES, original_name="ảnh chụp.jpeg"
    )
    assert stored.key == key and stored.content_type == "image/jpeg"
    head = get_document_store().head(key)
    assert head["metadata"]["detected-type"] == "jpeg"
    assert head["metadata"]["sha256"] == stored.sha256
    assert head["encryption"] == "aws:kms"


@pytest.mark.parametrize(
    ("data", "declared", "allowed", "reason"),
    [
        (samples.script(), "image/jpeg", DEFAULT_TYPES, RejectionReason.UNKNOWN_TYPE),
        (samples.pdf(), "image/png", DEFAULT_TYPES, RejectionReason.TYPE_MISMATCH),
        (
            samples.pdf(),
            "application/pdf",
            frozenset({FileType.JPEG}),
            RejectionReason.TYPE_NOT_ALLOWED,
        ),
    ],
)
def test_a_refused_upload_is_deleted_for_good(aws, data, declared, allowed, reason):
    key = post(data, declared)
    with pytest.raises(DocumentRejected) as refused:
        get_document_intake().accept_uploaded(key, allowed=allowed)
    assert refused.value.reason is reason
    assert versions() == []  # no version left behind, not even a delete marker


def test_an_upload_over_the_cap_is_deleted_unread(aws, monkeypatch):
    monkeypatch.setenv("DOCUMENT_MAX_BYTES", str(MB))
    key = post(b"\xff\xd8\xff" + b"0" * (2 * MB), "image/jpeg", max_bytes=MB)  # moto lets it in
    with pytest.raises(DocumentRejected) as refused:
        get_document_intake().accept_uploaded(key, allowed=DEFAULT_TYPES)
    assert refused.value.reason is RejectionReason.TOO_LARGE
    assert versions() == []


def test_a_key_nobody_uploaded_to_is_unavailable(aws):
    with pytest.raises(DocumentRejected) as refused:
        get_document_intake().accept_uploaded("uploads/nothing-here", allowed=DEFAULT_TYPES)
    assert refused.value.reason is RejectionReason.UNAVAILABLE
