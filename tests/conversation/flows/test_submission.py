"""The chat submission flow "Nộp hồ sơ", engine-level: what the citizen is asked, what is
re-asked, and which actions the processing layer is handed."""

from __future__ import annotations

import pytest

from chalicelib.conversation import texts
from chalicelib.conversation.flows.submission import CreateDossier, ReceiveDocument
from chalicelib.conversation.model import Attachment, DocumentLine, Outcome, UserInfo

from ..conftest import CARD, Chat, FakeLookups, all_text, payloads

SUBMITTABLE = CARD.model_copy(
    update={
        "submit_in_zalo": True,
        "receiving_agency_code": "000.00.17.H12",
        "agency": "UBND phường An Xuyên",
        "time_limit_days": 3,
        "documents": [
            DocumentLine(name="Tờ khai đăng ký khai sinh", code="TK"),
            DocumentLine(name="Giấy chứng sinh", code="GCS", optional=True),
        ],
    }
)
PAGE = Attachment(type="image", url="https://zalo.example/p1.jpg", name="p1.jpg")
PAGE2 = Attachment(type="image", url="https://zalo.example/p2.jpg", name="p2.jpg")
TAX_CODE = "0100109106"  # a valid check digit


@pytest.fixture
def chat() -> Chat:
    return Chat(lookups=FakeLookups(cards={SUBMITTABLE.code: SUBMITTABLE}))


def _to_applicant(chat: Chat, kind: str) -> None:
    chat.send(f"#flow:submit:{SUBMITTABLE.code}")
    assert chat.session is not None and chat.session.step == "kind"
    chat.send(f"#sub:kind:{kind}")


def _documents(chat: Chat) -> Outcome:
    first = chat.send(kind="image", attachments=[PAGE, PAGE2])
    chat.send("#sub:done")
    chat.send("#sub:skip")
    return first


def test_a_person_submits_end_to_end(chat: Chat) -> None:
    _to_applicant(chat, "person")
    assert texts.ASK_PERSON_NAME in all_text(chat.last)  # type: ignore[arg-type]
    chat.send("Nguyễn Văn An")
    chat.send("0912 345 678")
    chat.send("096201001234")
    out = chat.send("Số 5 đường Trần Hưng Đạo, phường An Xuyên")
    assert "Thành phần 1/2" in all_text(out)
    first = _documents(chat)
    received = [a for a in first.actions if isinstance(a, ReceiveDocument)]
    assert [a.url for a in received] == [PAGE.url, PAGE2.url]
    assert {a.component_code for a in received} == {"TK"}
    assert len({a.ref for a in received}) == 2
    out = chat.send("#sub:dl:online")
    summary = all_text(out)
    assert "Nguyễn Văn An" in summary and "+84912345678" in summary
    assert "Tờ khai đăng ký khai sinh: 2 tệp" in summary and "Giấy chứng sinh: không gửi" in summary
    assert "#sub:confirm" in payloads(out)
    out = chat.send("#sub:confirm")
    (create,) = out.actions
    assert isinstance(create, CreateDossier)
    assert create.draft_id == received[0].draft_id
    assert create.applicant["id_number"] == "096201001234"
    assert create.result_delivery == "online"
    assert out.session is None
    assert "đã nộp" not in all_text(out).lower()  # only the receipt (the effect) says so


def test_an_organisation_with_a_wrong_tax_code_is_asked_again(chat: Chat) -> None:
    _to_applicant(chat, "org")
    chat.send("Công ty TNHH Minh Phát")
    out = chat.send("0100109107")  # wrong check digit
    assert texts.TAX_CODE_INVALID in all_text(out)
    assert chat.session is not None and chat.session.step == "o_tax"
    chat.send(TAX_CODE)
    chat.send("Trần Thị Bình")
    chat.send("0987654321")
    chat.send("Số 2 đường Phan Ngọc Hiển, Cà Mau")
    _documents(chat)
    out = chat.send("#sub:dl:at_agency")
    assert "Mã số thuế: 0100109106" in all_text(out)
    (create,) = chat.send("#sub:confirm").actions
    assert isinstance(create, CreateDossier)
    assert create.applicant["tax_code"] == TAX_CODE and create.applicant["kind"] == "organisation"


@pytest.mark.parametrize(
    ("step_inputs", "bad", "message"),
    [
        ([], "0123", texts.PHONE_INVALID),
        (["0912345678"], "12345678901", texts.PERSON_ID_INVALID),
        (["0912345678"], "123456789", texts.PERSON_ID_INVALID),  # old 9-digit CMND: not here
    ],
)
def test_bad_phone_or_id_is_re_asked(
    chat: Chat, step_inputs: list[str], bad: str, message: str
) -> None:
    _to_applicant(chat, "person")
    chat.send("Nguyễn Văn An")
    for value in step_inputs:
        chat.send(value)
    step = chat.session.step if chat.session else None
    out = chat.send(bad)
    assert message in all_text(out)
    assert chat.session is not None and chat.session.step == step


def test_zalo_user_info_prefills_name_phone_and_address(chat: Chat) -> None:
    _to_applicant(chat, "person")
    info = UserInfo(name="Lê Văn Cường", phone="84912345678", address="Số 9 đường 3/2, Cà Mau")
    out = chat.send(kind="submit_info", user_info=info)
    assert texts.ASK_PERSON_ID in all_text(out)
    data = chat.session.data if chat.session else {}
    assert data["name"] == "Lê Văn Cường" and data["phone"] == "+84912345678"


def test_done_without_a_file_keeps_asking_for_the_component(chat: Chat) -> None:
    _to_applicant(chat, "person")
    for value in ("Nguyễn Văn An", "0912345678", "096201001234", "Số 5 đường Trần Hưng Đạo"):
        chat.send(value)
    out = chat.send("#sub:done")
    assert texts.COMPONENT_NEEDS_FILE in all_text(out)
    assert chat.session is not None and chat.session.data["doc"] == 0


def test_post_is_offered_only_where_postal_delivery_is_allowed(chat: Chat) -> None:
    _to_applicant(chat, "person")
    for value in ("Nguyễn Văn An", "0912345678", "096201001234", "Số 5 đường Trần Hưng Đạo"):
        chat.send(value)
    _documents(chat)
    assert "#sub:dl:post" not in payloads(chat.last)  # type: ignore[arg-type]
    chat.send("#sub:dl:post")
    assert chat.session is not None and chat.session.step == "delivery"


def test_a_procedure_not_submittable_in_zalo_gets_the_link_and_nothing_more() -> None:
    national = SUBMITTABLE.model_copy(
        update={"submit_in_zalo": False, "national_system_url": "https://vneid.gov.vn"}
    )
    chat = Chat(lookups=FakeLookups(cards={national.code: national}))
    out = chat.send(f"#flow:submit:{national.code}")
    assert "https://vneid.gov.vn" in all_text(out)
    assert out.session is None and out.actions == []


def test_cancel_on_the_summary_drops_the_draft(chat: Chat) -> None:
    _to_applicant(chat, "person")
    for value in ("Nguyễn Văn An", "0912345678", "096201001234", "Số 5 đường Trần Hưng Đạo"):
        chat.send(value)
    _documents(chat)
    chat.send("#sub:dl:at_agency")
    out = chat.send("#sub:cancel")
    assert out.session is None and out.actions == []
    assert texts.SUBMISSION_CANCELLED in all_text(out)


def test_the_menu_offers_submission(chat: Chat) -> None:
    assert "#flow:submit" in payloads(chat.send("menu"))


# --- Casework: commune centre, optional components, reuse, the information card ----------

COMMUNE_LEVEL = SUBMITTABLE.model_copy(
    update={"receiving_agency_code": None, "receiving_levels": ["commune"], "agency": None}
)
EITHER_LEVEL = COMMUNE_LEVEL.model_copy(update={"receiving_levels": ["province", "commune"]})


def _commune_chat(card=COMMUNE_LEVEL, **lookups) -> Chat:
    return Chat(lookups=FakeLookups(cards={card.code: card}, **lookups))


def test_a_commune_procedure_asks_which_centre_and_uses_its_agency_code() -> None:
    chat = _commune_chat()
    out = chat.send(f"#flow:submit:{COMMUNE_LEVEL.code}")
    assert chat.session is not None and chat.session.step == "centre"
    assert texts.ask_receiving_centre(False) in all_text(out)
    assert "#sub:centre:province" not in payloads(out)  # commune level only
    out = chat.send("xa tan thanh cu")  # an old commune name, no diacritics
    if chat.session and chat.session.step == "centre":  # several fit: buttons, never a guess
        assert payloads(out) and all(p.startswith("#sub:centre:") for p in payloads(out))
        out = chat.send(payloads(out)[0])
    assert chat.session is not None and chat.session.step == "kind"
    data = chat.session.data
    assert data["agency_code"].endswith(".H12") and data["agency_code"] != "000.00.17.H12"
    assert "Trung tâm Phục vụ hành chính công" in data["agency_name"]
    assert texts.receiving_centre_chosen(data["agency_name"]) in all_text(out)


def test_a_centre_typed_with_diacritics_or_a_typo_is_found_and_an_unknown_one_re_asked() -> None:
    chat = _commune_chat()
    chat.send(f"#flow:submit:{COMMUNE_LEVEL.code}")
    out = chat.send("Phường Bạc Liêu")
    assert chat.session is not None and chat.session.step == "kind"
    assert chat.session.data["agency_code"] == "000.00.30.H12"  # agencies.json: its committee
    chat = _commune_chat()
    chat.send(f"#flow:submit:{COMMUNE_LEVEL.code}")
    out = chat.send("Xyzabc")
    assert texts.receiving_centre_unknown("Xyzabc") in all_text(out)
    assert chat.session is not None and chat.session.step == "centre"


def test_a_procedure_of_either_level_offers_the_provincial_centre() -> None:
    chat = _commune_chat(EITHER_LEVEL)
    out = chat.send(f"#flow:submit:{EITHER_LEVEL.code}")
    assert "#sub:centre:province" in payloads(out)
    chat.send("#sub:centre:province")
    assert chat.session is not None and chat.session.step == "kind"
    assert chat.session.data["agency_code"] == "000.00.17.H12"


def test_a_provincial_procedure_without_an_agency_goes_to_the_provincial_centre() -> None:
    card = COMMUNE_LEVEL.model_copy(update={"receiving_levels": ["province"]})
    chat = _commune_chat(card)
    chat.send(f"#flow:submit:{card.code}")
    assert chat.session is not None and chat.session.step == "kind"
    assert chat.session.data["agency_code"] == "000.00.17.H12"


def test_a_procedure_with_neither_agency_nor_level_is_not_taken() -> None:
    card = COMMUNE_LEVEL.model_copy(update={"receiving_levels": []})
    chat = _commune_chat(card)
    out = chat.send(f"#flow:submit:{card.code}")
    assert out.session is None and "chưa nộp được qua Zalo" in all_text(out)


def _to_documents(chat: Chat) -> Outcome:
    _to_applicant(chat, "person")
    for value in ("Nguyễn Văn An", "0912345678", "096201001234"):
        chat.send(value)
    return chat.send("Số 5 đường Trần Hưng Đạo, phường An Xuyên")


def test_only_optional_components_may_be_skipped_and_are_marked(chat: Chat) -> None:
    first = _to_documents(chat)
    assert "#sub:skip" not in payloads(first) and "(không bắt buộc)" not in all_text(first)
    out = chat.send("#sub:skip")  # typed by hand on a required component
    assert texts.COMPONENT_REQUIRED in all_text(out)
    assert chat.session is not None and chat.session.data["doc"] == 0
    chat.send(kind="image", attachments=[PAGE])
    second = chat.send("#sub:done")
    assert "Giấy chứng sinh (không bắt buộc)" in all_text(second)
    assert "#sub:skip" in payloads(second)
    chat.send("#sub:skip")
    assert chat.session is not None and chat.session.step == "delivery"


def test_the_information_card_is_offered_with_the_name_question(chat: Chat) -> None:
    _to_applicant(chat, "person")
    cards = [r.info_card for r in chat.last.replies if r.info_card is not None]  # type: ignore[union-attr]
    assert len(cards) == 1 and cards[0].title == texts.USER_INFO_CARD_TITLE
    out = chat.send("Nguyễn Văn An")  # typing still works
    assert texts.ASK_PHONE in all_text(out)


def test_an_organisation_keeps_its_representative() -> None:
    chat = Chat(lookups=FakeLookups(cards={SUBMITTABLE.code: SUBMITTABLE}))
    _to_applicant(chat, "org")
    for value in ("Công ty TNHH Minh Phát", TAX_CODE, "Trần Văn Bình", "0912345678"):
        chat.send(value)
    chat.send("Số 5 đường Trần Hưng Đạo, phường An Xuyên")
    _documents(chat)
    chat.send("#sub:dl:at_agency")
    out = chat.send("#sub:confirm")
    (create,) = out.actions
    assert isinstance(create, CreateDossier)
    assert create.applicant["representative"] == "Trần Văn Bình"
    assert create.applicant["tax_code"] == TAX_CODE


def test_a_document_of_an_earlier_dossier_is_offered_and_reused() -> None:
    from chalicelib.conversation.flows.submission import ReuseDocument
    from chalicelib.conversation.model import PastDocument

    past = PastDocument(
        key="documents/" + "a" * 32,
        name="to-khai.pdf",
        component_code="TK",
        component_name="Tờ khai đăng ký khai sinh",
        content_type="application/pdf",
        size=1200,
        sha256="b" * 64,
        dossier_code="000.00.17.H12-261118-0007",
    )
    other = past.model_copy(update={"key": "documents/" + "c" * 32, "component_code": "XX",
                                    "component_name": "Giấy khác"})  # fmt: skip
    chat = Chat(
        lookups=FakeLookups(cards={SUBMITTABLE.code: SUBMITTABLE}, past_documents=[past, other])
    )
    first = _to_documents(chat)
    assert "#sub:reuse:0:0" in payloads(first) and "#sub:reuse:0:1" not in payloads(first)
    assert "to-khai.pdf" in all_text(first)
    out = chat.send("#sub:reuse:0:0")
    (reuse,) = out.actions
    assert isinstance(reuse, ReuseDocument)
    assert reuse.key == past.key and reuse.component_code == "TK"
    assert "#sub:reuse:0:0" not in payloads(out)  # attached: not offered twice
    assert chat.send("#sub:reuse:0:5").actions == []  # a stale or typed choice does nothing
    chat.send("#sub:done")
    assert chat.session is not None and chat.session.data["doc"] == 1
    assert sum(1 for c in chat.lookups.calls if c[0] == "documents_of") == 1
