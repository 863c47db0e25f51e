"""The inbound consumer: every effect exactly once, one user's events in order, no silence."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from chalicelib.inbound import consumer as inbound
from chalicelib.zalo import delivery
from tests.conftest import fixture_event

USER = "2468000000000000001"
NOW = int(time.time() * 1000)


def _record(raw: bytes | str, *, message_id: str, receive_count: int = 1, group: str = USER):
    body = raw.decode() if isinstance(raw, bytes) else raw
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "MessageGroupId": group,
            "MessageDeduplicationId": delivery.dedup_id(message_id),
        },
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


def fresh(raw: bytes | str, offset_ms: int = 0) -> str:
    """The event with a current timestamp: the messaging window is measured from it."""
    body = json.loads(raw)
    body["timestamp"] = str(int(time.time() * 1000) + offset_ms)
    return json.dumps(body, ensure_ascii=False)


def _event(*records):
    return {"Records": list(records)}


def _text_event(text: str, msg_id: str, timestamp: int | None = None) -> str:
    return json.dumps(
        {
            "app_id": "1234567890123456789",
            "sender": {"id": USER},
            "recipient": {"id": "3880000000000000001"},
            "event_name": "user_send_text",
            "message": {"text": text, "msg_id": msg_id},
            "timestamp": str(timestamp or int(time.time() * 1000)),
        },
        ensure_ascii=False,
    )


def test_follow_greets_the_citizen_once(zalo):
    raw = fresh(fixture_event("follow")[0])
    result = inbound.consume(_event(_record(raw, message_id="m1")))
    assert result == {"batchItemFailures": []}
    texts = zalo.texts_to(USER)
    assert texts and "Cà Mau" in texts[0]


def test_same_event_delivered_twice_gives_exactly_one_reply(zalo):
    raw = fresh(fixture_event("user_send_text")[0])
    inbound.consume(_event(_record(raw, message_id="m1")))
    sent_once = len(zalo.sent)
    assert sent_once >= 1
    # Delivered again at once, then again an hour later (a new SQS message each time).
    inbound.consume(_event(_record(raw, message_id="m2")))
    inbound.consume(_event(_record(raw, message_id="m3", receive_count=1)))
    assert len(zalo.sent) == sent_once


def test_echoes_and_receipts_never_trigger_a_reply(zalo):
    for name in ("oa_send_text_echo", "user_seen_message"):
        raw, _ = fixture_event(name)
        assert inbound.consume(_event(_record(raw, message_id=name))) == {"batchItemFailures": []}
    assert zalo.sent == []


def test_unknown_event_is_dropped_without_failure(zalo):
    body = json.dumps({"event_name": "user_reacted_message", "timestamp": "1", "sender": {}})
    assert inbound.consume(_event(_record(body, message_id="u1"))) == {"batchItemFailures": []}
    assert zalo.sent == []


def test_unfollow_is_recorded_without_reply(zalo):
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    follow = fresh(fixture_event("follow")[0])
    unfollow = fresh(fixture_event("unfollow")[0], 1000)
    inbound.consume(_event(_record(follow, message_id="f"), _record(unfollow, message_id="u")))
    replies = len(zalo.sent)
    assert Users(get_table()).get(USER).followed is False
    assert replies == len(zalo.texts_to(USER))  # nothing more went out for the unfollow
    inbound.consume(_event(_record(unfollow, message_id="u2")))
    assert len(zalo.sent) == replies


def test_a_failing_event_does_not_lose_or_rerun_the_others(zalo, monkeypatch):
    from chalicelib.conversation import engine

    real = engine.handle

    def flaky(session, turn, lookups, settings):
        if turn.text == "boom":
            raise RuntimeError("engine failure")
        return real(session, turn, lookups, settings)

    monkeypatch.setattr(engine, "handle", flaky)
    other_user = "2468000000000000999"
    good_other = _text_event("menu", "x1").replace(USER, other_user)
    records = [
        _record(_text_event("menu", "a1", NOW), message_id="r1"),
        _record(_text_event("boom", "a2", NOW + 1000), message_id="r2"),
        _record(_text_event("trợ giúp", "a3", NOW + 2000), message_id="r3"),
        _record(good_other, message_id="r4", group=other_user),
    ]
    result = inbound.consume(_event(*records))
    # r2 failed; r3 is of the same user after it, so it waits (order); r4 is another user's.
    assert result == {"batchItemFailures": [{"itemIdentifier": "r2"}, {"itemIdentifier": "r3"}]}
    first_round = len(zalo.texts_to(USER))
    assert first_round >= 1 and zalo.texts_to(other_user)

    monkeypatch.setattr(engine, "handle", real)
    retry = [
        _record(_text_event("menu", "a1", NOW), message_id="r1b"),
        _record(_text_event("boom", "a2", NOW + 1000), message_id="r2", receive_count=2),
        _record(_text_event("trợ giúp", "a3", NOW + 2000), message_id="r3", receive_count=2),
    ]
    assert inbound.consume(_event(*retry)) == {"batchItemFailures": []}
    texts = zalo.texts_to(USER)
    # r1 was not answered again; r2 and r3 were answered, in order.
    assert len(texts) > first_round
    assert texts[:first_round] == zalo.texts_to(USER)[:first_round]


def test_event_failed_halfway_resumes_without_repeating_sent_replies(zalo, monkeypatch):
    from chalicelib.notify.notifier import Notifier

    real_send = Notifier.send
    calls = {"n": 0}

    def second_send_fails(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("network down")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(Notifier, "send", second_send_fails)
    raw = fresh(fixture_event("follow")[0])
    first = inbound.consume(_event(_record(raw, message_id="h1")))
    assert first == {"batchItemFailures": [{"itemIdentifier": "h1"}]}
    sent_before_failure = list(zalo.sent)
    assert len(sent_before_failure) == 1

    second = inbound.consume(_event(_record(raw, message_id="h1", receive_count=2)))
    assert second == {"batchItemFailures": []}
    # The first reply was not sent again; the rest followed.
    assert zalo.sent[0] == sent_before_failure[0]
    texts = [m["message"]["text"] for m in zalo.sent]
    assert len(texts) == len(set(texts)) >= 2


def test_last_failed_attempt_sends_an_apology_instead_of_silence(zalo, monkeypatch):
    from chalicelib.conversation import engine, texts

    monkeypatch.setattr(engine, "handle", lambda *a: (_ for _ in ()).throw(RuntimeError("x")))
    raw = _text_event("tra cứu hồ sơ", "dead-1")
    first = inbound.consume(_event(_record(raw, message_id="d", receive_count=1)))
    assert first["batchItemFailures"] and zalo.sent == []
    last = inbound.consume(_event(_record(raw, message_id="d", receive_count=9)))
    assert last["batchItemFailures"] == [{"itemIdentifier": "d"}]
    assert zalo.texts_to(USER) == [texts.request_failed("0290 3 822 822")]
    # Even if the dead-lettered attempt is repeated, one apology only.
    inbound.consume(_event(_record(raw, message_id="d", receive_count=10)))
    assert len(zalo.texts_to(USER)) == 1


def test_every_user_event_moves_the_last_interaction_forward_only(zalo):
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    later = _text_event("menu", "t2", NOW + 60_000)
    earlier = _text_event("menu", "t1", NOW)
    inbound.consume(_event(_record(later, message_id="a"), _record(earlier, message_id="b")))
    profile = Users(get_table()).get(USER)
    assert int(profile.last_interaction_at.timestamp() * 1000) == NOW + 60_000


def test_messages_held_back_behind_a_failing_one_also_get_an_apology_on_their_last_receive(
    zalo, monkeypatch
):
    from chalicelib.conversation import engine, texts

    real = engine.handle

    def fails_on_boom(session, turn, lookups, settings):
        if turn.text == "boom":
            raise RuntimeError("engine failure")
        return real(session, turn, lookups, settings)

    monkeypatch.setattr(engine, "handle", fails_on_boom)
    batch = [
        _record(_text_event("boom", "last-1", NOW), message_id="a", receive_count=9),
        _record(_text_event("menu", "last-2", NOW + 1000), message_id="b", receive_count=9),
    ]
    result = inbound.consume(_event(*batch))
    assert result == {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]}
    apology = texts.request_failed("0290 3 822 822")
    assert zalo.texts_to(USER) == [apology, apology]


def test_records_are_not_started_when_the_function_is_about_to_time_out(zalo):
    class Event(dict):
        class context:
            @staticmethod
            def get_remaining_time_in_millis():
                return 10_000

        def to_dict(self):
            return dict(self)

    raw = _text_event("menu", "slow-1")
    result = inbound.consume(Event(_event(_record(raw, message_id="s"))))
    assert result == {"batchItemFailures": [{"itemIdentifier": "s"}]}
    assert zalo.sent == []


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"event_name": "user_send_text", "timestamp": "1"}),  # no sender
        json.dumps({"event_name": "follow", "timestamp": "1", "follower": "x"}),
    ],
)
def test_a_record_that_can_never_be_processed_is_dropped_not_retried(zalo, body):
    assert inbound.consume(_event(_record(body, message_id="m"))) == {"batchItemFailures": []}
    assert zalo.sent == []


def test_a_first_message_retried_before_its_plan_was_saved_still_shows_the_notice(
    zalo, monkeypatch
):
    from chalicelib.conversation import engine

    real = engine.handle
    seen_first: list[bool] = []

    def flaky_once(session, turn, lookups, settings):
        seen_first.append(turn.first_interaction)
        if len(seen_first) == 1:
            raise ConnectionError("lookup failed")
        return real(session, turn, lookups, settings)

    monkeypatch.setattr(engine, "handle", flaky_once)
    raw = _text_event("xin chào", "first-1")
    assert inbound.consume(_event(_record(raw, message_id="f")))["batchItemFailures"]
    assert inbound.consume(_event(_record(raw, message_id="f", receive_count=2))) == {
        "batchItemFailures": []
    }
    assert seen_first == [True, True]
    assert any("DỮ LIỆU CÁ NHÂN" in text for text in zalo.texts_to(USER))


def test_erasure_request_leaves_nothing_personal_reachable_from_the_zalo_user(zalo):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users
    from local.seed import sample_dossiers

    table = get_table()
    owned = sample_dossiers(datetime.now(tz=UTC))[0]  # linked to USER
    Dossiers(table).add(owned)
    table.put(
        {"pk": f"USER#{USER}", "sk": "PENDING#2026-01-01T00:00:00.000Z#n1", "notice_id": "n1"}
    )
    inbound.consume(_event(_record(_text_event("#consent:yes", "e1", NOW), message_id="e1")))
    assert Users(table).get(USER).consent_at is not None

    inbound.consume(_event(_record(_text_event("xóa dữ liệu", "e2", NOW + 1000), message_id="e2")))
    inbound.consume(_event(_record(_text_event("#erase:yes", "e3", NOW + 2000), message_id="e3")))

    assert Users(table).get(USER) is None  # only a hashed tombstone is left
    assert Users(table).erased_at(USER) is not None
    # the dossier is in progress: it stays linked (the law) and the answer says so
    assert [d.code for d in Dossiers(table).of_owner(USER, 5)] == [owned.code]
    assert owned.code in zalo.texts_to(USER)[-1]
    assert table.query(f"USER#{USER}", sk_prefix="PENDING#")[0] == []
    assert Dossiers(table).get(owned.code) is not None  # the dossier itself stays on record


def test_a_dossier_that_could_not_be_linked_is_not_announced_as_linked(zalo, monkeypatch):
    from chalicelib.conversation import texts
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import sample_dossiers

    dossier = sample_dossiers(datetime.now(tz=UTC))[1]
    Dossiers(get_table()).add(dossier.model_copy(update={"owner_zalo_user_id": None}))
    # Linked to another account between the applicant's proof and the effect.
    monkeypatch.setattr(Dossiers, "link_owner", lambda self, code, user_id: False)
    proof = f"{dossier.applicant.phone} {dossier.applicant.id_number}"
    turns = ["#consent:yes", f"#verify:{dossier.code}", proof]
    for n, text in enumerate(turns):
        raw = _text_event(text, f"l{n}", NOW + n * 1000)
        assert inbound.consume(_event(_record(raw, message_id=f"l{n}"))) == {
            "batchItemFailures": []
        }
    last = zalo.texts_to(USER)[-1]
    assert last == texts.applicant_link_failed(get_settings_hotline())
    assert texts.APPLICANT_CONFIRMED not in zalo.texts_to(USER)


def get_settings_hotline() -> str:
    from chalicelib.settings import get_settings

    return get_settings().CENTRE_HOTLINE


def test_a_plan_saved_before_replies_were_job_steps_still_sends_each_reply_once(zalo):
    """An event in flight across the deploy: its reply notices were jobs of their own."""
    from chalicelib.notify.model import OutboundMessage
    from chalicelib.root import get_notifier
    from chalicelib.storage.idempotency import Jobs
    from chalicelib.storage.table import get_table

    raw = _text_event("menu", "old1", NOW)
    key = delivery.dedup_id(delivery.delivery_key(json.loads(raw)))
    job = Jobs(get_table()).claim(f"event:{key}")
    at = datetime.fromtimestamp(NOW / 1000, tz=UTC).isoformat()
    job.save_plan(
        {
            "user_id": USER,
            "at": at,
            "follow": None,
            "actions": [],
            "session_read_version": None,
            "session": None,
            "replies": [{"text": "Một", "buttons": []}, {"text": "Hai", "buttons": []}],
            "deliver_pending": False,
        }
    )
    # The first reply went out as its own notice job before the worker died.
    get_notifier().send(USER, OutboundMessage(text="Một"), notice_id=f"{key}:reply0")
    job.release()
    assert inbound.consume(_event(_record(raw, message_id="old1"))) == {"batchItemFailures": []}
    assert zalo.texts_to(USER) == ["Một", "Hai"]


def _claim_linked_dossier(zalo, owner: str):
    """USER proves to be the applicant of a dossier linked to ``owner``; the events' raw bodies."""
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import sample_dossiers

    dossier = sample_dossiers(datetime.now(tz=UTC))[1]
    Dossiers(get_table()).add(dossier.model_copy(update={"owner_zalo_user_id": owner}))
    proof = f"{dossier.applicant.id_number} và {dossier.applicant.phone}"
    turns = ["#consent:yes", f"#verify:{dossier.code}", proof]
    raws = [_text_event(text, f"c{n}", NOW + n * 1000) for n, text in enumerate(turns)]
    for n, raw in enumerate(raws):
        assert inbound.consume(_event(_record(raw, message_id=f"c{n}"))) == {
            "batchItemFailures": []
        }
    return dossier, raws


def test_a_claim_on_a_dossier_linked_elsewhere_tells_the_owner_once_and_moves_nothing(zalo):
    from chalicelib.conversation import texts
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    owner = "2468000000000000099"
    dossier, raws = _claim_linked_dossier(zalo, owner)
    # Zalo delivers the proof again: no second notice to the owner.
    again = _record(raws[-1], message_id="c2-again", receive_count=1)
    assert inbound.consume(_event(again)) == {"batchItemFailures": []}

    assert Dossiers(get_table()).owner_of(dossier.code) == owner
    to_owner = zalo.texts_to(owner)
    assert to_owner == [texts.ownership_claimed_notice(dossier.code, get_settings_hotline())]
    assert dossier.applicant.phone not in to_owner[0] and USER not in to_owner[0]
    claimant = zalo.texts_to(USER)
    assert claimant[-1].startswith(texts.applicant_linked_elsewhere(get_settings_hotline()))
    assert texts.APPLICANT_CONFIRMED not in claimant


def test_the_claimant_can_ask_for_a_review_stored_once_for_officers(zalo):
    from chalicelib.conversation import texts
    from chalicelib.storage.table import get_table

    owner = "2468000000000000098"
    dossier, _ = _claim_linked_dossier(zalo, owner)
    raw = _text_event(f"#review:{dossier.code}", "r1", NOW + 5000)
    for attempt in (1, 2):  # redelivered
        record = _record(raw, message_id="r1", receive_count=attempt)
        assert inbound.consume(_event(record)) == {"batchItemFailures": []}
    items, _ = get_table().query(f"DOSSIER#{dossier.code}", sk_prefix="REVIEW#")
    assert len(items) == 1
    assert items[0]["claimant"] == USER and items[0]["state"] == "open"
    assert texts.OWNERSHIP_REVIEW_REQUESTED in zalo.texts_to(USER)[-1]
    assert len(zalo.texts_to(owner)) == 1
