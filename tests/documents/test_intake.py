"""An attachment is kept only when its bytes pass; a refused file leaves nothing in the bucket."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

import pytest
import requests
import responses

from chalicelib.documents.download import AllowList, CdnDownloader
from chalicelib.documents.filetypes import DEFAULT_TYPES, FileType
from chalicelib.documents.intake import DocumentIntake
from chalicelib.documents.rejection import DocumentRejected, RejectionReason
from chalicelib.platform.aws import client
from chalicelib.platform.container import reset_all
from chalicelib.root import get_document_intake, get_document_store
from chalicelib.storage.documents import DocumentStore
from tests.conftest import TEST_ENV
from tests.documents import samples

URL = "https://f21-zpc.zdn.vn/docs/abc/to-khai.pdf?token=t"


@pytest.fixture
def intake(aws):
    downloader = CdnDownloader(
        requests.Session(),
        AllowList.from_setting("zdn.vn"),
        max_bytes=10 * 1024 * 1024,
        timeout=(2.0, 2.0),
        total_seconds=5.0,
        resolver=lambda host, port: ["118.102.0.10"],
    )
    return DocumentIntake(downloader, get_document_store(), max_bytes=10 * 1024 * 1024)


def bucket_keys() -> list[str]:
    listed = client("s3").list_object_versions(Bucket=TEST_ENV["DOCUMENTS_BUCKET"])
    return [v["Key"] for v in listed.get("Versions", [])]


@responses.activate
def test_an_accepted_file_is_stored_encrypted_under_a_generated_key_with_its_facts(intake):
    responses.get(URL, body=samples.pdf(), content_type="application/pdf")
    stored = intake.accept(
        URL, allowed=DEFAULT_TYPES, declared_type="pdf", original_name="../../Tờ khai.PDF"
    )
    assert stored.key.startswith("uploads/") and "khai" not in stored.key
    assert stored.sha256 == hashlib.sha256(samples.pdf()).hexdigest()
    assert stored.name == "Tờ khai.pdf"
    head = get_document_store().head(stored.key)
    assert head["encryption"] == "aws:kms"
    assert head["content_type"] == "application/pdf"
    assert head["size"] == len(samples.pdf())
    meta = head["metadata"]
    assert meta["sha256"] == stored.sha256
    assert meta["size"] == str(len(samples.pdf()))
    assert meta["detected-type"] == "pdf"
    assert unquote(meta["original-name"]) == "Tờ khai.pdf"
    assert get_document_store().read(stored.key) == samples.pdf()


@pytest.mark.parametrize(
    ("body", "declared", "allowed", "reason"),
    [
        (samples.script(), "image", DEFAULT_TYPES, RejectionReason.UNKNOWN_TYPE),
        (samples.pdf(), "image", DEFAULT_TYPES, RejectionReason.TYPE_MISMATCH),
        (samples.docx(), "file", frozenset({FileType.PDF}), RejectionReason.TYPE_NOT_ALLOWED),
        (b"%PDF-" + b"0" * (30 * 1024 * 1024), "file", DEFAULT_TYPES, RejectionReason.TOO_LARGE),
    ],
)
@responses.activate
def test_a_refused_file_leaves_nothing_stored(intake, body, declared, allowed, reason):
    responses.get(URL, body=body)
    with pytest.raises(DocumentRejected) as refused:
        intake.accept(URL, allowed=allowed, declared_type=declared, original_name="a.jpg")
    assert refused.value.reason is reason
    assert bucket_keys() == []


@responses.activate
def test_the_cdn_content_type_may_not_contradict_the_bytes_either(intake):
    responses.get(URL, body=samples.pdf(), content_type="image/png")
    with pytest.raises(DocumentRejected) as refused:
        intake.accept(URL, allowed=DEFAULT_TYPES, declared_type="file")
    assert refused.value.reason is RejectionReason.TYPE_MISMATCH
    assert bucket_keys() == []


@responses.activate
def test_an_unfamiliar_cdn_content_type_is_not_a_contradiction(intake):
    responses.get(URL, body=samples.pdf(), content_type="text/plain")
    stored = intake.accept(URL, allowed=DEFAULT_TYPES, declared_type="file")
    assert stored.content_type == "application/pdf"


def test_a_url_outside_the_allow_list_is_refused_by_the_wired_intake(aws):
    with responses.RequestsMock() as mock:
        with pytest.raises(DocumentRejected) as refused:
            get_document_intake().accept("https://evil.test/a.jpg", allowed=DEFAULT_TYPES)
        assert len(mock.calls) == 0
    assert refused.value.reason is RejectionReason.HOST_NOT_ALLOWED
    assert bucket_keys() == []


def test_the_store_is_wired_to_the_configured_bucket(aws):
    store = get_document_store()
    assert isinstance(store, DocumentStore)
    stored = store.put_upload(
        samples.png(), content_type="image/png", detected_type="png", name="a.png"
    )
    assert bucket_keys() == [stored.key]


def test_make_runs_cdn_stand_in_is_reached_with_make_runs_allow_list(aws, monkeypatch, tmp_path):
    """The attachment path ``make chat``'s ``/file`` uses, end to end on loopback."""
    from local.run import local_defaults
    from local.standins import Cdn, serve

    (tmp_path / "to-khai.pdf").write_bytes(samples.pdf())
    (tmp_path / "renamed.jpg").write_bytes(samples.script())
    cdn = serve(Cdn(tmp_path), 0)
    try:
        monkeypatch.setenv("ZALO_CDN_HOSTS", local_defaults({})["ZALO_CDN_HOSTS"])
        reset_all()
        intake = get_document_intake()
        stored = intake.accept(f"{cdn.url}/files/to-khai.pdf", allowed=DEFAULT_TYPES)
        assert get_document_store().read(stored.key) == samples.pdf()
        with pytest.raises(DocumentRejected) as refused:
            intake.accept(f"{cdn.url}/files/renamed.jpg", allowed=DEFAULT_TYPES)
        assert refused.value.reason is RejectionReason.UNKNOWN_TYPE
        assert bucket_keys() == [stored.key]
    finally:
        cdn.stop()
