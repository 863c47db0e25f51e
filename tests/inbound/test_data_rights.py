"""Personal-data rights from the chat (issue 15): a readable summary of what is held, a JSON
export behind a short-lived signed link, and a record of every request (kind, times, outcome,
due date; a hashed user reference) that outlives an erasure."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.services.data_rights import (
    ExpiredExportLink,
    InvalidExportLink,
    open_export_token,
    sign_export_token,
)
from tests.conftest import ROOT, TEST_ENV
from tests.inbound.test_erasure import _say, _seed_everything
from tests.inbound.test_processor import USER

BASE = "https://zalo.example.test/api"
LINK = re.compile(re.escape(BASE) + r"/public/exports/(\S+)")


@pytest.fixture
def exports_on(monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)


def _requests(table) -> list[dict]:
    from chalicelib.storage.data_rights import DataRightsLog

    month = datetime.now(tz=UTC).strftime("%Y-%m")
    found = DataRightsLog(table).of_month(month)
    # the test's clock may sit on a month boundary: look at the previous month too
    previous = (datetime.now(tz=UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return found + DataRightsLog(table).of_month(previous)


def test_the_summary_lists_what_is_held_in_vietnamese_and_is_recorded(exports_on, zalo):
    from chalicelib.root import get_document_store
    from chalicelib.storage.table import get_table

    table = get_table()
    kept, closed, uploads = _seed_everything(table, get_document_store())
    from chalicelib.storage.users import Users

    Users(table).set_phone(USER, "+84912345678")
    _say("Du lieu cua toi", 5)  # no diacritics, capitals
    summary = "\n".join(zalo.texts_to(USER)[-2:])
    assert "DỮ LIỆU CỦA ÔNG/BÀ" in summary
    assert "Đồng ý xử lý dữ liệu cá nhân lúc" in summary
    assert "+84912345678" in summary
    assert kept in summary and closed in summary  # both are linked before an erasure
    assert "Thông báo đang chờ gửi: 1" in summary
    assert f"Tệp giấy tờ đã gửi qua Zalo (tự xóa sau 7 ngày nếu không nộp): {len(uploads)}" in (
        summary
    )
    (request,) = [r for r in _requests(table) if r["kind"] == "access"]
    assert request["outcome"] == "answered"
    assert request["user_ref"] == hashlib.sha256(USER.encode()).hexdigest()
    assert USER not in json.dumps(request)
    from chalicelib.domain.calendar import default_calendar, local_date

    requested = datetime.fromisoformat(request["requested_at"])
    answered = datetime.fromisoformat(request["answered_at"])
    due = date.fromisoformat(request["due_by"])
    assert due == default_calendar().add_working_days(local_date(requested), 2)
    assert local_date(answered) <= due  # answered in time (at once, in practice)


def test_the_export_is_a_signed_link_to_a_json_copy_that_expires(exports_on, zalo):
    from chalice.test import Client

    from app import app
    from chalicelib.root import get_document_store
    from chalicelib.storage.table import get_table

    table, store = get_table(), get_document_store()
    kept, _, _ = _seed_everything(table, store)
    _say("xuất dữ liệu", 5)
    (token,) = [m.group(1) for t in zalo.texts_to(USER) if (m := LINK.search(t))]
    key = open_export_token(token, TEST_ENV["WEBFORM_SECRET"], datetime.now(tz=UTC).timestamp())
    document = json.loads(store.read(key))
    assert document["zalo_user_id"] == USER
    assert [d["code"] for d in document["dossiers"]][:1] and kept in {
        d["code"] for d in document["dossiers"]
    }
    kinds = {item["item"] for item in document["items"]}
    assert {"profile", "notice", "upload"} <= kinds, kinds
    head = store._s3.head_object(Bucket=store._bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    (request,) = [r for r in _requests(table) if r["kind"] == "export"]
    assert request["outcome"] == "exported"

    with Client(app, project_dir=str(ROOT)) as client:
        found = client.http.get(f"/public/exports/{token}")
        assert found.status_code == 302
        assert key in found.headers["Location"] and "Signature" in found.headers["Location"]
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        refused = client.http.get(f"/public/exports/{forged}")
        assert refused.status_code == 404
        assert refused.json_body["error"]["code"] == "export_link_invalid"
        name = key.removeprefix("exports/").removesuffix(".json")
        old = sign_export_token(name, int(datetime.now(tz=UTC).timestamp()) - 1, "x")
        assert client.http.get(f"/public/exports/{old}").status_code == 404  # wrong key
        expired = sign_export_token(name, 1, TEST_ENV["WEBFORM_SECRET"])
        gone = client.http.get(f"/public/exports/{expired}")
        assert gone.status_code == 410
        assert "hết hạn" in gone.json_body["error"]["message"]


def test_an_export_link_token_is_checked_before_anything_is_read():
    secret = "s" * 32
    name = "a" * 32
    token = sign_export_token(name, 2_000_000_000, secret)
    assert open_export_token(token, secret, 1_900_000_000) == f"exports/{name}.json"
    for bad in ("", "x", "../../etc.1.2", f"{'g' * 32}.2000000000.abc", token + "x"):
        with pytest.raises(InvalidExportLink):
            open_export_token(bad, secret, 1_900_000_000)
    with pytest.raises(InvalidExportLink):
        open_export_token(token, "", 1_900_000_000)  # no secret configured: nothing opens
    with pytest.raises(ExpiredExportLink):
        open_export_token(token, secret, 2_000_000_001)


def test_without_a_public_url_the_export_is_refused_clearly_and_recorded(zalo):
    from chalicelib.storage.table import get_table

    _say("#consent:yes", 1)
    _say("tai du lieu ca nhan", 2)
    answer = zalo.texts_to(USER)[-1]
    assert "chưa tạo được tệp dữ liệu" in answer
    (request,) = [r for r in _requests(get_table()) if r["kind"] == "export"]
    assert request["outcome"] == "unavailable"


def test_an_erasure_is_recorded_and_the_record_survives_it(zalo):
    from chalicelib.root import get_document_store
    from chalicelib.storage.table import get_table

    table = get_table()
    _seed_everything(table, get_document_store())
    _say("#erase:yes", 5)
    (request,) = [r for r in _requests(table) if r["kind"] == "erasure"]
    assert request["outcome"] == "erased" and request["kept"] == 1  # the dossier in progress
    # What the erasure leaves of the citizen: the tombstone, the request record (both keyed by
    # the hash), the dossier in progress, and the reply records.
    assert set(request) == {
        "pk",
        "sk",
        "kind",
        "user_ref",
        "requested_at",
        "answered_at",
        "due_by",
        "outcome",
        "kept",
    }
    # After the erasure, the summary says nothing personal is held but that dossier.
    _say("xin chao", 6)  # a first interaction again: the greeting and the notice
    before = len(zalo.texts_to(USER))
    _say("du lieu cua toi", 7)  # no consent needed to see what is held
    summary = "\n".join(zalo.texts_to(USER)[before:])
    assert "DỮ LIỆU CỦA ÔNG/BÀ" in summary
    assert "Chưa đồng ý xử lý dữ liệu cá nhân" in summary
    assert "Số điện thoại: không lưu" in summary


def test_a_redelivered_request_is_answered_and_recorded_once(zalo):
    from chalicelib.inbound import consumer as inbound
    from chalicelib.storage.table import get_table
    from tests.inbound.test_processor import NOW, _event, _record, _text_event

    _say("#consent:yes", 1)
    body = _text_event("du lieu cua toi", "mydata-1", NOW + 9000)
    before = len(zalo.texts_to(USER))
    inbound.consume(_event(_record(body, message_id="m1")))
    inbound.consume(_event(_record(body, message_id="m2")))  # Zalo delivers it again
    assert len(zalo.texts_to(USER)) == before + 1
    assert len([r for r in _requests(get_table()) if r["kind"] == "access"]) == 1


def test_the_operators_report_shows_each_request_and_whether_it_was_in_time(aws, capsys):
    from chalicelib.storage.data_rights import DataRightsLog
    from chalicelib.storage.table import get_table
    from ops import data_rights_report

    log = DataRightsLog(get_table())
    monday = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 in Cà Mau, a Monday
    log.record(
        USER,
        "access",
        requested_at=monday,
        answered_at=monday + timedelta(seconds=2),
        due_by=date(2026, 12, 2),
        outcome="answered",
    )
    log.record(
        "another-user",
        "erasure",
        requested_at=monday + timedelta(hours=1),
        answered_at=monday + timedelta(days=4),
        due_by=date(2026, 12, 2),
        outcome="erased",
    )
    assert data_rights_report.main(["--month", "2026-11"]) == 1  # one was late
    out = capsys.readouterr().out
    assert "2 request(s) in 2026-11, 1 answered late" in out
    assert USER not in out and "another-user" not in out
    ref = hashlib.sha256(USER.encode()).hexdigest()
    assert data_rights_report.main(["--month", "2026-11", "--user-ref", ref]) == 0
    assert "1 request(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        data_rights_report.main(["--month", "2026-13"])
