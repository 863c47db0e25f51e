"""Recovery: the apology does not depend on Zalo being up, expired redrives are not re-run,
every record runs under the invocation's deadline."""

from __future__ import annotations

import time

from chalicelib.inbound import consumer as inbound
from chalicelib.zalo import client as zalo_client
from tests.inbound.test_processor import USER, _event, _record, _text_event

DOWN = {"error": -32, "message": "rate limited"}  # retried, then ZaloUnavailable
DAY_MS = 86_400_000


def _profile():
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    return Users(get_table()).get(USER)


def test_the_last_apology_is_kept_pending_when_zalo_is_down_and_delivered_next_time(
    zalo, monkeypatch
):
    from chalicelib.conversation import engine, texts

    monkeypatch.setattr(zalo_client.ZaloClient, "_delay", lambda self, attempt: 0.0)
    real = engine.handle
    monkeypatch.setattr(engine, "handle", lambda *a: (_ for _ in ()).throw(RuntimeError("x")))
    zalo.fail_next = [DOWN] * 10
    raw = _text_event("tra cứu hồ sơ", "dead-down")
    last = inbound.consume(_event(_record(raw, message_id="d", receive_count=9)))
    assert last["batchItemFailures"] == [{"itemIdentifier": "d"}]
    assert zalo.texts_to(USER) == []
    assert _profile().pending_notices == 1

    # Zalo is back; the citizen writes again: the apology goes out first-hand, once.
    monkeypatch.setattr(engine, "handle", real)
    zalo.fail_next = []
    inbound.consume(_event(_record(_text_event("menu", "next-1"), message_id="n")))
    apology = texts.request_failed("0290 3 822 822")
    assert zalo.texts_to(USER).count(apology) == 1
    assert _profile().pending_notices == 0


def test_an_event_older_than_the_job_retention_is_not_run_again(zalo, capsys):
    from chalicelib.conversation import texts
    from chalicelib.storage.idempotency import KEEP_DAYS_DEFAULT

    old = int(time.time() * 1000) - (KEEP_DAYS_DEFAULT + 1) * DAY_MS
    raw = _text_event("menu", "week-old", old)
    result = inbound.consume(_event(_record(raw, message_id="old")))
    assert result == {"batchItemFailures": []}
    # Only the apology, no answer to the week-old question.
    assert zalo.texts_to(USER) == [texts.request_failed("0290 3 822 822")]
    out = capsys.readouterr().out
    assert '"message": "event_dropped_expired"' in out  # the log line
    assert "EventDroppedExpired" in out  # the metric
    # Redriven again: still one apology.
    inbound.consume(_event(_record(raw, message_id="old2")))
    assert len(zalo.texts_to(USER)) == 1


def test_an_event_within_the_job_retention_is_processed(zalo):
    from chalicelib.conversation import texts
    from chalicelib.storage.idempotency import KEEP_DAYS_DEFAULT

    recent = int(time.time() * 1000) - (KEEP_DAYS_DEFAULT - 1) * DAY_MS
    inbound.consume(_event(_record(_text_event("menu", "recent", recent), message_id="r")))
    sent = zalo.texts_to(USER)
    assert sent and texts.request_failed("0290 3 822 822") not in sent


def test_every_record_runs_under_the_invocations_deadline(zalo, monkeypatch):
    from chalicelib.platform import deadline
    from chalicelib.root import get_processor

    seen = []
    monkeypatch.setattr(
        type(get_processor()), "process", lambda self, body: seen.append(deadline.current())
    )

    class Event(dict):
        class context:
            @staticmethod
            def get_remaining_time_in_millis():
                return 100_000

    inbound.consume(Event(_event(_record(_text_event("menu", "dl"), message_id="x"))))
    assert len(seen) == 1 and seen[0] is not None
    assert 90.0 < seen[0].remaining() <= 100.0 - deadline.MARGIN_MS / 1000
    assert deadline.current() is None
