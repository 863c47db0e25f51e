"""The submission draft: what the service needs, checked on construction."""

from __future__ import annotations

import pydantic
import pytest

from chalicelib.domain.submission import DraftDocument
from tests.services.drafts import draft


def document(key: str, component: str, code: str = "") -> DraftDocument:
    return DraftDocument(
        component_code=code,
        component_name=component,
        key=key,
        name="a.jpg",
        content_type="image/jpeg",
        size=10,
        sha256="0" * 64,
    )


def test_components_received_counts_files_in_the_order_components_were_given():
    d = draft(
        (
            document("uploads/1", "Giấy chứng sinh", "GCS"),
            document("uploads/2", "Tờ khai", "TK"),
            document("uploads/3", "Giấy chứng sinh", "GCS"),
        )
    )
    assert [(c.code, c.name, c.files) for c in d.components_received()] == [
        ("GCS", "Giấy chứng sinh", 2),
        ("TK", "Tờ khai", 1),
    ]


def test_a_file_listed_twice_is_refused():
    with pytest.raises(pydantic.ValidationError):
        draft((document("uploads/1", "Tờ khai"), document("uploads/1", "Tờ khai")))


@pytest.mark.parametrize(
    "changes", [{"size": 0}, {"sha256": "xyz"}, {"key": ""}], ids=["empty", "hash", "key"]
)
def test_a_document_needs_a_key_a_size_and_a_sha256(changes):
    values = document("uploads/1", "Tờ khai").model_dump() | changes
    with pytest.raises(pydantic.ValidationError):
        DraftDocument(**values)


def test_the_receiving_agency_code_is_checked_and_made_canonical_before_any_number_is_taken():
    assert draft(receiving_agency_code="000.00.17.h12").receiving_agency_code == "000.00.17.H12"
    with pytest.raises(pydantic.ValidationError):
        draft(receiving_agency_code="H12")
