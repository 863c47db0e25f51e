"""From the citizen's side: proving to be a dossier's applicant, a dossier linked to another
Zalo account, and a request the privacy notice interrupted going on after "Đồng ý"."""

from __future__ import annotations

import pytest

from chalicelib.conversation import texts
from chalicelib.conversation.flows.dossier import (
    LinkDossier,
    RequestOwnershipReview,
    WarnOwnerOfClaim,
)
from chalicelib.conversation.model import GrantConsent
from tests.conversation.conftest import CODE, HOTLINE, USER, Chat, all_text, payloads

PHONE, ID_NUMBER = "0912 345 678", "096201001234"


def _verify(chat: Chat) -> None:
    chat.send(f"#verify:{CODE}")


def test_asking_for_proof_names_both_numbers(chat: Chat) -> None:
    chat.send(f"#verify:{CODE}")
    text = all_text(chat.last)
    assert "số điện thoại" in text and "số căn cước" in text and "cả" in text


@pytest.mark.parametrize(
    "message",
    [
        f"{PHONE} {ID_NUMBER}",
        f"sdt {PHONE}, cccd {ID_NUMBER}",
        f"cccd: {ID_NUMBER} - sdt: 0912.345.678",
        "+84912345678\n096 201 001 234",
    ],
)
def test_the_right_pair_in_one_message_links_the_dossier(chat: Chat, message: str) -> None:
    _verify(chat)
    outcome = chat.send(message)
    assert ("confirm_applicant", CODE, USER, "+84912345678", ID_NUMBER) in chat.lookups.calls
    assert outcome.actions == [LinkDossier(at=chat.now, code=CODE)]
    assert texts.APPLICANT_CONFIRMED in all_text(outcome)
    assert outcome.session is None  # nothing typed stays in the session


def test_only_the_phone_is_not_enough_the_id_number_is_asked_for(chat: Chat) -> None:
    _verify(chat)
    outcome = chat.send(PHONE)
    assert not chat.lookups.called("confirm_applicant")
    assert outcome.actions == []
    assert all_text(outcome) == texts.ASK_APPLICANT_ID
    done = chat.send(ID_NUMBER)
    assert done.actions == [LinkDossier(at=chat.now, code=CODE)]


def test_only_the_id_number_is_not_enough_the_phone_is_asked_for(chat: Chat) -> None:
    _verify(chat)
    outcome = chat.send(ID_NUMBER)
    assert not chat.lookups.called("confirm_applicant")
    assert all_text(outcome) == texts.ASK_APPLICANT_PHONE
    done = chat.send(PHONE)
    assert isinstance(done.actions[0], LinkDossier)


@pytest.mark.parametrize(
    "message", [f"0987654321 {ID_NUMBER}", f"{PHONE} 096201009999", "0987654321 096201009999"]
)
def test_a_wrong_pair_links_nothing_and_does_not_say_which_part_was_wrong(
    chat: Chat, message: str
) -> None:
    _verify(chat)
    outcome = chat.send(message)
    assert outcome.actions == []
    assert all_text(outcome) == texts.applicant_mismatch(2)
    # neither part is kept for the next try: both are asked for again
    assert outcome.session is not None
    assert set(outcome.session.data) == {"code", "attempts"}


def test_a_right_pair_for_a_dossier_linked_elsewhere_tells_the_truth_and_warns_the_owner(
    chat: Chat,
) -> None:
    chat.lookups.linked_elsewhere = True
    _verify(chat)
    outcome = chat.send(f"{PHONE} {ID_NUMBER}")
    assert outcome.actions == [WarnOwnerOfClaim(at=chat.now, code=CODE)]
    text = all_text(outcome)
    assert text.startswith(texts.applicant_linked_elsewhere(HOTLINE))
    assert texts.APPLICANT_CONFIRMED not in text and "Chuyển phòng Tư pháp" not in text
    assert f"#review:{CODE}" in payloads(outcome)


def test_the_claimant_asks_for_a_review(chat: Chat) -> None:
    chat.lookups.linked_elsewhere = True
    _verify(chat)
    chat.send(f"{PHONE} {ID_NUMBER}")
    outcome = chat.send(f"#review:{CODE}")
    assert outcome.actions == [RequestOwnershipReview(at=chat.now, code=CODE)]
    assert texts.OWNERSHIP_REVIEW_REQUESTED in all_text(outcome)
    assert outcome.session is None


def test_a_review_cannot_be_asked_without_a_right_proof_first(chat: Chat) -> None:
    outcome = chat.send(f"#review:{CODE}")
    assert outcome.actions == []
    assert texts.NOT_UNDERSTOOD in all_text(outcome)


def test_a_first_dossier_lookup_greets_shows_the_notice_then_goes_on_after_agreeing(
    chat: Chat,
) -> None:
    chat.consented = False
    first = chat.send(f"tra cuu ho so {CODE}", first=True)
    assert first.replies[0].text == texts.greeting("Trung tâm Phục vụ hành chính công tỉnh Cà Mau")
    assert "91/2025/QH15" in first.replies[1].text
    assert "#consent:yes" in payloads(first)
    assert not chat.lookups.called("dossier_by_code")
    after = chat.send("Đồng ý")
    assert after.actions == [GrantConsent(at=chat.now, notice_version=texts.PRIVACY_NOTICE_VERSION)]
    assert after.replies[0].text.startswith("Cảm ơn Ông/Bà đã đồng ý")
    assert ("dossier_by_code", CODE, USER) in chat.lookups.calls
    assert "Đang xử lý" in all_text(after)


def test_declining_drops_the_held_request(chat: Chat) -> None:
    chat.consented = False
    chat.send(f"tra cuu ho so {CODE}", first=True)
    outcome = chat.send("không đồng ý")
    assert not chat.lookups.called("dossier_by_code")
    assert outcome.session is None


def test_a_first_greeting_is_not_answered_twice_after_agreeing(chat: Chat) -> None:
    chat.consented = False
    first = chat.send("xin chào", first=True)
    assert first.session is None
    assert "Xin chào" not in all_text(chat.send("đồng ý"))
