"""The conversation engine, turn by turn, against a fake Lookups."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.conversation import texts
from chalicelib.conversation.engine import handle
from chalicelib.conversation.flows.dossier import LinkDossier
from chalicelib.conversation.model import (
    DeleteMyData,
    GrantConsent,
    RecordUnfollow,
    Session,
    WithdrawConsent,
)
from chalicelib.conversation.texts import PRIVACY_NOTICE_VERSION

from .conftest import (
    CODE,
    HOTLINE,
    OTHER_CODE,
    OWNER_VIEW,
    SETTINGS,
    T0,
    USER,
    Chat,
    FakeLookups,
    all_text,
    payloads,
    turn,
)

# Only what works: dossiers, procedures, "my dossiers", submission on the first page; postal
# registration (issue 13), feedback (issue 14), an officer and help behind "Xem thêm".
MAIN_MENU_FIRST_PAGE = [
    "#flow:dossier",
    "#flow:procedures",
    "#flow:mine",
    "#flow:submit",
    "#more:menu:1",
]


def shows_main_menu(outcome) -> bool:
    return payloads(outcome)[-5:] == MAIN_MENU_FIRST_PAGE


# --- Menu, help, cancel --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["menu", "MENU", "#menu", "Menu chính"])
def test_menu_from_inside_a_flow_drops_the_flow_and_shows_the_main_menu(
    chat: Chat, text: str
) -> None:
    chat.send("tra cứu hồ sơ")
    assert chat.session is not None and chat.session.flow == "dossier"
    outcome = chat.send(text)
    assert outcome.session is None
    assert shows_main_menu(outcome)
    assert "Tra cứu hồ sơ" in all_text(outcome)  # says what was stopped


def test_main_menu_offers_only_what_works(chat: Chat) -> None:
    outcome = chat.send("menu")
    assert [b.title for b in outcome.replies[-1].buttons] == [
        "Tra cứu hồ sơ",
        "Tra cứu thủ tục",
        "Hồ sơ của tôi",
        "Nộp hồ sơ",
        "Xem thêm",
    ]
    more = chat.send("#more:menu:1")
    assert [b.title for b in more.replies[-1].buttons] == [
        "Đăng ký bưu chính",
        "Hỏi đáp, phản ánh",
        "Gặp cán bộ",
        "Trợ giúp",
    ]


def test_a_page_the_main_menu_does_not_have_shows_the_menu(chat: Chat) -> None:
    outcome = chat.send("#more:menu:2")
    assert shows_main_menu(outcome)


@pytest.mark.parametrize("text", ["trợ giúp", "help", "#help", "giup"])
def test_help_from_anywhere_explains_usage_and_shows_the_menu(chat: Chat, text: str) -> None:
    chat.send("thủ tục")
    outcome = chat.send(text)
    assert outcome.session is None
    assert HOTLINE in all_text(outcome)
    assert "HƯỚNG DẪN" in all_text(outcome)
    assert shows_main_menu(outcome)


@pytest.mark.parametrize("text", ["hủy", "huy", "#cancel", "Thoát"])
def test_cancel_drops_the_flow_says_what_was_dropped_and_shows_the_menu(
    chat: Chat, text: str
) -> None:
    chat.send("tra cứu hồ sơ")
    outcome = chat.send(text)
    assert outcome.session is None
    assert "Đã hủy “Tra cứu hồ sơ”" in all_text(outcome)
    assert "chưa được lưu" in all_text(outcome)
    assert shows_main_menu(outcome)


def test_cancel_with_nothing_in_progress_says_so_and_shows_the_menu(chat: Chat) -> None:
    outcome = chat.send("hủy")
    assert "không có việc nào" in all_text(outcome)
    assert shows_main_menu(outcome)


def test_a_long_message_mentioning_huy_inside_a_flow_does_not_cancel(chat: Chat) -> None:
    chat.send("tra cứu hồ sơ")
    outcome = chat.send("cán bộ bảo tôi hủy rồi làm lại nhưng tôi không biết mã ở đâu cả")
    assert outcome.session is not None and outcome.session.flow == "dossier"
    assert "000.00.17.H12-261126-0007" in all_text(outcome)


# --- Session timeout ---------------------------------------------------------------------------


def test_session_idle_over_30_minutes_starts_with_expired_notice_then_handles_turn_fresh(
    chat: Chat,
) -> None:
    chat.send("thủ tục")
    assert chat.session is not None
    outcome = chat.send("tra cứu hồ sơ", after=timedelta(minutes=31))
    first = outcome.replies[0].text
    assert first.startswith("Phiên làm việc “Tra cứu thủ tục” đã hết hạn sau 30 phút")
    assert "chưa được lưu" in first
    # the turn is handled fresh: the dossier flow asks for a code, no search was run
    assert outcome.session is not None and outcome.session.flow == "dossier"
    assert not chat.lookups.called("search_procedures")


def test_session_idle_under_the_timeout_continues_the_flow(chat: Chat) -> None:
    chat.send("thủ tục")
    outcome = chat.send("khai sinh", after=timedelta(minutes=29))
    assert "hết hạn" not in all_text(outcome)
    assert ("search_procedures", "khai sinh", 0, 5) in chat.lookups.calls


def test_expired_session_answer_is_still_used_when_it_stands_alone(chat: Chat) -> None:
    chat.send("tra cứu hồ sơ")
    outcome = chat.send(CODE, after=timedelta(hours=2))
    assert "hết hạn" in outcome.replies[0].text
    assert "Đăng ký khai sinh" in all_text(outcome)


def test_session_keeps_start_time_and_version_and_refreshes_update_time() -> None:
    stored = Session(flow="dossier", step="code", started_at=T0, updated_at=T0, version=7)
    later = T0 + timedelta(minutes=10)
    outcome = handle(stored, turn("abc", at=later), FakeLookups(), SETTINGS)
    assert outcome.session is not None
    assert outcome.session.started_at == T0
    assert outcome.session.updated_at == later
    assert outcome.session.version == 7


# --- Personal data and consent -----------------------------------------------------------------


def test_first_interaction_greets_then_shows_the_privacy_notice_and_holds_the_request(
    chat: Chat,
) -> None:
    chat.consented = False
    outcome = chat.send("thủ tục khai sinh", first=True)
    assert outcome.replies[0].text.startswith("Xin chào Ông/Bà")
    summary, details = outcome.replies[1], outcome.replies[2]  # short first, then details
    assert "91/2025/QH15" in summary.text and "356/2025/NĐ-CP" in summary.text
    assert "xóa dữ liệu" in summary.text and not summary.buttons
    for collected in ("họ tên", "số điện thoại", "số căn cước", "địa chỉ", "ảnh giấy tờ"):
        assert collected in details.text.lower()
    assert [b.payload for b in details.buttons] == ["#consent:yes", "#consent:no"]
    # the request waits for the answer to the notice, then goes on
    assert not chat.lookups.called("search_procedures")
    chat.send("Đồng ý")
    assert chat.lookups.called("search_procedures")
    assert "Kết quả tra cứu" in all_text(chat.last)


def test_follow_greets_shows_the_notice_on_first_interaction_and_the_menu(chat: Chat) -> None:
    chat.consented = False
    outcome = chat.send(kind="follow", first=True)
    assert outcome.replies[0].text.startswith("Xin chào Ông/Bà")
    assert "91/2025/QH15" in outcome.replies[1].text
    assert shows_main_menu(outcome)
    assert outcome.actions == []


def test_chatnow_greets_with_the_menu_without_repeating_the_notice(chat: Chat) -> None:
    outcome = chat.send(kind="chatnow")
    assert outcome.replies[0].text.startswith("Xin chào")
    assert "91/2025/QH15" not in all_text(outcome)
    assert shows_main_menu(outcome)


@pytest.mark.parametrize("text", ["hồ sơ của tôi", "#flow:mine"])
def test_my_dossiers_without_consent_asks_for_consent_and_reads_nothing(
    chat: Chat, text: str
) -> None:
    chat.consented = False
    outcome = chat.send(text)
    assert "Đồng ý" in all_text(outcome)
    assert "#consent:yes" in payloads(outcome)
    assert not chat.lookups.called("dossiers_of")
    assert outcome.session is not None and outcome.session.data == {"pending": text}


def test_confirming_identity_without_consent_asks_for_consent_first(chat: Chat) -> None:
    chat.consented = False
    outcome = chat.send(f"#verify:{CODE}")
    assert "#consent:yes" in payloads(outcome)
    assert outcome.session is not None and outcome.session.flow == "privacy"
    # "Đồng ý" and the proof is asked for: the request was not dropped
    chat.consented = False  # the profile is updated after the turn
    after = chat.send("đồng ý")
    assert isinstance(after.actions[0], GrantConsent)
    assert after.session is not None and after.session.step == "verify"


def test_dossier_lookup_by_code_works_without_consent(chat: Chat) -> None:
    chat.consented = False
    outcome = chat.send(CODE)
    assert "Đang xử lý" in all_text(outcome)
    assert "#consent:yes" not in payloads(outcome)


@pytest.mark.parametrize("text", ["#consent:yes", "đồng ý", "Dong y"])
def test_agreeing_grants_consent_thanks_and_shows_the_menu(chat: Chat, text: str) -> None:
    chat.consented = False
    outcome = chat.send(text)
    assert outcome.actions == [
        GrantConsent(at=chat.now, notice_version=PRIVACY_NOTICE_VERSION),
    ]
    assert "Cảm ơn Ông/Bà đã đồng ý" in all_text(outcome)
    assert shows_main_menu(outcome)


def test_agreeing_on_the_first_message_does_not_show_the_notice_again(chat: Chat) -> None:
    chat.consented = False
    outcome = chat.send("#consent:yes", first=True)
    assert "91/2025/QH15" not in all_text(outcome)
    assert isinstance(outcome.actions[0], GrantConsent)


def test_agreeing_twice_records_nothing_new(chat: Chat) -> None:
    outcome = chat.send("#consent:yes")
    assert outcome.actions == []


def test_declining_before_consent_records_nothing_and_explains_what_still_works(
    chat: Chat,
) -> None:
    chat.consented = False
    outcome = chat.send("#consent:no")
    assert outcome.actions == []
    assert "tra cứu thủ tục" in all_text(outcome)


def test_declining_after_consent_withdraws_it(chat: Chat) -> None:
    outcome = chat.send("không đồng ý")
    assert outcome.actions == [WithdrawConsent(at=chat.now)]


def test_deleting_my_data_asks_for_confirmation_then_records_the_request(chat: Chat) -> None:
    ask = chat.send("xóa dữ liệu")
    assert ask.actions == []
    assert payloads(ask) == ["#erase:yes", "#erase:no"]
    done = chat.send("#erase:yes")
    assert done.actions == [DeleteMyData(at=chat.now)]
    assert "2 ngày làm việc" in all_text(done)
    kept = chat.send("#erase:no")
    assert kept.actions == []


# --- Events ---------------------------------------------------------------------------------------


def test_unfollow_records_the_unfollow_and_sends_no_reply(chat: Chat) -> None:
    chat.send("tra cứu hồ sơ")
    outcome = chat.send(kind="unfollow")
    assert outcome.replies == []
    assert outcome.actions == [RecordUnfollow(at=chat.now)]
    assert outcome.session is None


@pytest.mark.parametrize("text", ["asdfgh", "xyz xyz xyz", "   ", None])
def test_unplaceable_input_gets_a_helpful_reply_with_the_menu(chat: Chat, text) -> None:
    outcome = chat.send(text)
    assert outcome.replies
    assert shows_main_menu(outcome)


@pytest.mark.parametrize("text", ["khai sinh?", "KHAI SINH", "  Khai   sinh "])
def test_free_text_naming_a_procedure_gets_search_results(chat: Chat, text) -> None:
    outcome = chat.send(text)
    buttons = outcome.replies[-1].buttons
    assert buttons and buttons[0].payload.startswith("#proc:")
    assert not shows_main_menu(outcome)


@pytest.mark.parametrize("kind", ["image", "file", "location"])
def test_attachment_outside_a_flow_is_politely_refused_with_the_menu(chat: Chat, kind: str) -> None:
    outcome = chat.send(kind=kind)
    assert "chưa sử dụng được" in all_text(outcome)
    assert shows_main_menu(outcome)


def test_attachment_inside_a_flow_repeats_the_question_and_keeps_waiting(chat: Chat) -> None:
    chat.send("tra cứu hồ sơ")
    outcome = chat.send(kind="image")
    assert "chưa sử dụng được ảnh" in all_text(outcome)
    assert "nhập mã hồ sơ" in all_text(outcome)
    assert outcome.session is not None and outcome.session.step == "code"


def test_stickers_and_other_events_get_a_reply_with_the_menu(chat: Chat) -> None:
    outcome = chat.send(kind="other")
    assert shows_main_menu(outcome)


# --- Procedure lookup --------------------------------------------------------------------------


def test_procedure_lookup_asks_for_keywords_then_lists_results_as_buttons(chat: Chat) -> None:
    ask = chat.send("#flow:procedures")
    assert "từ khóa" in all_text(ask)
    assert ask.session is not None and ask.session.step == "query"

    results = chat.send("khai sinh")
    buttons = results.replies[-1].buttons
    assert len(buttons) == 5
    assert [b.payload for b in buttons[:4]] == [f"#proc:1.00{1000 + i}" for i in range(1, 5)]
    # Result buttons name the procedure (35 characters at most) and never all read the same.
    assert all(len(b.title) <= 35 for b in buttons)
    assert len({b.title for b in buttons}) == len(buttons)
    assert buttons[4].title == "Xem thêm"
    assert buttons[4].payload == "#page:procedures:4:khai sinh"
    assert "trong 7 thủ tục" in all_text(results)
    assert results.session is None  # paging is carried by the payload


def test_procedure_results_page_onwards_until_the_last_page(chat: Chat) -> None:
    second = chat.send("#page:procedures:4:khai sinh")
    assert payloads(second) == [f"#proc:1.00{1000 + i}" for i in range(5, 8)]
    assert "5. Đăng ký khai sinh loại 5" in all_text(second)


def test_procedure_typed_with_keywords_searches_at_once(chat: Chat) -> None:
    chat.send("Tôi muốn hỏi thủ tục khai sinh")
    assert ("search_procedures", "khai sinh", 0, 5) in chat.lookups.calls


def test_procedure_search_without_results_says_so_and_waits_for_other_words(
    chat: Chat,
) -> None:
    outcome = chat.send("thủ tục cấp phép bay")
    assert "Không tìm thấy thủ tục" in all_text(outcome)
    assert outcome.session is not None and outcome.session.step == "query"


def test_procedure_card_is_one_short_message_with_documents_and_fees_behind_buttons(
    chat: Chat,
) -> None:
    outcome = chat.send("#proc:1.001193")
    assert len(outcome.replies) == 1 and len(outcome.replies[0].text) <= 600
    text = all_text(outcome)
    assert "Thủ tục đăng ký khai sinh" in text
    assert "Thời hạn: Ngay trong ngày làm việc" in text
    assert "Phí, lệ phí: Không thu phí" in text
    assert "Ủy ban nhân dân xã" in text and "Lý Thường Kiệt" in text
    assert "ma_thu_tuc=1.001193" in text
    assert "Tờ khai" not in text
    assert "#proc:1.001193:documents" in payloads(outcome)
    assert "#proc:1.001193:fees" in payloads(outcome)
    assert "#flow:submit:1.001193" not in payloads(outcome)  # not submittable in Zalo


def test_the_documents_button_lists_the_documents_with_counts(chat: Chat) -> None:
    text = all_text(chat.send("#proc:1.001193:documents"))
    assert "Tờ khai đăng ký khai sinh (bản chính: 1)" in text
    assert "Giấy chứng sinh (bản chính: 1, bản sao: 2)" in text


def test_typing_a_procedure_code_opens_its_card(chat: Chat) -> None:
    chat.send("1.001193")
    assert ("procedure_card", "1.001193") in chat.lookups.calls


def test_unknown_procedure_code_says_so_with_the_menu(chat: Chat) -> None:
    outcome = chat.send("#proc:9.999999")
    assert "Không tìm thấy thủ tục có mã 9.999999" in all_text(outcome)
    assert shows_main_menu(outcome)


# --- Dossier lookup --------------------------------------------------------------------------


def test_dossier_lookup_asks_for_the_code_then_shows_the_dossier(chat: Chat) -> None:
    ask = chat.send("tra cứu hồ sơ")
    assert "000.00.17.H12-261126-0007" in all_text(ask)
    outcome = chat.send(" 000.00.17.h12 - 261126 - 0007 ")
    assert ("dossier_by_code", CODE, USER) in chat.lookups.calls
    assert outcome.session is None


def test_non_owner_sees_only_procedure_and_status_and_an_offer_to_confirm(chat: Chat) -> None:
    outcome = chat.send(CODE)
    text = all_text(outcome)
    assert "Đăng ký khai sinh" in text and "Đang xử lý" in text
    for private in ("Tiếp nhận hồ sơ", "30/11/2026", "quá hạn", "Phòng Tư pháp thẩm định"):
        assert private not in text
    assert f"#verify:{CODE}" in payloads(outcome)


def test_owner_sees_history_received_time_due_date_overdue_and_next_step(chat: Chat) -> None:
    chat.lookups.owners.add(USER)
    text = all_text(chat.send(CODE))
    assert "Chuyển phòng Tư pháp" in text
    assert "09:00 26/11/2026" in text  # received time in Vietnam's time zone
    assert "30/11/2026 (đã quá hạn)" in text
    assert "Bước tiếp theo: Phòng Tư pháp thẩm định" in text


def test_unknown_dossier_code_explains_the_expected_format_and_waits(chat: Chat) -> None:
    outcome = chat.send(OTHER_CODE)
    assert f"Không tìm thấy hồ sơ có mã {OTHER_CODE}" in all_text(outcome)
    assert "000.00.17.H12-261126-0007" in all_text(outcome)
    assert outcome.session is not None and outcome.session.step == "code"


def test_text_that_is_not_a_code_while_waiting_for_one_explains_the_format(chat: Chat) -> None:
    chat.send("#flow:dossier")
    outcome = chat.send("abc123")
    assert "Mã hồ sơ có dạng 000.00.17.H12-261126-0007" in all_text(outcome)


def test_another_request_while_waiting_for_a_code_switches_to_it(chat: Chat) -> None:
    chat.send("#flow:dossier")
    outcome = chat.send("thủ tục khai sinh")
    assert chat.lookups.called("search_procedures")
    assert outcome.session is None


def test_confirming_the_applicant_by_phone_links_the_dossier_and_shows_everything(
    chat: Chat,
) -> None:
    ask = chat.send(f"#verify:{CODE}")
    assert ask.session is not None and ask.session.step == "verify"
    outcome = chat.send("0912 345 678, căn cước 096201001234")
    assert ("confirm_applicant", CODE, USER, "+84912345678", "096201001234") in chat.lookups.calls
    assert outcome.actions == [LinkDossier(at=chat.now, code=CODE)]
    assert "Chuyển phòng Tư pháp" in all_text(outcome)
    assert outcome.session is None
    assert "0912" not in str(outcome.session)  # the phone is never kept in the session


def test_confirming_the_applicant_by_id_number_then_phone(chat: Chat) -> None:
    chat.send(f"#verify:{CODE}")
    chat.send("096201001234")
    outcome = chat.send("0912345678")
    assert isinstance(outcome.actions[0], LinkDossier)


def test_wrong_applicant_details_are_refused_and_locked_after_three_tries(chat: Chat) -> None:
    chat.send(f"#verify:{CODE}")
    first = chat.send("0987654321 096201001234")
    assert "còn 2 lần" in all_text(first)
    chat.send("0987654322 096201001234")
    last = chat.send("0987654323 096201001234")
    assert HOTLINE in all_text(last)
    assert last.session is None
    assert last.actions == []


def test_text_that_is_neither_phone_nor_id_asks_again_without_using_a_try(chat: Chat) -> None:
    chat.send(f"#verify:{CODE}")
    outcome = chat.send("12345")
    assert "12 số" in all_text(outcome)
    assert not chat.lookups.called("confirm_applicant")


def test_my_dossiers_lists_linked_dossiers_as_buttons(chat: Chat) -> None:
    chat.lookups.linked = [OWNER_VIEW, OWNER_VIEW.model_copy(update={"code": OTHER_CODE})]
    outcome = chat.send("hồ sơ của tôi")
    assert payloads(outcome) == [f"#dossier:{CODE}", f"#dossier:{OTHER_CODE}"]
    assert ("dossiers_of", USER, 5) in chat.lookups.calls


def test_my_dossiers_when_none_are_linked_explains_how_to_link_one(chat: Chat) -> None:
    outcome = chat.send("#flow:mine")
    assert "Xác nhận chủ hồ sơ" in all_text(outcome)


# --- Capabilities not built yet --------------------------------------------------------------


def test_an_unbuilt_capability_says_so_honestly_with_portal_and_hotline() -> None:
    """Every announced capability is built now; the placeholder stays for the next one."""
    from chalicelib.conversation.flows import default_flows
    from chalicelib.conversation.flows.unavailable import UnavailableFlow
    from chalicelib.conversation.intents import Phrases

    def message(portal: str, hotline: str) -> str:
        return f"Dịch vụ thử nghiệm chưa sử dụng được qua Zalo. Xem {portal} hoặc gọi {hotline}."

    toy = UnavailableFlow("toy", Phrases("toy", False, ("dich vu thu nghiem",)), message, "Thử")
    chat = Chat(flows=default_flows().with_flows(toy))
    outcome = chat.send("dịch vụ thử nghiệm")
    reply = all_text(outcome)
    assert "chưa sử dụng được" in reply
    assert "https://dichvucong.gov.vn" in reply and HOTLINE in reply
    assert outcome.actions == [] and outcome.session is None
    assert shows_main_menu(outcome)
    assert "#flow:toy" not in payloads(outcome)


# --- Guarantees over every turn ----------------------------------------------------------------

SCRIPT = [
    ("xin chào", "text"),
    (None, "follow"),
    ("thủ tục", "text"),
    ("khai sinh", "text"),
    ("#page:procedures:4:khai sinh", "text"),
    ("#proc:1.001193", "text"),
    ("tra cứu hs", "text"),
    (CODE, "text"),
    (f"#verify:{CODE}", "text"),
    ("0912345678", "text"),
    ("hồ sơ của tôi", "text"),
    ("#more:menu:1", "text"),
    ("#more:nope:9", "text"),
    ("#flow:nope", "text"),
    ("#page:procedures:x:", "text"),
    ("#dossier:garbage", "text"),
    ("x" * 5000, "text"),
    (None, "image"),
    (None, "submit_info"),
]


def test_every_turn_gets_replies_that_fit_zalo_limits() -> None:
    chat = Chat()
    chat.lookups.owners.add(USER)
    for text, kind in SCRIPT:
        outcome = chat.send(text, kind=kind)
        assert outcome.replies, (text, kind)
        for reply in outcome.replies:
            assert 0 < len(reply.text) <= 2000
            assert len(reply.buttons) <= 5
            assert all(len(b.payload) <= 1000 for b in reply.buttons)


def test_the_engine_is_deterministic() -> None:
    first, second = Chat(), Chat()
    for text, kind in SCRIPT:
        assert first.send(text, kind=kind) == second.send(text, kind=kind)


def test_outcomes_round_trip_through_json() -> None:
    chat = Chat()
    chat.send(f"#verify:{CODE}")
    outcome = chat.send("0912345678")
    from chalicelib.conversation.model import Outcome

    assert Outcome.model_validate_json(outcome.model_dump_json()) == outcome
    waiting = chat.send("tra cứu hồ sơ").session
    assert waiting is not None
    assert Session.model_validate(waiting.model_dump(mode="json")) == waiting


def test_a_search_without_results_quotes_the_words_as_typed_with_diacritics(chat: Chat) -> None:
    chat.send("#flow:procedures")
    outcome = chat.send("Cấp phép bay")
    assert "“Cấp phép bay”" in all_text(outcome)


def test_thanks_gets_a_short_polite_answer_without_the_menu(chat: Chat) -> None:
    outcome = chat.send("cảm ơn nhiều")
    assert [r.text for r in outcome.replies][-1].startswith("Cảm ơn Ông/Bà đã liên hệ")
    assert not shows_main_menu(outcome)


@pytest.mark.parametrize("typed", ["xem them", "Xem thêm", "XEM THEM.", "các mục khác"])
def test_the_more_button_typed_outside_a_flow_shows_the_menus_next_page(
    chat: Chat, typed: str
) -> None:
    shown = chat.send(typed)
    assert all_text(shown) == texts.MORE_OPTIONS
    assert "#flow:feedback" in payloads(shown)
    assert not chat.lookups.calls  # no procedure search for the words "xem thêm"
