"""The real type comes from the bytes; the name and the declared type never make a file pass."""

from __future__ import annotations

import pytest

from chalicelib.documents.filetypes import (
    DEFAULT_TYPES,
    FileType,
    accepted_types,
    allowed_for,
    check,
    detect,
)
from chalicelib.documents.rejection import DocumentRejected, RejectionReason
from chalicelib.domain.procedure import Component
from tests.documents import samples

ALL = frozenset(FileType)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.jpeg(), FileType.JPEG),
        (samples.png(), FileType.PNG),
        (samples.pdf(), FileType.PDF),
        (samples.docx(), FileType.DOCX),
    ],
)
def test_detect_recognises_each_accepted_type_from_its_bytes(data, expected):
    assert detect(data) is expected


@pytest.mark.parametrize(
    "data",
    [
        samples.script(),
        samples.plain_zip(),
        samples.xlsx(),
        samples.docm(),
        b"PK\x03\x04broken zip",
        b"GIF89a",
    ],
)
def test_detect_knows_nothing_else_not_even_other_zips(data):
    assert detect(data) is None


def test_a_script_renamed_jpg_and_declared_an_image_is_refused_as_unknown():
    with pytest.raises(DocumentRejected) as refused:
        check(samples.script(), ALL, declared="image/jpeg")
    assert refused.value.reason is RejectionReason.UNKNOWN_TYPE


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (samples.pdf(), "image"),  # Zalo said photo, the bytes are a PDF
        (samples.png(), "image/jpeg"),
        (samples.jpeg(), "pdf"),  # a Zalo file payload's "type"
        (samples.docx(), "application/pdf"),
        (samples.pdf(), "video"),
    ],
)
def test_a_declared_type_that_contradicts_the_bytes_is_refused(data, declared):
    with pytest.raises(DocumentRejected) as refused:
        check(data, ALL, declared=declared)
    assert refused.value.reason is RejectionReason.TYPE_MISMATCH


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        (samples.jpeg(), "image", FileType.JPEG),
        (samples.png(), "image/png; charset=binary", FileType.PNG),
        (samples.pdf(), "file", FileType.PDF),
        (samples.pdf(), "PDF", FileType.PDF),
        (samples.docx(), "application/octet-stream", FileType.DOCX),
        (samples.docx(), "", FileType.DOCX),
    ],
)
def test_a_declared_type_that_agrees_or_says_nothing_passes(data, declared, expected):
    assert check(data, ALL, declared=declared) is expected


def test_a_type_the_component_does_not_accept_is_refused():
    with pytest.raises(DocumentRejected) as refused:
        check(samples.docx(), frozenset({FileType.PDF, FileType.JPEG}))
    assert refused.value.reason is RejectionReason.TYPE_NOT_ALLOWED


def test_an_empty_file_is_refused():
    with pytest.raises(DocumentRejected) as refused:
        check(b"", ALL)
    assert refused.value.reason is RejectionReason.EMPTY


def test_accepted_types_read_the_catalogue_words():
    assert accepted_types(("pdf", " JPG", ".png")) == {FileType.PDF, FileType.JPEG, FileType.PNG}
    assert accepted_types(("jpeg",)) == {FileType.JPEG}


def test_accepted_types_default_when_the_catalogue_says_nothing_we_can_check():
    assert accepted_types(()) == DEFAULT_TYPES
    assert accepted_types(("doc", "xls")) == DEFAULT_TYPES


def test_a_components_allowed_types_come_from_the_catalogue():
    assert allowed_for(Component(name="Tờ khai", accepted_file_types=("pdf", "docx"))) == {
        FileType.PDF,
        FileType.DOCX,
    }
    assert allowed_for(Component(name="Ảnh chân dung")) == DEFAULT_TYPES
