"""The documents bucket: generated keys, kept copies, QR images, short-lived links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.root import get_document_store
from chalicelib.storage.documents import DocumentStore, sanitize_name
from tests.documents import samples


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("to-khai.pdf", "pdf", "to-khai.pdf"),
        ("C:\\Users\\An\\CCCD mặt trước.JPG", "jpg", "CCCD mặt trước.jpg"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("virus.exe", "pdf", "virus.pdf"),  # the detected type's extension, never the claimed one
        ('a<b>:"c|?*\x00\n.png', "png", "a b c.png"),
        ("", "jpg", "tai-lieu.jpg"),
        ("...", "jpg", "tai-lieu.jpg"),
        ("x" * 300 + ".pdf", "pdf", "x" * 116 + ".pdf"),
        ("Te\u0302\u0301t.docx", "docx", "Tết.docx"),  # decomposed diacritics become NFC
    ],
)
def test_sanitize_name_keeps_a_readable_name_and_nothing_dangerous(name, extension, expected):
    assert sanitize_name(name, extension) == expected


@pytest.fixture
def store(aws) -> DocumentStore:
    return get_document_store()


def test_upload_keys_are_generated_and_distinct(store):
    first = store.put_upload(
        samples.pdf(), content_type="application/pdf", detected_type="pdf", name="a.pdf"
    )
    second = store.put_upload(
        samples.pdf(), content_type="application/pdf", detected_type="pdf", name="a.pdf"
    )
    assert first.key != second.key
    assert first.key.startswith("uploads/") and second.key.startswith("uploads/")


def test_keep_copies_out_of_the_expiring_prefix_with_metadata_and_is_idempotent(store):
    upload = store.put_upload(
        samples.jpeg(), content_type="image/jpeg", detected_type="jpeg", name="a.jpg"
    )
    kept = store.keep(upload.key)
    assert kept == store.keep(upload.key)
    assert kept.startswith("documents/") and kept.removeprefix(
        "documents/"
    ) == upload.key.removeprefix("uploads/")
    head = store.head(kept)
    assert head["metadata"]["sha256"] == upload.sha256
    assert head["encryption"] == "aws:kms"
    assert store.read(kept) == samples.jpeg()


@pytest.mark.parametrize("key", ["documents/abc", "uploads/a/b", "uploads/../x/y", "x"])
def test_keep_refuses_keys_that_are_not_uploads(store, key):
    with pytest.raises(ValueError):
        store.keep(key)


def test_head_of_a_missing_object_is_none(store):
    assert store.head("uploads/missing") is None


def test_presigned_links_expire_after_the_configured_time_and_name_one_object(aws, monkeypatch):
    monkeypatch.setenv("DOCUMENT_LINK_SECONDS", "120")
    store = get_document_store()
    upload = store.put_upload(
        samples.pdf(), content_type="application/pdf", detected_type="pdf", name="a.pdf"
    )
    link = store.presigned_get(upload.key)
    parts = urlsplit(link)
    assert parts.path.endswith(upload.key)
    query = parse_qs(parts.query)
    assert query["X-Amz-Expires"] == ["120"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]  # SSE-KMS objects need SigV4


def test_receipt_qr_lives_under_the_dossier(store):
    key = store.put_receipt_qr("000.00.17.H12-261126-0007", samples.png())
    assert key == "dossiers/000.00.17.H12-261126-0007/receipt-qr.png"
    assert store.head(key)["content_type"] == "image/png"
