"""The chat submission end to end through the consumer on moto (issue 11): the catalogue
imported, a commune procedure filed at a centre the citizen names, Zalo's information card
sent and answered, a photo fetched from the CDN stand-in, the receipt; every event delivered
twice; the upload noted for erasure; a document of that dossier reused by the next one."""

from __future__ import annotations

import json

import pytest

from chalicelib.conversation import texts
from tests.conftest import fixture_event
from tests.inbound.test_casework import CDN, START, Citizen, _payloads, _text
from tests.inbound.test_processor import USER, _record

CARD_IMAGE = "https://dichvucong.camau.test/zalo-card.png"


@pytest.fixture
def system(cdn, monkeypatch):
    from datetime import UTC, datetime

    from chalicelib.platform.container import reset_all
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users
    from ops import import_catalogue
    from tests.conftest import ROOT

    monkeypatch.setenv("USER_INFO_CARD_IMAGE_URL", CARD_IMAGE)
    reset_all()
    data = ROOT / "data" / "catalogue"
    counts = import_catalogue.run(
        [str(data / "tthc-sample.json"), str(data / "procedures-camau.json")],
        str(data / "province-overrides.json"),
        str(data / "agencies.json"),
    )
    assert counts.errors == []
    Users(get_table()).grant_consent(USER, datetime.now(tz=UTC))
    return cdn


def _submit_info(citizen: Citizen) -> list[dict]:
    from chalicelib.inbound import consumer as inbound
    from tests.inbound import test_casework

    citizen.n += 1
    body = json.loads(fixture_event("user_submit_info_new")[0])
    body["timestamp"] = str(START + citizen.n * 1000)
    raw = json.dumps(body, ensure_ascii=False)
    before = len(citizen.zalo.sent)
    for ref in (f"info{citizen.n}", f"info{citizen.n}-again"):
        inbound.consume(test_casework._event(_record(raw, message_id=ref)))
    return citizen.zalo.sent[before:]


def _file_a_birth(citizen: Citizen, send_photo: bool = True) -> list[dict]:
    """Khai sinh at the centre of the old "Tân Thành" commune, as a person; the replies."""
    out = citizen.say("nop ho so dang ky khai sinh")
    if "#flow:submit:1.001193" in _payloads(out):
        out = citizen.say("#flow:submit:1.001193")
    assert texts.ask_receiving_centre(False)[:60] in _text(out)
    out = citizen.say("phuong Tan Thanh")
    if "#sub:centre:" in " ".join(_payloads(out)):
        out = citizen.say(next(p for p in _payloads(out) if p.startswith("#sub:centre:")))
    assert "Nơi tiếp nhận: Trung tâm Phục vụ hành chính công" in _text(out)
    out = citizen.say("#sub:kind:person")
    cards = [m for m in citizen.zalo.sent[-len(out) :] if "attachment" in m["message"]]
    info = [
        m["message"]["attachment"]["payload"]
        for m in cards
        if m["message"]["attachment"]["payload"].get("template_type") == "request_user_info"
    ]
    assert len(info) == 1 and info[0]["elements"][0]["image_url"] == CARD_IMAGE
    out = _submit_info(citizen)  # name, phone and address from Zalo
    assert texts.ASK_PERSON_ID in _text(out)
    out = citizen.say("096201001234")
    assert "Thành phần 1/" in _text(out)
    if send_photo:
        got = citizen.send_image(f"{CDN}/a.jpg")
        assert "Đã nhận tệp" in _text(got) and "#sub:done" in _payloads(got)
    return out


def _finish(citizen: Citizen) -> list[dict]:
    out = citizen.say("#sub:done")
    while "#sub:dl:at_agency" not in _payloads(out):
        if "#sub:skip" in _payloads(out):
            out = citizen.say("#sub:skip")
        else:
            out = citizen.send_image(f"{CDN}/a.jpg")
            out = citizen.say("#sub:done")
    summary = citizen.say("#sub:dl:at_agency")
    assert "Nguyễn Văn An" in _text(summary) and "+84912345678" in _text(summary)
    return citizen.say("#sub:confirm")


def test_a_commune_procedure_is_filed_in_chat_end_to_end(system) -> None:
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    citizen = Citizen(system)
    _file_a_birth(citizen)
    receipt = _text(_finish(citizen))
    assert "Giấy tiếp nhận" in receipt or "HỒ SƠ" in receipt.upper()
    (dossier,) = Dossiers(get_table()).of_owner(USER, 5)
    # Received by the committee of the commune the citizen named (agencies.json), not by
    # the provincial centre; the photo is kept with it; one dossier for every event twice.
    assert dossier.receiving_agency_code != "000.00.17.H12"
    assert dossier.code.startswith(dossier.receiving_agency_code + "-")
    assert dossier.code in receipt
    assert dossier.applicant.address.startswith("Số 12 Hùng Vương")
    assert [d.content_type for d in dossier.documents] == ["image/jpeg"] * len(dossier.documents)
    assert dossier.documents and all(d.key.startswith("documents/") for d in dossier.documents)


def test_an_upload_is_noted_and_erasure_removes_every_version(system) -> None:
    from chalicelib.root import get_document_store
    from chalicelib.storage.table import get_table

    citizen = Citizen(system)
    _file_a_birth(citizen)  # one photo sent, not yet a dossier
    notes = [i for i in get_table().query(f"USER#{USER}")[0] if i["sk"].startswith("UPLOAD#")]
    assert len(notes) == 1
    key = notes[0]["sk"].removeprefix("UPLOAD#")
    store = get_document_store()
    assert store._s3.list_object_versions(Bucket=store._bucket, Prefix=key).get("Versions")
    citizen.say("#cancel")
    citizen.say("#erase:yes")
    versions = store._s3.list_object_versions(Bucket=store._bucket, Prefix=key)
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")


def test_a_document_of_the_first_dossier_is_reused_by_the_second(system) -> None:
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    citizen = Citizen(system)
    _file_a_birth(citizen)
    _finish(citizen)
    (first,) = Dossiers(get_table()).of_owner(USER, 5)
    fetched = len([c for c in system.mock.calls if c.request.url.startswith(CDN)])

    asked = _file_a_birth(citizen, send_photo=False)
    reuse = [p for p in _payloads(asked) if p.startswith("#sub:reuse:0:")]
    assert reuse, _text(asked)
    out = citizen.say(reuse[0])
    assert "Đã dùng lại tệp" in _text(out)
    _finish(citizen)
    second = next(d for d in Dossiers(get_table()).of_owner(USER, 5) if d.code != first.code)
    assert second.documents[0].key == first.documents[0].key  # the same stored file
    assert second.documents[0].component_code == first.documents[0].component_code
    # Nothing was downloaded for the reused component.
    assert len([c for c in system.mock.calls if c.request.url.startswith(CDN)]) == fetched + (
        len(second.documents) - 1
    )
