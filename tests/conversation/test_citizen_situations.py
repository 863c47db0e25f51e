"""Citizens' own words, answered from the sample catalogue and the packaged places (issue 9,
"Answering the question asked" and "Cards that fit a phone"). Each situation asserts the kind
of answer a citizen should get."""

from __future__ import annotations

import json

import pytest

from chalicelib.conversation import texts
from chalicelib.conversation.engine import handle
from chalicelib.conversation.model import Outcome
from ops import import_catalogue
from tests.conftest import ROOT

from .conftest import SETTINGS, all_text, payloads, turn

DATA = ROOT / "data" / "catalogue"
BIRTH, MARRIAGE, ID_CARD, RECORD = "1.001193", "1.000894", "1.014062", "3.000333"
CODE = "000.00.17.H12-261126-0007"


@pytest.fixture
def lookups(aws):
    counts = import_catalogue.run(
        [str(DATA / "tthc-sample.json"), str(DATA / "procedures-camau.json")],
        str(DATA / "province-overrides.json"),
        str(DATA / "agencies.json"),
    )
    assert counts.errors == []
    from chalicelib.services.lookups import get_lookups

    return get_lookups()


def say(lookups, text: str) -> Outcome:
    return handle(None, turn(text), lookups, SETTINGS, None)


def not_understood(outcome: Outcome) -> bool:
    return texts.NOT_UNDERSTOOD in all_text(outcome)


# --- The aspect asked comes first ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "lệ phí làm căn cước bao nhiêu",
        "le phi lam can cuoc bao nhieu",
        "làm căn cước hết bao nhiêu",
    ],
)
def test_a_fee_question_gets_the_fee_of_the_best_match_and_a_button_to_its_card(
    lookups, text
) -> None:
    outcome = say(lookups, text)
    assert all_text(outcome).startswith("Phí, lệ phí")
    assert "căn cước" in all_text(outcome)
    assert f"#proc:{ID_CARD}" in payloads(outcome)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("làm khai sinh cần giấy tờ gì", BIRTH),
        ("lam khai sinh can giay to gi", BIRTH),
        ("đăng ký kết hôn cần chuẩn bị gì", MARRIAGE),
    ],
)
def test_a_documents_question_gets_the_documents_common_case_first(lookups, text, code) -> None:
    outcome = say(lookups, text)
    reply = all_text(outcome)
    assert reply.startswith("Thành phần hồ sơ")
    assert f"#proc:{code}" in payloads(outcome)
    if code == BIRTH:  # the abandoned child and surrogacy cases come after the birth certificate
        assert reply.index("Giấy chứng sinh") < reply.index("bỏ rơi") < len(reply)
        assert reply.index("Giấy chứng sinh") < reply.index("mang thai hộ")


@pytest.mark.parametrize("text", ["đăng ký khai sinh mất bao lâu", "dang ky khai sinh bao lau"])
def test_a_time_question_gets_the_time_limit(lookups, text) -> None:
    outcome = say(lookups, text)
    assert all_text(outcome).startswith("Thời hạn giải quyết")
    assert f"#proc:{BIRTH}" in payloads(outcome)


@pytest.mark.parametrize("text", ["đăng ký kết hôn nộp ở đâu", "dang ky ket hon nop o dau"])
def test_a_where_question_gets_where_to_file_not_the_submission_placeholder(lookups, text) -> None:
    outcome = say(lookups, text)
    assert all_text(outcome).startswith("Nơi nộp hồ sơ")
    assert "đang được xây dựng" not in all_text(outcome)


def test_an_aspect_the_catalogue_lacks_is_said_plainly_with_portal_and_hotline(lookups) -> None:
    outcome = say(lookups, "cấp phiếu lý lịch tư pháp mất bao lâu")
    reply = all_text(outcome)
    assert "chưa có thông tin thời hạn giải quyết" in reply
    assert "dichvucong.gov.vn" in reply and SETTINGS.hotline in reply
    assert f"#proc:{RECORD}" in payloads(outcome)


def test_an_aspect_of_a_procedure_not_in_the_catalogue_asks_which_never_a_distant_match(
    lookups,
) -> None:
    outcome = say(lookups, "cấp hộ chiếu mất bao lâu")
    assert all_text(outcome) == texts.ASK_PROCEDURE_FOR_ASPECT
    assert outcome.session is not None and outcome.session.data == {"aspect": "time"}
    answered = handle(outcome.session, turn("khai sinh"), lookups, SETTINGS, None)
    assert all_text(answered).startswith("Thời hạn giải quyết")


# --- An existing dossier is not a new submission -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Đã nộp hồ sơ 2 tuần mà chưa có kết quả",
        "da nop ho so lau roi ma van chua co ket qua",
        "sao hồ sơ trễ hẹn vậy",
        "bao giờ có kết quả vậy ad",
    ],
)
def test_a_complaint_about_a_filed_dossier_asks_for_its_code(lookups, text) -> None:
    outcome = say(lookups, text)
    assert "hồ sơ đã nộp" in all_text(outcome)
    assert "đang được xây dựng" not in all_text(outcome)
    assert outcome.session is not None and outcome.session.flow == "dossier"
    assert "#flow:mine" in payloads(outcome)


def test_when_will_my_dossier_be_done_shows_my_dossiers(lookups) -> None:
    outcome = say(lookups, "hồ sơ của tôi bao giờ xong")
    assert "#flow:dossier" in payloads(outcome)  # none linked yet: look one up by code
    assert "đang được xây dựng" not in all_text(outcome)


# --- The centres' own information ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["giờ làm việc", "trung tâm hành chính công ở đâu", "so dien thoai trung tam", "nộp ở đâu"],
)
def test_centre_questions_without_a_commune_get_the_provincial_centre(lookups, text) -> None:
    reply = all_text(say(lookups, text))
    assert reply.startswith("Trung tâm Phục vụ hành chính công tỉnh Cà Mau")
    assert "Giờ làm việc:" in reply and "Điện thoại:" in reply and "Địa chỉ:" in reply
    assert "google.com/maps" in reply


@pytest.mark.parametrize("text", ["giờ làm việc xã Khánh Bình", "gio lam viec xa khanh binh"])
def test_a_commune_centre_by_todays_name(lookups, text) -> None:
    outcome = say(lookups, text)
    assert all_text(outcome).startswith("Trung tâm Phục vụ hành chính công xã Khánh Bình")
    assert "#centre:province" in payloads(outcome)


def test_a_commune_centre_by_an_old_commune_name_says_which_it_was(lookups) -> None:
    reply = all_text(say(lookups, "địa chỉ trung tâm phường Nhà Mát cũ"))
    assert reply.startswith("Trung tâm Phục vụ hành chính công phường Hiệp Thành")
    assert "Nhà Mát (cũ)" in reply


def test_a_name_that_fits_several_centres_gives_buttons_never_a_guess(lookups) -> None:
    outcome = say(lookups, "giờ làm việc huyện Thới Bình")
    assert "có thể là" in all_text(outcome)
    centres = [p for p in payloads(outcome) if p.startswith("#centre:")]
    assert len(centres) >= 2
    chosen = handle(None, turn(centres[0]), lookups, SETTINGS, None)
    assert "Giờ làm việc:" in all_text(chosen)


# --- Codes anywhere, bare numbers, acknowledgements ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"ma ho so {CODE} cua toi",
        "cho hỏi hồ sơ 000.00.17.H12 - 261126 - 0007 sao rồi",
        "000 00 17 H12 261126 0007",
    ],
)
def test_a_dossier_code_with_any_separators_anywhere_is_looked_up(lookups, text) -> None:
    reply = all_text(say(lookups, text))
    assert f"Không tìm thấy hồ sơ có mã {CODE}" in reply  # looked up (none in this table)


@pytest.mark.parametrize("text", ["0912345678", "+84 912 345 678", "096201001234"])
def test_a_bare_phone_or_id_number_asks_what_it_is_for(lookups, text) -> None:
    outcome = say(lookups, text)
    assert all_text(outcome) == texts.BARE_NUMBER
    assert "#flow:dossier" in payloads(outcome) and "#flow:mine" in payloads(outcome)


@pytest.mark.parametrize("text", ["ok", "Oke", "👍", "😊😊", "vâng ạ"])
def test_ok_and_emoji_get_a_short_answer_not_not_understood(lookups, text) -> None:
    outcome = say(lookups, text)
    assert all_text(outcome) == texts.ACKNOWLEDGED
    assert not not_understood(outcome)


# --- Cards that fit a phone ----------------------------------------------------------------------


def _sample_codes() -> list[str]:
    codes: set[str] = set()
    for name in ("tthc-sample.json", "procedures-camau.json"):
        document = json.loads((DATA / name).read_text(encoding="utf-8"))
        codes.update(record["MATTHC"] for record in document["procedures"])
    return sorted(codes)


def test_every_sample_procedure_card_is_one_message_of_at_most_600_characters(lookups) -> None:
    codes = _sample_codes()
    assert len(codes) >= 40
    for code in codes:
        card = lookups.procedure_card(code)
        assert card is not None, code
        outcome = handle(None, turn(f"#proc:{code}"), lookups, SETTINGS, None)
        assert len(outcome.replies) == 1, code
        text = outcome.replies[0].text
        assert len(text) <= texts.CARD_MAX_CHARS, (code, len(text))
        assert "Phí, lệ phí: " in text or card.details_on_portal, code


def test_a_free_procedure_says_so_in_one_line_and_fee_lines_are_not_repeated(lookups) -> None:
    reply = all_text(handle(None, turn(f"#proc:{BIRTH}"), lookups, SETTINGS, None))
    fee = next(line for line in reply.splitlines() if line.startswith("Phí, lệ phí: "))
    items = fee.removeprefix("Phí, lệ phí: ").split("; ")
    assert len(items) == len(set(items))
