"""The back office's dossier routes through the app, signed: events (usual transitions and
anomalies, one notice each, retries never notifying twice), registration, the feed, the read
with its access log, result files reaching the citizen as a working link, refusals."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.integration.conftest import AGENCY, OTHER_AGENCY, at, code, registration


def _ok(answer) -> dict:
    status, body, _ = answer
    assert status in (200, 201), body
    return body


def _error(answer) -> tuple[int, str]:
    status, body, _ = answer
    return status, body["error"]["code"]


def _history(api, n: int = 1) -> list:
    return _ok(api.get(code(n)))["history"]


@pytest.fixture
def registered(api, notices):
    """A dossier accepted at the counter (its acceptance notice read and dropped)."""
    _ok(api.put(code(), registration()))
    assert [n.notice_id for n in notices()] == [f"dossier:{code()}:h0"]
    return code()


# --------------------------------------------------------------------------- usual transitions

USUAL = [
    ({"status": 4}, "Hồ sơ đang được xử lý"),
    (
        {"status": 5, "missing": ["Bản sao giấy chứng sinh", "Tờ khai có chữ ký"]},
        "Cần bổ sung:\n- Bản sao giấy chứng sinh\n- Tờ khai có chữ ký",
    ),
    ({"status": 4}, "Hồ sơ đang được xử lý"),
    (
        {
            "status": 6,
            "fee": {
                "amount": 150000,
                "purpose": "Lệ phí đăng ký",
                "payment_url": "https://pay.camau.test/p/1",
            },
        },
        "Số tiền: 150.000 đồng",
    ),
    ({"status": 4}, "Hồ sơ đang được xử lý"),
    ({"status": 9, "result": {"pickup": "Bộ phận một cửa Phường 5"}}, "Nhận kết quả tại"),
    ({"status": 10}, "Kết quả hồ sơ đã được trả"),
]


def test_every_usual_transition_is_recorded_with_its_officer_and_one_notice(
    api, notices, registered
):
    for n, (event, says) in enumerate(USUAL, start=1):
        body = _ok(api.event(registered, {**event, "at": at(hours=n), "officer": f"officer-{n}"}))
        assert (body["applied"], body["changed"], body["anomalies"]) == (True, True, [])
        assert body["notice"] == "queued"
        assert body["dossier"]["status"] == event["status"]
        assert body["dossier"]["history"][-1]["officer"] == f"officer-{n}"
        queued = notices()
        assert [q.notice_id for q in queued] == [f"dossier:{registered}:h{n}"]
        assert says in queued[0].message.text
        assert queued[0].phone == "+84912000111" and queued[0].user_id is None
        assert queued[0].template_data["dossier_code"] == registered
    assert [h["status"] for h in _history(api)] == [2, 4, 5, 4, 6, 4, 9, 10]


def test_the_fee_notice_has_the_payment_button_and_the_supplement_says_how(
    api, notices, registered
):
    _ok(api.event(registered, {"status": 5, "missing": ["Giấy A"], "at": at(1), "officer": "o"}))
    supplement = notices()[0].message
    assert "ngay trong cuộc trò chuyện Zalo này" in supplement.text
    _ok(api.event(registered, {"status": 4, "at": at(2), "officer": "o"}))
    fee = {"amount": 20000, "purpose": "Phí", "payment_url": "https://pay.camau.test/x"}
    _ok(api.event(registered, {"status": 6, "fee": fee, "at": at(3), "officer": "o"}))
    fee_notice = notices()[-1].message
    assert (fee_notice.buttons[0].title, fee_notice.buttons[0].payload) == (
        "Thanh toán",
        "https://pay.camau.test/x",
    )


def test_acceptance_gives_the_back_offices_due_date_when_sent(api, notices):
    new = registration(status=1, channel="online")
    _ok(api.put(code(), new))
    notices()
    body = _ok(
        api.event(code(), {"status": 2, "at": at(1), "officer": "o", "due_date": "2026-12-09"})
    )
    assert body["dossier"]["due_date"] == "2026-12-09"
    assert body["dossier"]["due_date_source"] == "official"
    assert "Ngày hẹn trả kết quả: 09/12/2026." in notices()[0].message.text


def test_acceptance_without_a_date_computes_it_in_working_days(api, notices):
    _ok(api.put(code(), registration(status=1, channel="online", time_limit_days=3)))
    notices()
    # Friday 27/11/2026 10:00 in Vietnam: three working days are Mon, Tue, Wed -> 02/12.
    accepted = datetime(2026, 11, 27, 3, 0, tzinfo=UTC).isoformat()
    body = _ok(api.event(code(), {"status": 2, "at": accepted, "officer": "o"}))
    assert body["dossier"]["due_date"] == "2026-12-02"
    assert body["dossier"]["due_date_source"] == "estimate"
    assert "02/12/2026 (dự kiến)" in notices()[0].message.text


def test_time_in_status_6_is_excluded_where_the_procedure_says_so(api, notices):
    from chalicelib.domain.dossier import Applicant, Channel, Dossier
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    received = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
    dossier = Dossier.open(
        code=code(),
        procedure_code="1.001193",
        procedure_name="Thủ tục có thuế",
        receiving_agency_code=AGENCY,
        applicant=Applicant(name="Lê Thử", phone="0912000111"),
        channel=Channel.IN_PERSON,
        at=received,
        actor="o",
        time_limit_days=5,
        excludes_financial_obligation_time=True,
    )
    Dossiers(get_table()).add(dossier)
    before = dossier.due_date
    fee = {"amount": 1, "purpose": "Thuế"}
    _ok(api.event(code(), {"status": 6, "fee": fee, "at": at(0), "officer": "o"}))  # Tue
    body = _ok(api.event(code(), {"status": 4, "at": at(2), "officer": "o"}))  # Thu
    after = datetime.fromisoformat(body["dossier"]["due_date"]).date()
    assert (after - before).days >= 2  # the two working days in status 6 do not count


# --------------------------------------------------------------------------- anomalies

ANOMALIES = [
    pytest.param(
        [{"status": 5, "missing": ["A"]}, {"status": 4}],
        {"status": 5, "missing": ["B"]},
        ["second_supplement_request"],
        5,
        id="second-supplement-request",
    ),
    pytest.param([], {"status": 10}, ["transition_out_of_order"], 10, id="result-handed-skipped-9"),
    pytest.param(
        [{"status": 3, "reason": "Thiếu giấy"}],
        {"status": 4},
        ["transition_out_of_order"],
        4,
        id="processing-after-refusal",
    ),
    pytest.param(
        [],
        {"apology": True, "status": 2, "due_date": "2026-12-20", "reason": "Chờ xác minh"},
        ["apology_too_late"],
        2,
        id="apology-on-the-due-date",
    ),
    pytest.param(
        [{"apology": True, "status": 2, "due_date": "2026-12-10", "reason": "Chờ xác minh"}],
        {"apology": True, "status": 2, "due_date": "2026-12-20", "reason": "Chờ thêm"},
        ["second_apology"],
        2,
        id="second-apology",
    ),
    pytest.param(
        [],
        {"apology": True, "status": 2, "due_date": "2026-11-26", "reason": "Lý do"},
        ["apology_date_not_later"],
        2,
        id="apology-date-not-later",
    ),
]


@pytest.mark.parametrize(("before", "event", "flags", "status"), ANOMALIES)
def test_an_anomaly_is_recorded_flagged_and_notified_once(
    api, notices, registered, before, event, flags, status, capsys
):
    for n, earlier in enumerate(before, start=1):
        _ok(api.event(registered, {**earlier, "at": at(hours=n), "officer": "o"}))
    notices()
    late = at(days=6) if "apology_too_late" in flags else at(hours=10)  # due date 30/11
    body = _ok(api.event(registered, {**event, "at": late, "officer": "officer-x"}))
    assert body["applied"] and body["changed"]
    assert body["anomalies"] == flags
    assert body["dossier"]["status"] == status
    last = body["dossier"]["history"][-1]
    assert last["anomalies"] == flags and last["officer"] == "officer-x"
    assert [q.notice_id for q in notices()] == [f"dossier:{registered}:h{len(before) + 1}"]
    assert '"DossierAnomaly"' in capsys.readouterr().out


def test_the_apology_notice_gives_the_new_date_and_the_reason(api, notices, registered):
    apology = {"apology": True, "status": 2, "due_date": "2026-12-04", "reason": "Chờ xác minh"}
    body = _ok(api.event(registered, {**apology, "at": at(1), "officer": "o"}))
    assert body["anomalies"] == []
    assert body["dossier"]["original_due_date"] == "2026-11-30"
    assert body["dossier"]["due_date"] == "2026-12-04"
    text = notices()[0].message.text
    assert "XIN LỖI" in text and "30/11/2026" in text and "04/12/2026" in text
    assert "Chờ xác minh" in text


def test_an_event_older_than_the_latest_is_not_applied_and_changes_nothing(
    api, notices, registered
):
    _ok(api.event(registered, {"status": 4, "at": at(hours=5), "officer": "o"}))
    notices()
    body = _ok(
        api.event(registered, {"status": 3, "reason": "x", "at": at(1 / 24), "officer": "o"})
    )
    assert (body["applied"], body["changed"], body["notice"]) == (False, False, "none")
    assert body["dossier"]["status"] == 4
    assert notices() == []
    assert [h["status"] for h in _history(api)] == [2, 4]


def test_a_retried_event_with_a_new_webhook_id_never_notifies_twice(api, notices, registered):
    event = {"status": 4, "at": at(hours=3), "officer": "o"}
    first = _ok(api.event(registered, event))
    second = _ok(api.event(registered, event))  # the back office's own retry: a new id
    assert first["changed"] and not second["changed"]
    assert second["dossier"]["history"] == first["dossier"]["history"]
    assert Counter(q.notice_id for q in notices()) == {f"dossier:{registered}:h1": 1}


def test_a_replayed_webhook_id_answers_the_first_answer(api, notices, registered):
    event = {"status": 4, "at": at(hours=3), "officer": "o"}
    first = api.event(registered, event, webhook_id="msg_same")
    again = api.event(registered, event, webhook_id="msg_same")
    assert again[1] == first[1] and again[2]["webhook-replayed"] == "true"
    assert len(notices()) == 1


def test_a_notice_lost_between_save_and_queue_is_queued_by_the_retry(
    api, notices, registered, monkeypatch
):
    from chalicelib.notify.outbox import Outbox

    real = Outbox.queue

    def failing(self, notice):
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(Outbox, "queue", failing)
    event = {"status": 4, "at": at(hours=3), "officer": "o"}
    status, body, _ = api.event(registered, event, webhook_id="msg_retry")
    assert (status, body["error"]["code"]) == (500, "internal_error")
    monkeypatch.setattr(Outbox, "queue", real)
    retried = _ok(api.event(registered, event, webhook_id="msg_retry"))
    assert retried["changed"] is False and retried["notice"] == "queued"
    assert [q.notice_id for q in notices()] == [f"dossier:{registered}:h1"]


def test_a_dossier_linked_to_a_zalo_user_is_notified_in_zalo(api, notices, registered):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    assert Dossiers(get_table()).link_owner(registered, "2468000000000000001")
    _ok(api.event(registered, {"status": 4, "at": at(1), "officer": "o"}))
    (queued,) = notices()
    assert queued.user_id == "2468000000000000001" and queued.phone is None


def test_a_dossier_without_zalo_user_or_phone_records_the_unaddressed_notice(api, notices):
    body = registration()
    body["applicant"] = {"name": "Lê Văn Thử", "id_number": "096090000123"}
    assert _ok(api.put(code(), body))["notice"] == "unaddressed"
    answer = _ok(api.event(code(), {"status": 4, "at": at(1), "officer": "o"}))
    assert answer["notice"] == "unaddressed"
    assert notices() == []


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("event", "status", "error"),
    [
        ({"status": 11, "at": at(1), "officer": "o"}, 400, "invalid_field"),
        ({"status": 0, "at": at(1), "officer": "o"}, 400, "invalid_field"),
        ({"status": 4, "at": at(1), "officer": "o", "colour": "red"}, 400, "unknown_field"),
        ({"status": 4, "at": at(1)}, 400, "invalid_field"),  # no officer
        ({"status": 4, "at": "2026-11-24T08:00:00", "officer": "o"}, 400, "invalid_field"),
        ({"status": 3, "at": at(1), "officer": "o"}, 400, "invalid_field"),  # no reason
        ({"status": 5, "at": at(1), "officer": "o"}, 400, "invalid_field"),  # no list
        ({"status": 6, "at": at(1), "officer": "o"}, 400, "invalid_field"),  # no fee
        ({"status": 9, "at": at(1), "officer": "o"}, 400, "invalid_field"),  # no result
        ({"apology": True, "status": 2, "at": at(1), "officer": "o"}, 400, "invalid_field"),
        (
            {"apology": True, "status": 4, "due_date": "2026-12-09", "reason": "r"}
            | {"at": at(1), "officer": "o"},
            400,
            "invalid_apology",
        ),
        (
            {"status": 9, "result": {"key": f"results/{code()}/" + "a" * 32}}
            | {"at": at(1), "officer": "o"},
            400,
            "result_not_found",
        ),
        ({"status": 4, "at": "2099-01-01T00:00:00Z", "officer": "o"}, 400, "invalid_field"),
    ],
)
def test_a_refused_event_changes_nothing_and_notifies_nobody(
    api, notices, registered, event, status, error
):
    assert _error(api.event(registered, event)) == (status, error)
    assert [h["status"] for h in _history(api)] == [2]
    assert notices() == []


@pytest.mark.parametrize("raw", [b"not json", b"[]", b"", b'{"status": "four"'])
def test_a_malformed_body_is_400_malformed_body(api, registered, raw):
    answer = api.call("POST", f"/dossiers/{registered}/events", raw=raw)
    assert _error(answer) == (400, "malformed_body")


def test_an_unknown_dossier_is_404_and_a_bad_code_400(api):
    event = {"status": 4, "at": at(1), "officer": "o"}
    assert _error(api.event(code(9), event)) == (404, "unknown_dossier")
    assert _error(api.event("not-a-code", event)) == (400, "invalid_dossier_code")
    assert _error(api.get(code(9))) == (404, "unknown_dossier")


def test_a_client_not_serving_the_agency_is_403_agency_not_served(api, notices):
    _ok(api.put(code(), registration(receiving_agency=OTHER_AGENCY)))
    notices()
    event = {"status": 4, "at": at(1), "officer": "o"}
    assert _error(api.event(code(), event, client="narrow")) == (403, "agency_not_served")
    assert _error(api.get(code(), client="narrow")) == (403, "agency_not_served")
    assert _error(api.put(code(), registration(), client="narrow")) == (403, "agency_not_served")
    put_other = registration(receiving_agency=OTHER_AGENCY)
    assert _error(api.put(code(2), put_other, client="narrow")) == (403, "agency_not_served")
    assert notices() == []
    assert [h["status"] for h in _history(api)] == [2]


def test_the_postal_client_cannot_reach_dossiers(api, registered):
    assert _error(api.get(registered, client="postal")) == (403, "scope_not_allowed")


# --------------------------------------------------------------------------- registration


def test_registration_is_idempotent_and_a_later_call_updates(api, notices):
    first = api.put(code(), registration())
    assert first[0] == 201 and first[1]["created"]
    again = api.put(code(), registration())
    assert again[0] == 200 and not again[1]["created"] and again[1]["notice"] == "none"
    changed = registration(due_date="2026-12-03")
    changed["applicant"] = {**changed["applicant"], "address": "Phường 8, Cà Mau"}
    body = _ok(api.put(code(), changed))
    assert body["dossier"]["due_date"] == "2026-12-03"
    assert _ok(api.get(code()))["applicant"]["address"] == "Phường 8, Cà Mau"
    assert len(notices()) == 1  # the registration's only
    assert _error(api.put(code(), registration(status=4))) == (409, "status_change_needs_event")


def test_a_registered_dossier_can_be_claimed_in_the_chat_with_phone_and_id(api, notices):
    from chalicelib.conversation.flows.dossier import _parse_proof
    from chalicelib.services.lookups import get_lookups

    _ok(api.put(code(), registration()))
    phone, id_number = _parse_proof("0912 000 111 096090000123")  # as the citizen types them
    view = get_lookups().confirm_applicant(
        code(), "2468000000000000009", phone=phone, id_number=id_number
    )
    assert view is not None and view.code == code()
    wrong_phone, _ = _parse_proof("0912 000 112")
    wrong = get_lookups().confirm_applicant(
        code(), "2468000000000000009", phone=wrong_phone, id_number=id_number
    )
    assert wrong is None


def test_registration_refuses_invalid_identity_and_unknown_procedures(api):
    bad = registration()
    bad["applicant"] = {**bad["applicant"], "id_number": "12"}
    assert _error(api.put(code(), bad)) == (400, "invalid_field")
    unknown = registration(procedure_name=None, procedure_code="9.999999")
    assert _error(api.put(code(), unknown)) == (400, "unknown_procedure")
    assert _error(api.put(code(), registration(receiving_agency="H12"))) == (400, "invalid_field")
    assert _error(api.get(code())) == (404, "unknown_dossier")


def test_registration_in_a_later_status(api, notices):
    body = _ok(api.put(code(), registration(status=4)))
    assert [h["status"] for h in body["dossier"]["history"]] == [2, 4]
    assert [q.notice_id for q in notices()] == [f"dossier:{code()}:h1"]


# --------------------------------------------------------------------------- feed


def _feed(api, cursor=None, limit=None, client="back-office"):
    query = []
    if cursor:
        query.append(f"updated_after={cursor}")
    if limit:
        query.append(f"limit={limit}")
    path = "/dossiers" + ("?" + "&".join(query) if query else "")
    return api.call("GET", path, client=client)


def test_the_feed_lists_changes_oldest_first_and_continues_from_the_cursor(api, notices):
    for n in (1, 2, 3):
        _ok(api.put(code(n), registration()))
    page = _ok(_feed(api, limit=2))
    assert [d["code"] for d in page["dossiers"]] == [code(1), code(2)]
    assert page["has_more"] is True
    assert "applicant" not in page["dossiers"][0]  # no personal data in the feed
    rest = _ok(_feed(api, page["next_cursor"], limit=2))
    assert [d["code"] for d in rest["dossiers"]] == [code(3)]
    # A change moves the dossier to the end of the feed.
    _ok(api.event(code(1), {"status": 4, "at": at(1), "officer": "o"}))
    later = _ok(_feed(api, rest["next_cursor"]))
    assert [(d["code"], d["status"]) for d in later["dossiers"]] == [(code(1), 4)]
    assert _ok(_feed(api, later["next_cursor"]))["dossiers"] == []


def test_a_restricted_client_sees_its_agencies_only_one_query_per_page(api, notices):
    from chalicelib.platform.aws import client

    for n, agency in enumerate([OTHER_AGENCY, AGENCY, OTHER_AGENCY, OTHER_AGENCY, AGENCY], 1):
        _ok(api.put(code(n), registration(receiving_agency=agency)))
    calls = Counter()

    def count(event_name: str, **kwargs) -> None:
        calls[event_name.split(".")[-1]] += 1

    client("dynamodb").meta.events.register("before-call.dynamodb.*", count)
    seen, cursor, pages = [], None, 0
    while True:
        calls.clear()
        page = _ok(_feed(api, cursor, limit=2, client="narrow"))
        assert calls["Query"] == 1 and calls["Scan"] == 0
        pages += 1
        seen += [d["code"] for d in page["dossiers"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == [code(2), code(5)] and pages == 3


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?limit=0", "invalid_limit"),
        ("?limit=101", "invalid_limit"),
        ("?limit=ten", "invalid_limit"),
        ("?updated_after=***", "invalid_cursor"),
        ("?updated_after=bm90IGEgY3Vyc29y", "invalid_cursor"),
        ("?since=yesterday", "unknown_field"),
    ],
)
def test_bad_feed_parameters_are_400(api, query, error):
    assert _error(api.call("GET", "/dossiers" + query)) == (400, error)


def test_every_dossier_write_keeps_the_feed_attributes(api, aws):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    _ok(api.put(code(), registration()))
    table = get_table()
    stamps = [table.get(f"DOSSIER#{code()}", "DOSSIER")["gsi2sk"]]
    Dossiers(table).link_owner(code(), "u-1")
    stamps.append(table.get(f"DOSSIER#{code()}", "DOSSIER")["gsi2sk"])
    Dossiers(table).unlink_owner("u-1")
    item = table.get(f"DOSSIER#{code()}", "DOSSIER")
    stamps.append(item["gsi2sk"])
    assert item["gsi2pk"] == "FEED" and item["agency"] == AGENCY
    assert all(s.endswith("#" + code()) for s in stamps)
    assert stamps == sorted(stamps)


# --------------------------------------------------------------------------- reads


def test_a_read_gives_personal_data_and_document_links_and_is_logged(api, aws):
    from chalicelib.domain.dossier import DossierDocument
    from chalicelib.root import get_document_store
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    _ok(api.put(code(), registration()))
    stored = get_document_store().put_upload(
        b"%PDF-1.4 test", content_type="application/pdf", detected_type="pdf", name="to-khai.pdf"
    )
    dossiers = Dossiers(get_table())
    dossier, version = dossiers.get(code())
    dossier.attach(
        DossierDocument(key=stored.key, name="to-khai.pdf", content_type="application/pdf")
    )
    dossiers.save(dossier, read_version=version)

    body = _ok(api.get(code(), officer="officer-42"))
    assert body["applicant"]["id_number"] == "096090000123"
    (document,) = body["documents"]
    assert document["name"] == "to-khai.pdf" and "X-Amz-Signature" in document["url"]
    assert _error(api.get(code(), officer="")) == (400, "officer_required")
    log = _ok(api.call("GET", f"/dossiers/{code()}/access-log"))
    assert [(e["client"], e["officer"], e["action"]) for e in log["entries"]] == [
        ("back-office", "officer-42", "read_dossier")
    ]
    assert log["entries"][0]["at"].startswith(str(datetime.now(tz=UTC).year))


def test_the_access_log_pages_newest_first(api):
    _ok(api.put(code(), registration()))
    for officer in ("a", "b", "c"):
        _ok(api.get(code(), officer=officer))
    first = _ok(api.call("GET", f"/dossiers/{code()}/access-log?limit=2"))
    assert [e["officer"] for e in first["entries"]] == ["c", "b"]
    rest = _ok(api.call("GET", f"/dossiers/{code()}/access-log?after={first['next_cursor']}"))
    assert [e["officer"] for e in rest["entries"]] == ["a"] and rest["next_cursor"] is None


# --------------------------------------------------------------------------- results


def test_an_uploaded_result_reaches_the_citizen_as_a_working_link(api, notices, registered, aws):
    import requests
    from chalice.test import Client

    from app import app

    upload = _ok(
        api.call(
            "POST", f"/dossiers/{registered}/result-uploads", {"content_type": "application/pdf"}
        )
    )
    assert upload["key"].startswith(f"results/{registered}/")
    put = requests.put(
        upload["url"], data=b"%PDF-1.4 result", headers=upload["headers"], timeout=10
    )
    assert put.status_code == 200
    event = {"status": 9, "result": {"key": upload["key"]}, "at": at(1), "officer": "o"}
    _ok(api.event(registered, event))
    (notice,) = notices()
    link = next(b.payload for b in notice.message.buttons if b.type == "oa.open.url")
    assert link in notice.message.text
    assert link.startswith("https://zalo.camau.test/public/results/")
    token = link.rsplit("/", 1)[1]
    with Client(app) as client:
        followed = client.http.get(f"/public/results/{token}")
        assert followed.status_code == 302
        assert requests.get(followed.headers["Location"], timeout=10).content == b"%PDF-1.4 result"
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        refused = client.http.get(f"/public/results/{tampered}")
        assert refused.status_code == 404
        assert "không còn hiệu lực" in refused.json_body["error"]["message"]


def test_a_result_link_expires_after_30_days(aws, monkeypatch):
    from chalicelib.services.result_links import ResultLinks

    links = ResultLinks("secret", "https://x.test")
    now = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
    token = links.token("C", "results/C/k", now=now)
    assert links.check(token, now=now + 29 * 86400) is not None
    assert links.check(token, now=now + 31 * 86400) is None
    assert ResultLinks("other", "https://x.test").check(token, now=now) is None


def test_an_electronic_result_link_from_elsewhere_is_passed_on(api, notices, registered):
    result = {"url": "https://ketqua.camau.test/abc", "pickup": "Bộ phận một cửa"}
    _ok(api.event(registered, {"status": 9, "result": result, "at": at(1), "officer": "o"}))
    text = notices()[0].message.text
    assert "https://ketqua.camau.test/abc" in text and "Bộ phận một cửa" in text


def test_a_result_key_of_another_dossier_is_refused(api, registered):
    key = f"results/{code(5)}/" + "b" * 32
    event = {"status": 9, "result": {"key": key}, "at": at(1), "officer": "o"}
    assert _error(api.event(registered, event)) == (400, "invalid_field")


def test_timestamps_in_answers_are_utc(api, registered):
    body = _ok(api.event(registered, {"status": 4, "at": at(1), "officer": "o"}))
    moment = datetime.fromisoformat(body["dossier"]["history"][-1]["at"])
    assert moment.utcoffset() == timedelta(0)


# --------------------------------------------------------------------------- the citizen's side


def test_a_withdrawal_asked_in_the_chat_shows_in_the_feed_and_status_7_confirms_it(
    api, notices, registered
):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    page = _ok(_feed(api))
    asked = datetime.now(tz=UTC)
    Dossiers(get_table()).change(
        registered, lambda d: d.request_withdrawal(asked, "citizen:zalo", "Nộp nhầm")
    )
    later = _ok(_feed(api, page["next_cursor"]))
    (listed,) = later["dossiers"]
    assert listed["code"] == registered and listed["withdrawal_requested_at"]
    detail = _ok(api.get(registered))
    assert detail["withdrawal_reason"] == "Nộp nhầm"
    assert detail["history"][-1]["kind"] == "withdrawal_requested"
    confirm = {"status": 7, "at": (asked + timedelta(minutes=5)).isoformat(), "officer": "o"}
    body = _ok(api.event(registered, confirm))
    assert body["applied"] and body["anomalies"] == [] and body["dossier"]["status"] == 7
    assert "rút hồ sơ" in notices()[0].message.text


def test_a_supplement_sent_in_the_chat_reaches_the_back_office(api, notices, registered):
    from chalicelib.domain.dossier import DossierDocument
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    missing = {"status": 5, "missing": ["Giấy chứng sinh"], "at": at(1), "officer": "o"}
    _ok(api.event(registered, missing))
    page = _ok(_feed(api))
    sent = datetime.now(tz=UTC)
    document = DossierDocument(
        key="documents/" + "c" * 32, name="giay-chung-sinh.jpg", component_code="supplement"
    )

    def supplement(dossier) -> bool:
        dossier.receive_supplement(document)
        return dossier.note_event("supplement_received", sent, "citizen:zalo", "Giấy chứng sinh")

    Dossiers(get_table()).change(registered, supplement)
    (listed,) = _ok(_feed(api, page["next_cursor"]))["dossiers"]
    assert listed["supplement_received_at"] and listed["document_count"] == 1
    detail = _ok(api.get(registered))
    assert [d["name"] for d in detail["documents"]] == ["giay-chung-sinh.jpg"]
    # An officer's clock a little behind the citizen's note: still applied.
    back = {"status": 4, "at": (sent - timedelta(seconds=30)).isoformat(), "officer": "o"}
    assert _ok(api.event(registered, back))["applied"] is True


def test_registration_takes_the_procedures_name_and_limit_from_the_catalogue(api, notices):
    from ops.import_catalogue import run
    from tests.conftest import ROOT

    data = ROOT / "data" / "catalogue"
    run(
        [str(data / "tthc-sample.json"), str(data / "procedures-camau.json")],
        str(data / "province-overrides.json"),
        str(data / "agencies.json"),
    )
    body = registration(procedure_code="1.001193", procedure_name=None, time_limit_days=None)
    answer = _ok(api.put(code(), body))
    detail = _ok(api.get(code()))
    assert detail["procedure_name"] and "khai sinh" in detail["procedure_name"].lower()
    assert answer["dossier"]["due_date"] is not None  # the catalogue's working-day limit
