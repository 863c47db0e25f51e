"""One run of the reminders schedule over moto: each reminder once (fired twice, retried),
quiet hours, the messaging window on the notifier's path, digests with their SES e-mail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import responses

from chalicelib.domain.dossier import DossierStatus
from tests.conftest import TEST_ENV
from tests.reminders.conftest import AGENCY, OWNER, dossier, local, store

CS_URL = f"{TEST_ENV['ZALO_API_BASE']}/v3.0/oa/message/cs"


def _supplement_dossier(seq: int = 1, **kwargs):
    d = dossier(seq, accepted=local(2026, 11, 23), **kwargs)
    d.transition(
        DossierStatus.SUPPLEMENT_REQUESTED,
        local(2026, 11, 27),  # Friday: due for a reminder on Wednesday 2 December
        "officer",
        supplement_items=["Bản sao giấy chứng sinh"],
    )
    store(d)
    return d


def _gsi3sk(code: str) -> str | None:
    from chalicelib.storage.table import get_table

    item = get_table().get(f"DOSSIER#{code}", "DOSSIER")
    assert item is not None
    return item.get("gsi3sk")


def _queue_bodies() -> list[dict]:
    from chalicelib.platform.aws import client

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="camau-zalo-inbound.fifo")["QueueUrl"]
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return bodies
        for message in got:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_a_supplement_reminder_goes_once_even_when_the_schedule_fires_twice(reminders_of):
    d = _supplement_dossier()
    run, outbox = reminders_of()
    assert run.run(local(2026, 12, 1, 8)).queued == 0  # not yet due
    first = run.run(local(2026, 12, 2, 8))
    second = run.run(local(2026, 12, 2, 8, 5))  # fired twice
    afternoon = run.run(local(2026, 12, 2, 14))
    assert (first.queued, second.queued, afternoon.queued) == (1, 0, 0)
    [notice] = outbox.queued
    assert notice.notice_id == f"reminder:dossier:{d.code}:supplement:h1"
    assert notice.user_id == OWNER and notice.kind == "reminder_supplement"
    assert "Bản sao giấy chứng sinh" in notice.message.text
    assert _gsi3sk(d.code) is None  # nothing can become due while it waits in status 5
    [body] = _queue_bodies()
    assert body["outbox_notice"]["notice_id"] == notice.notice_id


def test_a_retried_run_does_not_repeat_what_the_failed_run_queued(reminders_of, monkeypatch):
    from chalicelib.storage.digests import Digests

    d = _supplement_dossier()
    run, outbox = reminders_of()
    real = Digests.put_all
    monkeypatch.setattr(Digests, "put_all", lambda self, entries: (_ for _ in ()).throw(OSError))
    with pytest.raises(OSError):
        run.run(local(2026, 12, 2, 8))
    assert len(outbox.queued) == 1
    monkeypatch.setattr(Digests, "put_all", real)
    # The dossier's next check moved already; written again by the back office (same state),
    # it is due again: the job still says it was sent.
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    repo = Dossiers(get_table())
    found = repo.get(d.code)
    assert found is not None
    repo.save(found[0], read_version=found[1])
    assert _gsi3sk(d.code) == f"2026-12-02#dossier#{d.code}"
    retried = run.run(local(2026, 12, 2, 8, 10))
    assert (retried.queued, retried.already_sent) == (0, 1)
    assert len(outbox.queued) == 1
    assert _gsi3sk(d.code) is None


def test_no_citizen_reminder_in_the_quiet_hours_it_waits_for_the_morning(reminders_of):
    d = _supplement_dossier()
    run, outbox = reminders_of()
    night = run.run(local(2026, 12, 2, 22))
    assert (night.queued, night.deferred) == (0, 1)
    assert _gsi3sk(d.code) == f"2026-12-03#dossier#{d.code}"
    early = run.run(local(2026, 12, 3, 6, 59))
    assert (early.queued, early.deferred) == (0, 1)
    assert outbox.queued == []
    morning = run.run(local(2026, 12, 3, 7))
    assert morning.queued == 1 and len(outbox.queued) == 1


def test_a_dossier_without_zalo_user_is_reminded_by_phone_and_one_with_neither_is_skipped(
    reminders_of,
):
    by_phone = _supplement_dossier(1, owner=None)
    _supplement_dossier(2, owner=None, phone=None)
    run, outbox = reminders_of()
    report = run.run(local(2026, 12, 2, 8))
    assert report.queued == 1
    [notice] = outbox.queued
    assert notice.user_id is None and notice.phone == "+84912345678"
    assert notice.notice_id.startswith(f"reminder:dossier:{by_phone.code}:")


def test_the_rating_invitation_goes_once_with_five_score_buttons(reminders_of):
    d = dossier(1, accepted=local(2026, 11, 23))
    d.transition(DossierStatus.RESULT_READY, local(2026, 11, 25), "o")
    d.transition(DossierStatus.RESULT_DELIVERED, local(2026, 12, 1, 10), "o")
    store(d)
    run, outbox = reminders_of()
    assert run.run(local(2026, 12, 2, 8)).queued == 1
    assert run.run(local(2026, 12, 9, 8)).queued == 0
    [notice] = outbox.queued
    assert notice.notice_id == f"reminder:dossier:{d.code}:rating:once"
    payloads = [b.payload for b in notice.message.buttons]
    assert payloads == [f"#rate:{d.code}:{n}" for n in range(1, 6)]
    assert _gsi3sk(d.code) is None  # final, invited: off the index


@pytest.mark.parametrize("days_since_interaction, channel", [(1, "consultation"), (10, "pending")])
def test_a_queued_reminder_goes_through_the_notifier_and_its_window(
    reminders_of, days_since_interaction, channel
):
    from chalicelib.root import get_processor, get_token_manager
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    get_token_manager().store_initial_pair("access", "refresh", "90000")
    Users(get_table()).touch(OWNER, datetime.now(UTC) - timedelta(days=days_since_interaction))
    _supplement_dossier()
    run, _ = reminders_of()
    run.run(local(2026, 12, 2, 8))
    [body] = _queue_bodies()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as zalo:
        refused = {"error": -230, "message": "User has not interacted in the last 7 days"}
        accepted = {"error": 0, "data": {"message_id": "m1"}}
        zalo.post(CS_URL, json=accepted if channel == "consultation" else refused)
        get_processor().process(json.dumps(body, ensure_ascii=False))
        get_processor().process(json.dumps(body, ensure_ascii=False))  # redelivered
        sends = [c for c in zalo.calls if c.request.url == CS_URL]
    records = get_table().query(f"USER#{OWNER}", sk_prefix="NOTICE#")[0]
    assert [r["channel"] for r in records] == [channel]
    assert len(sends) == 1  # inside: sent; outside: one attempt refused, then kept pending
    pending = get_table().query(f"USER#{OWNER}", sk_prefix="PENDING#")[0]
    assert len(pending) == (1 if channel == "pending" else 0)


@pytest.fixture
def ses(aws, monkeypatch):
    from chalicelib.platform.aws import client

    monkeypatch.setenv("DIGEST_EMAIL_SENDER", "digest@camau.test")
    monkeypatch.setenv("DIGEST_EMAILS", json.dumps({AGENCY: "motcua@agency.test"}))
    ses = client("ses")
    ses.verify_email_identity(EmailAddress="digest@camau.test")
    return ses


def test_agency_digest_lists_due_soon_and_overdue_and_is_emailed_once(reminders_of, ses):
    from chalicelib.reminders.digest import DigestMailer
    from chalicelib.settings import get_settings
    from chalicelib.storage.digests import Digests
    from chalicelib.storage.table import get_table

    due_soon = dossier(1, accepted=local(2026, 11, 30))  # due Thursday 3 December
    overdue = dossier(2, accepted=local(2026, 11, 20))  # was due Thursday 26 November
    apologised = dossier(3, accepted=local(2026, 11, 30))
    apologised.reset_due_date(local(2026, 12, 10).date(), local(2026, 12, 1), "Chờ xác minh")
    later = dossier(4, accepted=local(2026, 12, 1))  # due Friday 4: not yet
    for d in (due_soon, overdue, apologised, later):
        store(d)
    settings = get_settings()
    mailer = DigestMailer(ses, settings.DIGEST_EMAIL_SENDER, settings.digest_emails())
    run, outbox = reminders_of(mailer=mailer)
    report = run.run(local(2026, 12, 2, 8))
    again = run.run(local(2026, 12, 2, 14))
    assert (report.read, report.digest_entries, report.emails) == (2, 2, 1)
    assert (again.read, again.emails) == (0, 0)  # moved on to tomorrow
    assert outbox.queued == []  # agencies' conditions are not citizens' reminders
    today = Digests(get_table()).of_day(AGENCY, local(2026, 12, 2).date())
    entries = {(e.condition, e.ref): e for e in today}
    assert set(entries) == {("due_soon", due_soon.code), ("overdue", overdue.code)}
    assert entries[("overdue", overdue.code)].days_late == 4  # 27, 30 Nov, 1, 2 Dec
    assert ses.get_send_quota()["SentLast24Hours"] == 1
    tomorrow = run.run(local(2026, 12, 3, 8))
    day_after = Digests(get_table()).of_day(AGENCY, local(2026, 12, 3).date())
    assert {(e.condition, e.ref) for e in day_after} == {
        ("due_soon", due_soon.code),  # due today
        ("due_soon", later.code),  # due tomorrow
        ("overdue", overdue.code),  # still late, one day more
    }
    assert tomorrow.emails == 1
    assert ses.get_send_quota()["SentLast24Hours"] == 2


def test_a_run_reads_only_what_is_due(reminders_of):
    for seq in range(1, 4):
        _supplement_dossier(seq)
    for seq in range(4, 10):
        store(dossier(seq, accepted=local(2026, 12, 1)))  # due 4 Dec: first check 3 Dec
    run, _ = reminders_of(max_items=2)
    first = run.run(local(2026, 12, 2, 8))
    assert (first.read, first.queued, first.more_left) == (2, 2, True)
    rest = run.run(local(2026, 12, 2, 8, 1))
    assert (rest.read, rest.queued, rest.more_left) == (1, 1, False)


def test_the_digest_counts_the_anomalies_the_back_office_history_carries(reminders_of):
    from chalicelib.storage.digests import Digests
    from chalicelib.storage.table import get_table

    late = dossier(1, accepted=local(2026, 11, 20))  # due 26 November
    # An apology sent on the due date itself: recorded, flagged "apology_too_late"; the new
    # date has passed too, so the dossier is overdue.
    recorded = late.record(
        DossierStatus.ACCEPTED,
        local(2026, 11, 26),
        "officer-1",
        apology=True,
        due_date=local(2026, 11, 30).date(),
        reason="Chờ ý kiến cơ quan phối hợp",
    )
    assert recorded.anomalies == ("apology_too_late",)
    store(late)
    run, _ = reminders_of()
    run.run(local(2026, 12, 2, 8))
    [entry] = Digests(get_table()).of_day(AGENCY, local(2026, 12, 2).date())
    assert (entry.condition, entry.anomalies, entry.due_date) == ("overdue", 1, "2026-11-30")


def test_fees_reminder_says_how_much_and_links_the_payment(reminders_of):
    from chalicelib.domain.dossier import Fee

    d = dossier(1, accepted=local(2026, 11, 23))
    d.record(
        DossierStatus.FINANCIAL_OBLIGATION,
        local(2026, 11, 26),
        "officer-1",
        fee=Fee(amount=150000, purpose="lệ phí", payment_url="https://pay.example.invalid/x"),
    )
    store(d)
    run, outbox = reminders_of()
    assert run.run(local(2026, 12, 1, 8)).queued == 1  # Thu + 2 working days: Mon 30/11
    [notice] = outbox.queued
    assert "150.000 đồng (lệ phí)" in notice.message.text
    pay = notice.message.buttons[0]
    assert (pay.type, pay.payload) == ("oa.open.url", "https://pay.example.invalid/x")


def test_an_electronic_result_alone_needs_no_pickup_reminder():
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.domain.dossier import DossierResult
    from chalicelib.domain.reminders import ReminderRules, conditions

    d = dossier(1, accepted=local(2026, 11, 23))
    d.record(
        DossierStatus.RESULT_READY,
        local(2026, 11, 25),
        "officer-1",
        result=DossierResult(url="https://result.example.invalid/1"),
    )
    assert conditions(d, ReminderRules(), default_calendar()) == []
    paper = dossier(2, accepted=local(2026, 11, 23))
    paper.record(
        DossierStatus.RESULT_READY,
        local(2026, 11, 25),
        "officer-1",
        result=DossierResult(pickup="Bộ phận một cửa UBND phường An Xuyên"),
    )
    [pickup] = conditions(paper, ReminderRules(), default_calendar())
    assert pickup.condition == "result_pickup"
