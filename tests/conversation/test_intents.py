"""Free-text understanding: phrasings citizens really type map to the right intent."""

from __future__ import annotations

import pytest

from chalicelib.conversation.flows import classify
from chalicelib.conversation.intents import Intent, find_dossier_code

PHRASINGS = [
    # dossier lookup
    ("tra cuu ho so", Intent.DOSSIER_LOOKUP),
    ("TRA CỨU HỒ SƠ", Intent.DOSSIER_LOOKUP),
    ("tra cứu hs", Intent.DOSSIER_LOOKUP),
    ("Tra   Cứu   Hồ Sơ ạ", Intent.DOSSIER_LOOKUP),
    ("trs cuu ho so", Intent.DOSSIER_LOOKUP),  # typo in a short word: whole-phrase edit
    ("tra cu ho so", Intent.DOSSIER_LOOKUP),
    ("kiểm tra hồ sơ", Intent.DOSSIER_LOOKUP),
    ("tình trạng hồ sơ thế nào", Intent.DOSSIER_LOOKUP),
    ("tra cứu kết quả", Intent.DOSSIER_LOOKUP),
    # my dossiers
    ("hồ sơ của tôi", Intent.MY_DOSSIERS),
    ("ho so cua toi", Intent.MY_DOSSIERS),
    ("hoso cua toi", Intent.MY_DOSSIERS),
    ("hồ sơ của tui", Intent.MY_DOSSIERS),
    ("HS DA NOP", Intent.MY_DOSSIERS),
    # submission
    ("nop ho so", Intent.SUBMIT),
    ("nộp hs", Intent.SUBMIT),
    ("nop hồ sơ", Intent.SUBMIT),
    ("Tôi muốn nộp hồ sơ trực tuyến", Intent.SUBMIT),
    ("nop hoso", Intent.SUBMIT),
    # procedures
    ("thu tuc", Intent.PROCEDURE_LOOKUP),
    ("tra cuu thu tuc", Intent.PROCEDURE_LOOKUP),
    ("Tra cứu thủ tục hành chính", Intent.PROCEDURE_LOOKUP),
    ("tthc khai sinh", Intent.PROCEDURE_LOOKUP),
    ("cần giấy tờ gì để đăng ký thường trú", Intent.PROCEDURE_LOOKUP),
    # feedback
    ("phan anh", Intent.FEEDBACK),
    ("phản ảnh", Intent.FEEDBACK),
    ("kien nghi", Intent.FEEDBACK),
    ("kien nhgi", Intent.FEEDBACK),  # swapped letters
    ("góp ý", Intent.FEEDBACK),
    ("hỏi đáp", Intent.FEEDBACK),
    ("PAKN", Intent.FEEDBACK),
    # postal
    ("buu dien", Intent.POSTAL),
    ("dang ky buu chinh", Intent.POSTAL),
    ("gui buu dien", Intent.POSTAL),
    ("đk bưu chính công ích", Intent.POSTAL),
    ("nhận kết quả tại nhà", Intent.POSTAL),
    # global commands
    ("huy", Intent.CANCEL),
    ("hủy", Intent.CANCEL),
    ("HỦY BỎ", Intent.CANCEL),
    ("thoat", Intent.CANCEL),
    ("thoát", Intent.CANCEL),
    ("menu", Intent.MENU),
    ("Menu chính", Intent.MENU),
    ("trợ giúp", Intent.HELP),
    ("giup", Intent.HELP),
    ("help", Intent.HELP),
    ("hướng dẫn", Intent.HELP),
    # greeting
    ("xin chao", Intent.GREETING),
    ("chào", Intent.GREETING),
    ("Xin chào ad", Intent.GREETING),
    ("Hello!", Intent.GREETING),
    # thanks and goodbye
    ("cảm ơn", Intent.THANKS),
    ("Cam on nhieu!", Intent.THANKS),
    ("camon", Intent.THANKS),
    ("tks", Intent.THANKS),
    ("tạm biệt", Intent.THANKS),
    # consent and data
    ("dong y", Intent.AGREE),
    ("đồng ý", Intent.AGREE),
    ("Tôi đồng ý", Intent.AGREE),
    ("không đồng ý", Intent.DECLINE),
    ("ko dong y", Intent.DECLINE),
    ("rút lại đồng ý", Intent.DECLINE),
    ("xóa dữ liệu", Intent.DELETE_MY_DATA),
    ("xoa du lieu ca nhan cua toi", Intent.DELETE_MY_DATA),
    # nothing to place
    ("ok", Intent.UNKNOWN),
    ("khai sinh", Intent.UNKNOWN),
    ("", Intent.UNKNOWN),
    ("   ", Intent.UNKNOWN),
    ("🙂", Intent.UNKNOWN),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS)
def test_phrasing_is_understood(text: str, expected: Intent) -> None:
    assert classify(text).intent is expected


def test_table_covers_at_least_forty_phrasings() -> None:
    assert len(PHRASINGS) >= 40


@pytest.mark.parametrize(
    "text",
    [
        "000.00.17.H12-261126-0007",
        "000.00.17.h12-261126-0007",
        " 000.00.17.H12 - 261126 - 0007 ",
        "000 .00.17.H12–261126–0007",
        "Mã hồ sơ của tôi là 000.00.17.H12-261126-0007 ạ",
        "000.00.17.H12 261126 0007",
    ],
)
def test_dossier_code_alone_or_in_a_sentence_is_a_lookup_with_the_normalised_code(
    text: str,
) -> None:
    understood = classify(text)
    assert understood.intent is Intent.DOSSIER_LOOKUP
    assert understood.dossier_code == "000.00.17.H12-261126-0007"


def test_near_miss_dossier_codes_are_not_codes() -> None:
    assert find_dossier_code("000.00.17.H12-26112-0007") is None
    assert find_dossier_code("000.00.17.H12-261126-00071") is None
    assert find_dossier_code("0912345678") is None


def test_national_procedure_code_is_a_procedure_lookup_with_the_code() -> None:
    understood = classify("cho xem thủ tục 1.001193")
    assert understood.intent is Intent.PROCEDURE_LOOKUP
    assert understood.procedure_code == "1.001193"


def test_procedure_keywords_are_what_remains_after_the_request_words() -> None:
    assert classify("Tôi muốn hỏi thủ tục khai sinh").remainder == "khai sinh"
    assert classify("tra cứu thủ tục làm căn cước").remainder == "lam can cuoc"


def test_command_words_inside_a_long_message_do_not_count_as_commands() -> None:
    text = "Cán bộ xã hẹn tôi ba lần rồi lại bảo hủy, tôi không biết phải làm sao bây giờ"
    assert classify(text).intent is not Intent.CANCEL


def test_short_words_are_not_fuzzy_matched() -> None:
    # "hay" is one letter from "huy" but three-letter words must match exactly
    assert classify("hay").intent is Intent.UNKNOWN


def test_a_national_portal_code_is_a_lookup_too() -> None:
    understood = classify("cho hỏi hồ sơ g22.99 251225 020175")
    assert understood.intent is Intent.DOSSIER_LOOKUP
    assert understood.dossier_code == "G22.99-251225-020175"


@pytest.mark.parametrize("text", ["giay doc than", "giấy độc thân", "than nhan", "bang lai"])
def test_a_whole_syllable_is_never_taken_for_a_typo_of_a_short_command(text):
    # "than" (thân) is one edit from "thank": a four-letter word is a syllable, not a typo.
    assert classify(text).intent not in (Intent.THANKS, Intent.CANCEL, Intent.MENU, Intent.HELP)
