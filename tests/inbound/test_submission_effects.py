"""The chat submission's effects against moto: a file stored once per ref, a refused file
explained, confirming twice makes one dossier and its receipt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.conversation import texts
from chalicelib.conversation.flows.submission import CreateDossier, ReceiveDocument
from chalicelib.documents.rejection import DocumentRejected, RejectionReason
from chalicelib.inbound import effects
from chalicelib.root import get_document_store, get_submission_service
from chalicelib.storage.drafts import DraftFiles
from chalicelib.storage.table import get_table
from chalicelib.storage.users import Users
from tests.documents import samples

AT = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
USER = "2468000000000000001"


class OneFileIntake:
    """Stands in for the CDN download: stores a JPEG, or refuses ``refuse`` URLs."""

    def __init__(self, refuse: str = "") -> None:
        self.refuse, self.calls = refuse, 0

    def accept(self, url: str, **_: object):
        self.calls += 1
        if url == self.refuse:
            raise DocumentRejected(RejectionReason.UNKNOWN_TYPE)
        return get_document_store().put_upload(
            samples.jpeg(), content_type="image/jpeg", detected_type="jpeg", name="p.jpg"
        )


@pytest.fixture
def wired(aws, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dichvucong.camau.test")
    intake = OneFileIntake(refuse="https://zalo.example/bad.exe")
    subs = effects.Submissions(
        intake=intake, drafts=DraftFiles(get_table()), service=get_submission_service()
    )
    c = effects.Collaborators(
        users=Users(get_table()), dossiers=None, notices=None, hotline="0290", submissions=subs
    )  # type: ignore[arg-type]
    return intake, c


def _receive(url: str, ref: str) -> dict:
    return ReceiveDocument(
        at=AT, draft_id="d1", ref=ref, url=url, component_code="TK", component_name="Tờ khai"
    ).model_dump(mode="json")


def test_a_redelivered_file_is_stored_once_and_confirmed(wired) -> None:
    intake, c = wired
    first = effects.apply(_receive("https://zalo.example/1.jpg", "r1"), USER, c)
    again = effects.apply(_receive("https://zalo.example/1.jpg", "r1"), USER, c)
    assert first.applied and again.applied and intake.calls == 1
    assert first.replies_instead == [texts.document_received("Tờ khai", 1)]
    assert len(DraftFiles(get_table()).files("d1")) == 1


def test_a_refused_file_is_explained_and_not_recorded(wired) -> None:
    _, c = wired
    result = effects.apply(_receive("https://zalo.example/bad.exe", "r2"), USER, c)
    assert not result.applied and result.reason == "document_unknown_type"
    assert result.replies_instead == [texts.document_rejected("unknown_type")]
    assert DraftFiles(get_table()).files("d1") == []


def test_confirming_twice_creates_one_dossier_and_sends_its_receipt(wired) -> None:
    _, c = wired
    effects.apply(_receive("https://zalo.example/1.jpg", "r1"), USER, c)
    action = CreateDossier(
        at=AT,
        draft_id="d1",
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        receiving_agency_code="000.00.17.H12",
        receiving_agency_name="UBND phường An Xuyên",
        time_limit_days=3,
        applicant={
            "kind": "person",
            "name": "Nguyễn Văn An",
            "phone": "+84912345678",
            "address": "Số 5 đường Trần Hưng Đạo",
            "id_number": "096201001234",
        },
        result_delivery="at_agency",
        result_place="UBND phường An Xuyên",
    ).model_dump(mode="json")
    first = effects.apply(action, USER, c)
    second = effects.apply(action, USER, c)
    assert first.applied and second.applied
    assert first.replies_instead == second.replies_instead
    receipt_text = first.replies_instead[0]
    assert "000.00.17.H12-261126-" in receipt_text and "Tờ khai" in receipt_text
    codes = {line for line in receipt_text.splitlines() if "000.00.17.H12-261126-" in line}
    assert len(codes) >= 1
