"""The notifier: once per notice, split to Zalo's limits, the right channel, pending delivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses

from chalicelib.notify.model import NoticeResult, OutboundButton, OutboundMessage
from chalicelib.notify.notifier import Notifier, phone_84
from chalicelib.settings import get_settings, reset_settings
from chalicelib.storage.idempotency import Jobs
from chalicelib.storage.notices import Notices
from chalicelib.storage.table import get_table
from chalicelib.storage.users import Users
from chalicelib.zalo.client import ZaloClient, ZaloUnavailable
from tests.conftest import TEST_ENV

NOW = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
USER = "8400000000000000001"
CS_URL = f"{TEST_ENV['ZALO_API_BASE']}/v3.0/oa/message/cs"
TEMPLATE_USER_URL = f"{TEST_ENV['ZALO_API_BASE']}/v3.0/oa/message/template"
TEMPLATE_PHONE_URL = f"{TEST_ENV['ZALO_TEMPLATE_API_BASE']}/message/template"
STATUS_TEMPLATE = {"dossier_status": "T100"}
DATA = {"ma_ho_so": "000.00.17.H12-261126-0007", "trang_thai": "Đã có kết quả"}


class FakeTokens:
    def get_access_token(self) -> str:
        return "access-token"

    def refresh_after_rejection(self, rejected_token: str) -> str:
        return "access-token-2"


def ok(message_id: str) -> dict:
    return {"error": 0, "message": "Success", "data": {"message_id": message_id}}


def outside_window() -> dict:
    return {"error": -230, "message": "User has not interacted in the last 7 days"}


def make_notifier(now: datetime = NOW, lease_seconds: int = 90) -> Notifier:
    table = get_table()
    settings = get_settings()
    client = ZaloClient(settings, FakeTokens(), session=requests.Session(), sleep=lambda s: None)
    jobs = Jobs(table, lease_seconds=lease_seconds)
    return Notifier(client, Users(table), jobs, Notices(table), settings, clock=lambda: now)


@pytest.fixture
def templates(monkeypatch):
    def configure(ids: dict) -> None:
        monkeypatch.setenv("ZALO_TEMPLATE_IDS", json.dumps(ids))
        reset_settings()

    return configure


@pytest.fixture
def recent_user(aws) -> Users:
    users = Users(get_table())
    users.touch(USER, NOW - timedelta(days=1))
    return users


def sent(url: str = CS_URL) -> list[dict]:
    return [json.loads(c.request.body) for c in responses.calls if c.request.url == url]


def records() -> list[dict]:
    return get_table().query(f"USER#{USER}", sk_prefix="NOTICE#")[0]


def pending_items() -> list[dict]:
    return get_table().query(f"USER#{USER}", sk_prefix="PENDING#")[0]


@responses.activate
def test_user_in_window_gets_a_consultation_message_and_the_notice_is_recorded(recent_user):
    responses.post(CS_URL, json=ok("m1"))
    result = make_notifier().send(USER, OutboundMessage(text="Xin chào"), notice_id="n1")
    assert result == NoticeResult(channel="consultation", message_ids=["m1"])
    assert sent() == [{"recipient": {"user_id": USER}, "message": {"text": "Xin chào"}}]
    [record] = records()
    assert record["sk"].startswith("NOTICE#2026-05-10T09:00:00.000Z#n1")
    assert (record["kind"], record["channel"], record["message_ids"]) == (
        "reply",
        "consultation",
        ["m1"],
    )


@responses.activate
def test_same_notice_id_twice_sends_once(recent_user):
    responses.post(CS_URL, json=ok("m1"))
    responses.post(CS_URL, json=ok("m2"))
    first = make_notifier().send(USER, OutboundMessage(text="Một"), notice_id="n1")
    second = make_notifier().send(USER, OutboundMessage(text="Một"), notice_id="n1")
    assert first == second == NoticeResult(channel="consultation", message_ids=["m1"])
    assert len(sent()) == 1


@responses.activate
def test_a_5000_character_text_goes_out_as_three_messages_buttons_on_the_last(recent_user):
    for i in range(3):
        responses.post(CS_URL, json=ok(f"m{i}"))
    text = "\n".join(f"Dòng {i:03d} " + "x" * 40 for i in range(100)) + "."
    assert len(text) == 5000
    buttons = [OutboundButton(title="Menu", payload="#menu")]
    result = make_notifier().send(
        USER, OutboundMessage(text=text, buttons=buttons), notice_id="long"
    )
    assert result.message_ids == ["m0", "m1", "m2"]
    bodies = [b["message"] for b in sent()]
    assert len(bodies) == 3
    assert all(len(b["text"]) <= 2000 for b in bodies)
    assert "\n".join(b["text"] for b in bodies) == text  # split at line boundaries
    assert ["attachment" in b for b in bodies] == [False, False, True]
    assert bodies[2]["attachment"]["payload"]["buttons"] == [
        {"title": "Menu", "type": "oa.query.hide", "payload": "#menu"}
    ]


@responses.activate
def test_a_retry_after_a_failure_resends_only_the_parts_not_yet_sent(recent_user, monkeypatch):
    monkeypatch.setenv("HTTP_MAX_RETRIES", "0")
    reset_settings()
    text = "\n".join(letter * 999 for letter in "abcde")  # 4,999 characters: three parts
    responses.post(CS_URL, json=ok("m0"))
    responses.post(CS_URL, status=503)
    with pytest.raises(ZaloUnavailable):
        make_notifier(lease_seconds=0).send(USER, OutboundMessage(text=text), notice_id="n1")
    responses.post(CS_URL, json=ok("m1"))
    responses.post(CS_URL, json=ok("m2"))
    result = make_notifier().send(USER, OutboundMessage(text=text), notice_id="n1")
    assert result.message_ids == ["m0", "m1", "m2"]
    texts = [b["message"]["text"] for b in sent()]
    assert len(texts) == 4  # part 0 once, part 1 twice (failed, then sent), part 2 once
    assert texts[1] == texts[2] != texts[0]


@responses.activate
def test_outside_window_error_falls_back_to_a_template_by_user_id(recent_user, templates):
    templates(STATUS_TEMPLATE)
    responses.post(CS_URL, json=outside_window())
    responses.post(TEMPLATE_USER_URL, json=ok("t1"))
    result = make_notifier().send(
        USER,
        OutboundMessage(text="Hồ sơ đã có kết quả"),
        notice_id="n1",
        kind="dossier_status",
        template_data=DATA,
    )
    assert result == NoticeResult(channel="template_user", message_ids=["t1"])
    assert sent(TEMPLATE_USER_URL) == [
        {"user_id": USER, "template_id": "T100", "template_data": DATA}
    ]
    assert records()[0]["channel"] == "template_user"


@responses.activate
def test_profile_outside_window_goes_straight_to_the_template(aws, templates):
    templates(STATUS_TEMPLATE)
    Users(get_table()).touch(USER, NOW - timedelta(days=8))
    responses.post(TEMPLATE_USER_URL, json=ok("t1"))
    result = make_notifier().send(
        USER, OutboundMessage(text="x"), notice_id="n1", kind="dossier_status", template_data=DATA
    )
    assert result.channel == "template_user"
    assert sent() == []  # the template reaches the user: no consultation attempt


@responses.activate
def test_template_by_user_refused_falls_back_to_the_consented_phone(aws, templates):
    templates(STATUS_TEMPLATE)
    users = Users(get_table())
    users.grant_consent(USER, NOW - timedelta(days=30))
    users.set_phone(USER, "+84912345678")
    responses.post(TEMPLATE_USER_URL, json={"error": -213, "message": "not a follower"})
    responses.post(TEMPLATE_PHONE_URL, json={"error": 0, "data": {"msg_id": "p1"}})
    result = make_notifier().send(
        USER, OutboundMessage(text="x"), notice_id="n1", kind="dossier_status", template_data=DATA
    )
    assert result == NoticeResult(channel="template_phone", message_ids=["p1"])
    [body] = sent(TEMPLATE_PHONE_URL)
    assert body == {
        "phone": "84912345678",
        "template_id": "T100",
        "template_data": DATA,
        "tracking_id": "n1",
    }


@responses.activate
def test_phone_argument_is_used_when_the_profile_has_none(aws, templates):
    templates(STATUS_TEMPLATE)
    responses.post(TEMPLATE_USER_URL, json={"error": -213, "message": "not a follower"})
    responses.post(TEMPLATE_PHONE_URL, json={"error": 0, "data": {"msg_id": "p1"}})
    result = make_notifier().send(
        USER,
        OutboundMessage(text="x"),
        notice_id="n1",
        kind="dossier_status",
        template_data=DATA,
        phone="0912 345 678",
    )
    assert result.channel == "template_phone"
    assert sent(TEMPLATE_PHONE_URL)[0]["phone"] == "84912345678"


@responses.activate
def test_outside_window_without_template_is_kept_pending_then_delivered_on_next_interaction(
    recent_user, capsys
):
    responses.post(CS_URL, json=outside_window())
    message = OutboundMessage(
        text="Hồ sơ của Ông/Bà đã có kết quả.", buttons=[OutboundButton(title="Xem", payload="#x")]
    )
    result = make_notifier().send(USER, message, notice_id="n1", kind="dossier_status")
    assert result == NoticeResult(channel="pending")
    [item] = pending_items()
    assert item["notice_id"] == "n1" and item["kind"] == "dossier_status"
    assert item["ttl"] > NOW.timestamp()
    assert recent_user.get(USER).pending_notices == 1
    assert records()[0]["channel"] == "pending"

    # The user writes again: the processing layer sees pending_notices > 0.
    profile, _ = recent_user.touch(USER, NOW + timedelta(days=2))
    assert profile.pending_notices == 1
    responses.post(CS_URL, json=ok("m9"))
    later = make_notifier(now=NOW + timedelta(days=2))
    delivered = later.deliver_pending(USER)
    assert delivered == [NoticeResult(channel="consultation", message_ids=["m9"])]
    assert sent()[-1]["message"]["text"] == message.text
    assert sent()[-1]["message"]["attachment"]["payload"]["buttons"][0]["payload"] == "#x"
    assert pending_items() == []
    assert recent_user.get(USER).pending_notices == 0
    assert later.deliver_pending(USER) == []  # nothing left: nothing sent twice
    assert len(sent()) == 2
    assert message.text not in capsys.readouterr().out


@responses.activate
def test_unknown_user_without_template_gets_one_attempt_then_is_pending(aws):
    responses.post(CS_URL, json=outside_window())
    result = make_notifier().send(USER, OutboundMessage(text="x"), notice_id="n1")
    assert result.channel == "pending"
    assert len(sent()) == 1
    assert Users(get_table()).get(USER).pending_notices == 1


@responses.activate
def test_profile_outside_window_without_template_still_tries_zalo_once(aws):
    Users(get_table()).touch(USER, NOW - timedelta(days=30))
    responses.post(CS_URL, json=ok("m1"))
    result = make_notifier().send(USER, OutboundMessage(text="x"), notice_id="n1")
    assert result == NoticeResult(channel="consultation", message_ids=["m1"])


def test_keeping_a_notice_pending_twice_counts_it_once(recent_user):
    notices = Notices(get_table())
    kept = [
        notices.keep_pending(
            USER, [{"text": "x"}], notice_id="n1", kind="reply", at="2026-05-10T09", expires=1
        )
        for _ in range(2)
    ]
    assert kept == [True, False]
    assert len(pending_items()) == 1
    assert recent_user.get(USER).pending_notices == 1


@responses.activate
def test_pending_notice_still_refused_stays_pending(recent_user):
    responses.post(CS_URL, json=outside_window())
    responses.post(CS_URL, json=outside_window())
    make_notifier().send(USER, OutboundMessage(text="x"), notice_id="n1")
    assert make_notifier().deliver_pending(USER) == []
    assert len(pending_items()) == 1
    assert recent_user.get(USER).pending_notices == 1


def test_a_drifted_pending_counter_is_reset(recent_user):
    get_table().update(f"USER#{USER}", "PROFILE", "SET pending_notices = :n", values={":n": 3})
    assert make_notifier().deliver_pending(USER) == []
    assert recent_user.get(USER).pending_notices == 0


@responses.activate
def test_invalid_request_ends_the_notice_as_skipped(recent_user):
    responses.post(CS_URL, json={"error": -201, "message": "invalid"})
    result = make_notifier().send(USER, OutboundMessage(text="x"), notice_id="n1")
    assert result == NoticeResult(channel="skipped", error="-201")
    assert len(responses.calls) == 1
    assert pending_items() == []


@responses.activate
def test_an_image_goes_first(recent_user):
    responses.post(CS_URL, json=ok("i1"))
    responses.post(CS_URL, json=ok("t1"))
    message = OutboundMessage(text="Giấy tiếp nhận", image_url="https://cdn.test/a.png")
    assert make_notifier().send(USER, message, notice_id="n1").message_ids == ["i1", "t1"]
    first = sent()[0]["message"]
    assert first["attachment"]["payload"]["template_type"] == "media"


def test_nothing_to_send_is_refused_before_anything_happens(aws):
    with pytest.raises(ValueError):
        make_notifier().send(USER, OutboundMessage(text="  "), notice_id="n1")
    assert get_table().get("JOB#notice:n1", "JOB") is None


def test_phone_numbers_are_written_84():
    assert phone_84("+84912345678") == "84912345678"
    assert phone_84("0912 345 678") == "84912345678"
    assert phone_84("84912345678") == "84912345678"
    assert phone_84("+14155550100") is None
    assert phone_84(None) is None


# --- review fixes -------------------------------------------------------------------------------


class DynamoCalls:
    """Counts DynamoDB API calls through botocore's event hooks."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, event_name: str, **kwargs) -> None:
        self.calls.append(event_name.rsplit(".", 1)[-1])  # "before-call.dynamodb.Query"

    def count(self, operation: str) -> int:
        return self.calls.count(operation)


@pytest.fixture
def dynamo_calls(aws) -> DynamoCalls:
    from chalicelib.platform.aws import client

    counter = DynamoCalls()
    client("dynamodb").meta.events.register("before-call.*.*", counter)
    return counter


def keep_pending(notice_ids: list[str]) -> None:
    """Keep one notice pending per id (Zalo refuses the consultation, no template)."""
    for notice_id in notice_ids:
        responses.post(CS_URL, json=outside_window())
        result = make_notifier().send(USER, OutboundMessage(text=notice_id), notice_id=notice_id)
        assert result.channel == "pending"


def test_a_notice_kept_while_the_pending_query_sees_nothing_is_still_counted(recent_user):
    table = get_table()
    pk = f"USER#{USER}"
    table.update(pk, "PROFILE", "SET pending_notices = :n", values={":n": 1})
    notifier = make_notifier()
    real_query = table.query

    def stale_query(*args, **kwargs):
        # Another worker keeps a notice for this user; the (eventually consistent) Query
        # does not see it yet.
        table.update(pk, "PROFILE", "ADD pending_notices :one", values={":one": 1})
        real_query(*args, **kwargs)
        return [], None

    notifier._notices._table.query = stale_query  # type: ignore[method-assign]
    assert notifier.deliver_pending(USER) == []
    assert recent_user.get(USER).pending_notices == 2  # the reset did not erase the new count


@responses.activate
def test_a_message_refused_halfway_is_kept_pending_without_the_parts_already_sent(recent_user):
    text = "\n".join(letter * 999 for letter in "abcde")  # 4,999 characters: three parts
    buttons = [OutboundButton(title="Menu", payload="#menu")]
    message = OutboundMessage(text=text, buttons=buttons)
    responses.post(CS_URL, json=ok("m0"))
    responses.post(CS_URL, json=outside_window())
    result = make_notifier().send(USER, message, notice_id="n1")
    assert result == NoticeResult(channel="pending", message_ids=["m0"])
    first_part = sent()[0]["message"]["text"]
    [item] = pending_items()
    assert first_part not in json.dumps(item, ensure_ascii=False)  # only the unsent parts
    assert recent_user.get(USER).pending_notices == 1
    assert records()[0]["message_ids"] == ["m0"]

    responses.post(CS_URL, json=ok("m1"))
    responses.post(CS_URL, json=ok("m2"))
    delivered = make_notifier(now=NOW + timedelta(days=1)).deliver_pending(USER)
    assert delivered == [NoticeResult(channel="consultation", message_ids=["m1", "m2"])]
    bodies = [b["message"] for b in sent()]
    received = [bodies[0], *bodies[2:]]  # bodies[1] is the refused attempt at part 1
    assert "\n".join(b["text"] for b in received) == text  # every part once, in order
    assert ["attachment" in b for b in received] == [False, False, True]  # buttons on the last
    assert received[-1]["attachment"]["payload"]["buttons"][0]["payload"] == "#menu"
    assert pending_items() == []
    assert recent_user.get(USER).pending_notices == 0


@responses.activate
def test_an_image_sent_before_a_refused_text_is_not_kept_pending(recent_user):
    responses.post(CS_URL, json=ok("i1"))
    responses.post(CS_URL, json=outside_window())
    message = OutboundMessage(text="Giấy tiếp nhận", image_url="https://cdn.test/a.png")
    assert make_notifier().send(USER, message, notice_id="n1").message_ids == ["i1"]
    responses.post(CS_URL, json=ok("t1"))
    assert make_notifier().deliver_pending(USER)[0].message_ids == ["t1"]
    assert [b["message"] for b in sent()[2:]] == [{"text": "Giấy tiếp nhận"}]


@responses.activate
def test_discarding_pending_notices_deletes_them_all_and_zeroes_the_counter(
    recent_user, dynamo_calls, capsys
):
    keep_pending(["n1", "n2"])
    assert recent_user.get(USER).pending_notices == 2
    dynamo_calls.calls.clear()

    assert make_notifier().discard_pending(USER) == 2
    # The documented cost: one Query, one DeleteItem per notice, one UpdateItem.
    assert sorted(dynamo_calls.calls) == ["DeleteItem", "DeleteItem", "Query", "UpdateItem"]
    assert pending_items() == []
    assert recent_user.get(USER).pending_notices == 0
    assert make_notifier().deliver_pending(USER) == []  # nothing left to deliver
    assert make_notifier().discard_pending(USER) == 0  # idempotent
    assert USER not in capsys.readouterr().out


def test_discarding_resets_a_drifted_counter_and_creates_no_profile(aws):
    table = get_table()
    assert make_notifier().discard_pending(USER) == 0
    assert table.get(f"USER#{USER}", "PROFILE") is None  # an unknown user stays unknown
    users = Users(table)
    users.touch(USER, NOW)
    table.update(f"USER#{USER}", "PROFILE", "SET pending_notices = :n", values={":n": 4})
    assert make_notifier().discard_pending(USER) == 0
    assert users.get(USER).pending_notices == 0


@responses.activate
def test_a_notice_kept_pending_as_a_whole_message_before_parts_were_stored_is_delivered(
    recent_user,
):
    buttons = [OutboundButton(title="Xem", payload="#x")]
    get_table().put(
        {
            "pk": f"USER#{USER}",
            "sk": "PENDING#2026-05-01T00:00:00.000Z#old",
            "notice_id": "old",
            "kind": "reply",
            "message": OutboundMessage(text="Cũ", buttons=buttons).model_dump_json(),
        }
    )
    responses.post(CS_URL, json=ok("m1"))
    assert make_notifier().deliver_pending(USER)[0].message_ids == ["m1"]
    [body] = sent()
    assert body["message"]["text"] == "Cũ"
    assert body["message"]["attachment"]["payload"]["buttons"][0]["payload"] == "#x"
