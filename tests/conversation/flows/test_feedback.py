"""The chat flow "Hỏi đáp, phản ánh kiến nghị" (issue 14), engine-level: what is asked, what is
refused and why, and which actions the processing layer is handed."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.conversation import texts
from chalicelib.conversation.flows.feedback import (
    FileFeedback,
    RateFeedback,
    ReceiveFeedbackFile,
    SupplementFeedback,
)
from chalicelib.conversation.model import (
    Attachment,
    FaqHit,
    FeedbackLine,
    Location,
    UserInfo,
)

from ..conftest import CARD, CODE, Chat, FakeLookups, all_text, payloads

CONTENT = "Đường vào ấp Tân Thành bị ngập sâu sau mưa, xe máy không đi được ba ngày nay"
QUESTION = "Làm giấy khai sinh cho con cần mang theo những giấy tờ gì ạ"
PHOTO = Attachment(type="image", url="https://zalo.example/p1.jpg", name="p1.jpg")


def _kind(chat: Chat, kind: str) -> None:
    chat.send("phản ánh kiến nghị")
    assert chat.session is not None and chat.session.step == "kind"
    assert "#fb:kind:complaint" in payloads(chat.last)
    chat.send(f"#fb:kind:{kind}")
    assert chat.session is not None and chat.session.step == "content"


def test_a_feedback_with_photo_location_dossier_and_typed_identity_is_filed(chat: Chat) -> None:
    _kind(chat, "feedback")
    chat.send(CONTENT)
    assert chat.session.step == "extras"
    out = chat.send(kind="image", attachments=[PHOTO])
    [receive] = out.actions
    assert isinstance(receive, ReceiveFeedbackFile) and receive.url == PHOTO.url
    chat.send(kind="location", location=Location(latitude=9.18, longitude=105.15))
    chat.send(f"hồ sơ {CODE}")
    chat.send("#fb:next")
    assert chat.session.step == "name"
    assert "Nghị định 20/2008" in all_text(chat.last)  # why the identity is asked
    [card] = [r.info_card for r in chat.last.replies if r.info_card is not None]
    assert card.title == texts.FEEDBACK_INFO_CARD_TITLE  # one tap shares name, phone, address
    chat.send("Nguyễn Văn An")
    chat.send("0912 345 678")
    chat.send("Số 12 đường Lý Thường Kiệt, phường An Xuyên")
    assert chat.session.step == "confirm"
    assert "Người gửi: Nguyễn Văn An" in all_text(chat.last)
    out = chat.send("#fb:send")
    [filed] = out.actions
    assert isinstance(filed, FileFeedback)
    assert filed.feedback_kind == "feedback" and filed.content == CONTENT
    assert filed.sender == {
        "name": "Nguyễn Văn An",
        "phone": "+84912345678",
        "address": "Số 12 đường Lý Thường Kiệt, phường An Xuyên",
    }
    assert filed.location == (9.18, 105.15)
    assert filed.dossier_code == CODE and filed.agency_hint == "000.00.17.H12"
    assert filed.draft_id == receive.draft_id
    assert out.session is None


def test_identity_is_required_for_a_petition_and_wrong_values_are_re_asked(chat: Chat) -> None:
    _kind(chat, "petition")
    chat.send(CONTENT)
    chat.send("#fb:next")
    assert chat.session.step == "name"
    out = chat.send("1")
    assert texts.FEEDBACK_NAME_INVALID in all_text(out) and chat.session.step == "name"
    chat.send("Trần Thị Bé")
    out = chat.send("12345")
    assert texts.FEEDBACK_PHONE_INVALID in all_text(out) and chat.session.step == "phone"
    chat.send("0987654321")
    out = chat.send("ấp 3")
    assert texts.FEEDBACK_ADDRESS_INVALID in all_text(out) and chat.session.step == "address"


def test_zalo_information_card_prefills_the_identity(chat: Chat) -> None:
    _kind(chat, "feedback")
    chat.send(CONTENT)
    chat.send("#fb:next")
    info = UserInfo(name="Lê Văn Cường", phone="84912345678", address="Ấp 4, xã Tân Thành, Cà Mau")
    chat.send(kind="submit_info", user_info=info)
    assert chat.session.step == "confirm"
    assert "Lê Văn Cường" in all_text(chat.last)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("abc", "too_short"),
        ("ok ok ok ok ok ok ok ok", "meaningless"),
        ("asdfghjklqwe zxcvbnmpoiu qwrtpsdfgh lkjhgfdsa", "meaningless"),
        ("x" * 4001, "too_long"),
    ],
)
def test_empty_or_meaningless_content_gets_the_precise_reason(
    chat: Chat, text: str, problem: str
) -> None:
    _kind(chat, "feedback")
    out = chat.send(text)
    assert texts.FEEDBACK_CONTENT_PROBLEMS[problem] in all_text(out)
    assert chat.session.step == "content" and not out.actions


def test_a_question_needs_no_identity(chat: Chat) -> None:
    _kind(chat, "question")
    chat.send(QUESTION)
    chat.send("#fb:next")
    assert chat.session.step == "confirm"
    [filed] = chat.send("#fb:send").actions
    assert isinstance(filed, FileFeedback) and filed.sender is None


def test_published_answers_are_offered_before_a_question_is_filed() -> None:
    hit = FaqHit(ref="PAKN-261120-ABCDEF", question="Khai sinh cần giấy tờ gì?", answer="Tờ khai…")
    chat = Chat(lookups=FakeLookups(faq_hits=[hit]))
    _kind(chat, "question")
    out = chat.send(QUESTION)
    assert ("faq", "lam giay khai sinh cho con can mang theo nhung giay to gi a", 3) in (
        chat.lookups.calls
    )
    assert "Khai sinh cần giấy tờ gì?" in all_text(out)
    assert payloads(out) == ["#fb:faq:1", "#fb:go"]
    out = chat.send("#fb:faq:1")
    assert "Tờ khai…" in all_text(out)
    out = chat.send("#fb:thanks")  # took the answer: nothing filed
    assert out.session is None and not out.actions
    # or go on and file it anyway
    _kind(chat, "question")
    chat.send(QUESTION)
    chat.send("#fb:go")
    assert chat.session.step == "extras"


@pytest.mark.parametrize("text", ["khiếu nại", "toi muon to cao can bo xa", "gửi đơn khiếu nại"])
def test_a_complaint_or_denunciation_is_another_procedure(chat: Chat, text: str) -> None:
    out = chat.send(text)
    assert "Luật Khiếu nại" in all_text(out) and "Luật Tố cáo" in all_text(out)
    assert "#proc:2.002409" in payloads(out) and "#proc:2.002407" in payloads(out)
    assert out.session is None and not out.actions


def test_complaint_chosen_as_kind_or_written_as_content_is_explained(chat: Chat) -> None:
    chat.send("phản ánh")
    out = chat.send("#fb:kind:complaint")
    assert "Luật Khiếu nại" in all_text(out) and not out.actions
    _kind(chat, "feedback")
    out = chat.send("Tôi khiếu nại quyết định xử phạt của phường An Xuyên vì không đúng")
    assert "Luật Khiếu nại" in all_text(out) and chat.session.step == "content_complaint"
    chat.send("#fb:go")  # it is a feedback after all
    assert chat.session.step == "extras"


def test_a_related_procedure_is_found_by_words_and_chosen(chat: Chat) -> None:
    chat.lookups.cards[CARD.code] = CARD.model_copy(
        update={"receiving_agency_code": "000.00.09.H12"}
    )
    chat.lookups.procedures.insert(
        0, chat.lookups.procedures[0].model_copy(update={"code": CARD.code})
    )
    _kind(chat, "question")
    chat.send(QUESTION)
    out = chat.send("đăng ký khai sinh")
    assert f"#fb:proc:{CARD.code}" in payloads(out)
    chat.send(f"#fb:proc:{CARD.code}")
    chat.send("#fb:next")
    [filed] = chat.send("#fb:send").actions
    assert filed.procedure_code == CARD.code and filed.agency_hint == "000.00.09.H12"
    assert filed.field == "Hộ tịch"


def test_my_items_list_status_and_target_date() -> None:
    line = FeedbackLine(
        ref="PAKN-261126-ABC123", kind="feedback", state="new", target=date(2026, 12, 17)
    )
    chat = Chat(lookups=FakeLookups(feedback_lines=[line]))
    out = chat.send("phản ánh của tôi")
    text = all_text(out)
    assert "PAKN-261126-ABC123" in text and "Đang xử lý" in text and "17/12/2026" in text
    empty = Chat().send("#fb:mine")
    assert texts.FEEDBACK_MY_ITEMS_EMPTY in all_text(empty)


def test_rating_and_supplement_buttons_hand_over_actions(chat: Chat) -> None:
    [rate] = chat.send("#fb:rate:PAKN-261126-ABC123:good").actions
    assert isinstance(rate, RateFeedback) and rate.rating == "satisfied"
    chat.send("#fb:info:PAKN-261126-ABC123")
    assert chat.session.step == "info"
    [text_part] = chat.send("Ảnh chụp hiện trường tôi gửi kèm, đoạn đường dài 200 m").actions
    [file_part] = chat.send(kind="image", attachments=[PHOTO]).actions
    assert isinstance(text_part, SupplementFeedback) and isinstance(file_part, SupplementFeedback)
    assert text_part.ref == file_part.ref == "PAKN-261126-ABC123"
    assert text_part.part != file_part.part and file_part.url == PHOTO.url
    out = chat.send("#fb:done")
    assert out.session is None


def test_more_than_five_files_are_refused_with_the_reason(chat: Chat) -> None:
    _kind(chat, "feedback")
    chat.send(CONTENT)
    many = [Attachment(type="image", url=f"https://zalo.example/{i}.jpg") for i in range(7)]
    out = chat.send(kind="image", attachments=many)
    assert len(out.actions) == 5 and texts.FEEDBACK_TOO_MANY_FILES in all_text(out)


def test_consent_is_needed_first() -> None:
    chat = Chat(consented=False)
    out = chat.send("phản ánh")
    assert "#consent:yes" in payloads(out) and not out.actions


def test_when_an_officer_waits_the_next_message_is_the_answer() -> None:
    chat = Chat(awaiting="feedback:PAKN-261126-ABC123")
    [part] = chat.send("Cháu sinh ở bệnh viện tỉnh, có giấy chứng sinh").actions
    assert isinstance(part, SupplementFeedback) and part.ref == "PAKN-261126-ABC123"
    assert "PAKN-261126-ABC123" in all_text(chat.last)
    [photo] = chat.send(kind="image", attachments=[PHOTO]).actions
    assert photo.url == PHOTO.url


def test_when_an_officer_waits_a_request_of_its_own_still_works() -> None:
    chat = Chat(awaiting="feedback:PAKN-261126-ABC123")
    out = chat.send("tra cứu hồ sơ")
    assert not out.actions and chat.session.flow == "dossier"
    out = chat.send("menu")
    assert not out.actions and out.session is None


@pytest.mark.parametrize(
    ("typed", "step"),
    [("Phản ánh", "content"), ("kien nghi", "content"), ("câu hỏi", "content"), ("abc", "kind")],
)
def test_the_kind_may_be_typed(chat: Chat, typed: str, step: str) -> None:
    chat.send("phản ánh kiến nghị")
    chat.send(typed)
    assert chat.session is not None and chat.session.step == step


def test_a_typed_complaint_at_the_kind_step_is_explained(chat: Chat) -> None:
    chat.send("phản ánh kiến nghị")
    out = chat.send("tố cáo")
    assert "Luật Tố cáo" in all_text(out) and out.session is None


@pytest.mark.parametrize(("next_typed", "send_typed"), [("tiep tuc", "gui"), ("Tiếp tục.", "GỬI")])
def test_the_step_buttons_typed_without_accents_move_on(
    chat: Chat, next_typed: str, send_typed: str
) -> None:
    _kind(chat, "feedback")
    chat.send(CONTENT)
    chat.send(next_typed)
    assert chat.session.step == "name"  # not a procedure search for the words "tiếp tục"
    chat.send("Nguyễn Văn An")
    chat.send("0912 345 678")
    chat.send("Số 12 đường Lý Thường Kiệt, phường An Xuyên")
    assert chat.session.step == "confirm"
    [filed] = chat.send(send_typed).actions
    assert isinstance(filed, FileFeedback) and filed.content == CONTENT
