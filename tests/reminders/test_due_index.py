"""The sparse due index on dossier items: the next local date to look at a dossier."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.dossier import DossierStatus
from chalicelib.domain.reminders import ReminderRules, conditions, first_check
from tests.reminders.conftest import dossier, local, store

RULES = ReminderRules(supplement_days=3, pickup_days=3, fees_days=2)
CAL = default_calendar()


def _gsi3(code: str) -> dict:
    from chalicelib.storage.table import get_table

    item = get_table().get(f"DOSSIER#{code}", "DOSSIER")
    assert item is not None
    return {k: item.get(k) for k in ("gsi3pk", "gsi3sk")}


def test_an_accepted_dossier_is_first_checked_the_working_day_before_it_is_due():
    d = dossier(1, accepted=local(2026, 11, 30))  # Monday; 3 working days -> Thursday 3
    assert d.due_date == date(2026, 12, 3)
    names = {c.condition for c in conditions(d, RULES, CAL)}
    assert names == {"due_soon", "overdue"}
    assert first_check(d, RULES, CAL) == date(2026, 12, 2)
    # 24/11/2026 is a day off (Ngày Văn hóa Việt Nam): the window skips it
    earlier = dossier(2, accepted=local(2026, 11, 20))  # Fri; Mon 23, Wed 25, Thu 26
    assert earlier.due_date == date(2026, 11, 26)
    assert first_check(earlier, RULES, CAL) == date(2026, 11, 25)


def test_an_apology_slip_removes_due_soon_but_not_overdue():
    d = dossier(1, accepted=local(2026, 11, 30))
    d.reset_due_date(date(2026, 12, 8), local(2026, 12, 1), "Chờ ý kiến cơ quan phối hợp")
    found = {c.condition: c for c in conditions(d, RULES, CAL)}
    assert set(found) == {"overdue"}
    assert found["overdue"].starts == date(2026, 12, 9)


def test_citizen_conditions_count_working_days_from_the_status_entry():
    d = dossier(1, accepted=local(2026, 11, 23))
    d.transition(
        DossierStatus.SUPPLEMENT_REQUESTED, local(2026, 11, 27), "o", supplement_items=["Tờ khai"]
    )  # Friday
    (supplement,) = conditions(d, RULES, CAL)  # the clock is stopped: no agency condition
    assert supplement.condition == "supplement"
    assert supplement.starts == date(2026, 12, 2)  # Mon, Tue, Wed
    assert supplement.period == "h1"  # the history entry that asked


def test_status_10_invites_to_rate_once_and_final_statuses_need_nothing():
    d = dossier(1, accepted=local(2026, 11, 23))
    d.transition(DossierStatus.RESULT_READY, local(2026, 11, 25), "o")
    (pickup,) = conditions(d, RULES, CAL)
    assert (pickup.condition, pickup.starts) == ("result_pickup", date(2026, 11, 30))
    d.transition(DossierStatus.RESULT_DELIVERED, local(2026, 11, 26), "o")
    (rating,) = conditions(d, RULES, CAL)
    assert (rating.condition, rating.starts) == ("rating", date(2026, 11, 26))
    assert rating.period == "once"
    refused = dossier(2, accepted=local(2026, 11, 23))
    refused.transition(DossierStatus.STOPPED, local(2026, 11, 25), "o")
    assert conditions(refused, RULES, CAL) == []


def test_every_dossier_write_keeps_the_index(aws):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    d = dossier(1, accepted=local(2026, 11, 30))
    store(d)
    assert _gsi3(d.code) == {"gsi3pk": "DUE", "gsi3sk": f"2026-12-02#dossier#{d.code}"}
    repo = Dossiers(get_table())
    found = repo.get(d.code)
    assert found is not None
    d, version = found
    d.transition(DossierStatus.STOPPED, local(2026, 12, 1), "o")
    repo.save(d, read_version=version)
    assert _gsi3(d.code) == {"gsi3pk": None, "gsi3sk": None}


def test_the_next_check_moves_only_on_the_version_read(aws):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    d = dossier(1, accepted=local(2026, 11, 30))
    store(d)
    repo = Dossiers(get_table())
    assert repo.set_next_check(d.code, 1, date(2026, 12, 4))
    assert _gsi3(d.code)["gsi3sk"] == f"2026-12-04#dossier#{d.code}"
    assert not repo.set_next_check(d.code, 7, None)  # changed since: left alone
    assert repo.set_next_check(d.code, 1, None)
    assert _gsi3(d.code) == {"gsi3pk": None, "gsi3sk": None}
    assert d.due_date is not None and d.due_date + timedelta(days=1) == date(2026, 12, 4)


def test_quiet_hours_span_midnight_and_a_deferred_reminder_waits_for_the_morning():
    from chalicelib.reminders.runner import QuietHours

    quiet = QuietHours(21, 7)
    assert [h for h in range(24) if quiet.contains(h)] == [0, 1, 2, 3, 4, 5, 6, 21, 22, 23]
    assert QuietHours(7, 7).contains(3) is False  # equal hours: no quiet time
    assert [h for h in range(24) if QuietHours(12, 14).contains(h)] == [12, 13]


def test_the_digest_email_names_each_condition_without_personal_data():
    from chalicelib.reminders.digest import render
    from chalicelib.storage.digests import DigestEntry

    day = date(2026, 12, 2)
    entries = [
        DigestEntry(
            "000.00.17.H12", day, "due_soon", "dossier", "A-1", "Thủ tục A", 4, "2026-12-03"
        ),
        DigestEntry(
            "000.00.17.H12", day, "overdue", "dossier", "A-2", "Thủ tục B", 4, "2026-11-26", 4, 1
        ),
    ]
    subject, body = render("000.00.17.H12", day, entries)
    assert subject == "[Một cửa Cà Mau] Hồ sơ cần xử lý ngày 02/12/2026 – 000.00.17.H12 (2 mục)"
    assert body.index("Hồ sơ quá hạn: 1") < body.index("Hồ sơ đến hạn trong 1 ngày làm việc")
    assert "A-2 – Thủ tục B – hạn 26/11/2026 – trễ 4 ngày làm việc – 1 bất thường" in body


def test_a_supplement_sent_through_zalo_answers_the_request_and_notes_do_not_restart_periods():
    from chalicelib.domain.dossier import EVENT_SUPPLEMENT_RECEIVED

    d = dossier(1, accepted=local(2026, 11, 23))
    d.transition(
        DossierStatus.SUPPLEMENT_REQUESTED, local(2026, 11, 27), "o", supplement_items=["Tờ khai"]
    )
    d.note_event(EVENT_SUPPLEMENT_RECEIVED, local(2026, 11, 30), "citizen", "Tờ khai")
    assert conditions(d, RULES, CAL) == []
    fees = dossier(2, accepted=local(2026, 11, 23))
    fees.transition(DossierStatus.FINANCIAL_OBLIGATION, local(2026, 11, 25), "o")
    fees.note_event("some_note", local(2026, 11, 26), "citizen")
    reminder = next(c for c in conditions(fees, RULES, CAL) if c.condition == "fees")
    assert reminder.period == "h1"  # the status entry, not the note after it
    assert reminder.starts == date(2026, 11, 27)


def test_no_citizen_reminder_while_a_withdrawal_request_waits():
    d = dossier(1, accepted=local(2026, 11, 23))
    d.transition(DossierStatus.FINANCIAL_OBLIGATION, local(2026, 11, 25), "o")
    d.request_withdrawal(local(2026, 11, 26), "citizen", "")
    assert {c.condition for c in conditions(d, RULES, CAL)} == {"due_soon", "overdue"}
