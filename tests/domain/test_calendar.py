"""Working days, clock start and due dates in Asia/Ho_Chi_Minh (2026 calendar)."""

import json
import subprocess
import sys
import warnings
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from chalicelib.domain.calendar import (
    DEFAULT_DECISIONS_PATH,
    LOCAL_TZ,
    NaiveDatetimeError,
    WorkingCalendar,
    calendar_from_decisions,
    decisions_staleness,
    default_calendar,
)

ROOT = Path(__file__).resolve().parents[2]


def local(y, m, d, hh=9, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=LOCAL_TZ)


@pytest.fixture(scope="module")
def calendar():
    return default_calendar()


@pytest.fixture(scope="module")
def package_only():
    return WorkingCalendar()


# ---------------------------------------------------------------- which days are working days


@pytest.mark.parametrize("day", [16, 17, 18, 19, 20])
def test_lunar_new_year_2026_is_not_a_working_day(calendar, day):
    assert not calendar.is_working_day(date(2026, 2, day))


def test_working_days_around_lunar_new_year_2026(calendar):
    assert calendar.is_working_day(date(2026, 2, 13))  # Friday before Tết
    assert calendar.is_working_day(date(2026, 2, 23))  # Monday after


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),  # New Year
        date(2026, 4, 27),  # Hùng Kings' day falls on Sunday 26/4: observed on Monday
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 8, 31),  # Monday swapped for Saturday 22/8
        date(2026, 9, 1),
        date(2026, 9, 2),
        date(2026, 11, 24),  # Vietnam Culture Day, a day off from 2026
    ],
)
def test_2026_public_holidays_are_not_working_days(calendar, holiday):
    assert not calendar.is_working_day(holiday)


def test_new_year_2026_swap_friday_off_saturday_worked(calendar, package_only):
    # Công văn 12729/VPCP-KGVX: the holidays package does not know this swap.
    assert not calendar.is_working_day(date(2026, 1, 2))
    assert calendar.is_working_day(date(2026, 1, 10))
    assert package_only.is_working_day(date(2026, 1, 2))


@pytest.mark.parametrize("day", [4, 5, 8, 9, 10])
def test_lunar_new_year_2027_is_not_a_working_day(calendar, day):
    assert not calendar.is_working_day(date(2027, 2, day))


def test_make_up_saturday_22_august_2026_is_a_working_day(calendar):
    assert calendar.is_working_day(date(2026, 8, 22))
    assert calendar.is_working_day(date(2026, 9, 3))


def test_weekends_are_not_working_days(calendar):
    assert not calendar.is_working_day(date(2026, 11, 28))
    assert not calendar.is_working_day(date(2026, 11, 29))
    assert calendar.is_working_day(date(2026, 11, 27))


def test_holidays_package_alone_knows_the_2026_national_day_swap(package_only):
    # What holidays 0.108 says today; the decisions file repeats it so a package change
    # cannot silently move deadlines.
    assert not package_only.is_working_day(date(2026, 8, 31))
    assert package_only.is_working_day(date(2026, 8, 22))


def test_extra_day_off_makes_a_weekday_non_working():
    bridging = date(2026, 5, 4)
    assert WorkingCalendar().is_working_day(bridging)
    assert not WorkingCalendar(extra_days_off={bridging}).is_working_day(bridging)


def test_extra_working_day_overrides_weekend_and_package_holiday():
    saturday, holiday = date(2026, 10, 10), date(2026, 11, 24)
    calendar = WorkingCalendar(extra_working_days={saturday, holiday})
    assert calendar.is_working_day(saturday)
    assert calendar.is_working_day(holiday)


def test_same_date_off_and_working_is_rejected():
    day = date(2026, 5, 4)
    with pytest.raises(ValueError):
        WorkingCalendar(extra_days_off={day}, extra_working_days={day})


# ---------------------------------------------------------------- arithmetic


def test_add_working_days_skips_weekend(calendar):
    assert calendar.add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_add_working_days_skips_lunar_new_year(calendar):
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)


def test_add_zero_working_days_returns_the_same_day(calendar):
    assert calendar.add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 28)


def test_add_negative_working_days_goes_back(calendar):
    assert calendar.add_working_days(date(2026, 11, 30), -1) == date(2026, 11, 27)


def test_working_days_between_counts_end_not_start(calendar):
    assert calendar.working_days_between(date(2026, 11, 23), date(2026, 11, 27)) == 3  # 24 off
    assert calendar.working_days_between(date(2026, 11, 27), date(2026, 11, 23)) == -3
    assert calendar.working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0


# ---------------------------------------------------------------- clock start


def test_received_before_cutoff_counts_from_the_same_day(calendar):
    assert calendar.clock_start(local(2026, 11, 23, 14, 59)) == date(2026, 11, 23)


def test_received_exactly_at_cutoff_counts_from_the_same_day(calendar):
    assert calendar.clock_start(local(2026, 11, 23, 15, 0, 0)) == date(2026, 11, 23)


def test_received_after_cutoff_counts_from_next_working_day(calendar):
    # Monday 23/11 at 15:01; Tuesday 24/11 is Vietnam Culture Day.
    assert calendar.clock_start(local(2026, 11, 23, 15, 1)) == date(2026, 11, 25)


def test_received_on_saturday_counts_from_monday(calendar):
    assert calendar.clock_start(local(2026, 11, 28, 9, 0)) == date(2026, 11, 30)


def test_clock_start_uses_local_time_not_utc(calendar):
    # 08:30 UTC is 15:30 in Cà Mau: after the cut-off.
    assert calendar.clock_start(datetime(2026, 11, 27, 8, 30, tzinfo=UTC)) == date(2026, 11, 30)
    # 20:00 UTC on Sunday is 03:00 on Monday in Cà Mau.
    assert calendar.clock_start(datetime(2026, 11, 29, 20, 0, tzinfo=UTC)) == date(2026, 11, 30)


def test_naive_datetime_is_rejected(calendar):
    with pytest.raises(NaiveDatetimeError):
        calendar.clock_start(datetime(2026, 11, 23, 9, 0))


def test_configured_cutoff_is_used():
    calendar = WorkingCalendar(cutoff=time(16, 30))
    assert calendar.clock_start(local(2026, 11, 23, 16, 0)) == date(2026, 11, 23)


# ---------------------------------------------------------------- due dates
# Bộ luật Dân sự 2015 art. 147-148: the day of receipt is not counted; counting starts the
# next day and the last day counts whole. After 15:00 or on a day off the dossier counts as
# received on the next working day. Check each row with a calendar:
#   2026: Thu 1/1 New Year, Fri 2/1 off (swap), Sat 10/1 worked; Tết Mon 16 - Fri 20/2;
#   Mon 27/4 (Giỗ Tổ observed), Thu 30/4, Fri 1/5; Sat 22/8 worked, Mon 31/8, Tue 1/9,
#   Wed 2/9 off; Tue 24/11 off. 2027: Tết Thu 4 - Wed 10/2 (mùng 1 is Sat 6/2).

DUE_DATES = [
    # (received at, local time, limit in working days, due date, why)
    (local(2026, 11, 30, 9, 0), 3, date(2026, 12, 3), "Mon morning + 3 = Thu"),
    (local(2026, 11, 30, 15, 0), 3, date(2026, 12, 3), "15:00:00 still counts as Mon"),
    (local(2026, 11, 30, 16, 0), 3, date(2026, 12, 4), "after 15:00: received Tue, due Fri"),
    (local(2026, 11, 28, 10, 0), 3, date(2026, 12, 3), "Saturday: received Mon, due Thu"),
    (local(2026, 11, 30, 9, 0), 0, date(2026, 11, 30), "trong ngày: the same day"),
    (local(2026, 11, 30, 16, 0), 0, date(2026, 12, 1), "trong ngày after 15:00: next day"),
    (local(2026, 11, 27, 9, 0), 1, date(2026, 11, 30), "Fri + 1 = Mon"),
    (local(2026, 11, 23, 9, 0), 1, date(2026, 11, 25), "Tue 24/11 is a day off"),
    (local(2026, 11, 23, 16, 0), 1, date(2026, 11, 26), "received Wed 25/11, due Thu"),
    (local(2026, 11, 30, 9, 0), 15, date(2026, 12, 21), "three weeks"),
    (local(2025, 12, 31, 9, 0), 1, date(2026, 1, 5), "1/1 holiday, 2/1 swapped off"),
    (local(2026, 1, 9, 9, 0), 1, date(2026, 1, 10), "Sat 10/1/2026 is worked"),
    (local(2026, 1, 10, 9, 0), 0, date(2026, 1, 10), "received on the worked Saturday"),
    (local(2026, 2, 12, 10, 0), 3, date(2026, 2, 24), "Fri 13/2, Tết, Mon 23, Tue 24"),
    (local(2026, 2, 13, 16, 0), 1, date(2026, 2, 24), "after 15:00 before Tết: rec. 23/2"),
    (local(2026, 4, 23, 9, 0), 3, date(2026, 4, 29), "Mon 27/4 Giỗ Tổ observed"),
    (local(2026, 4, 28, 9, 0), 3, date(2026, 5, 5), "30/4 and 1/5 off"),
    (local(2026, 8, 21, 10, 0), 1, date(2026, 8, 22), "Sat 22/8/2026 is worked"),
    (local(2026, 8, 28, 9, 0), 1, date(2026, 9, 3), "31/8, 1/9, 2/9 off"),
    (local(2027, 2, 3, 9, 0), 2, date(2027, 2, 12), "Tết 2027: Thu 11/2, Fri 12/2"),
    (datetime(2026, 11, 30, 8, 30, tzinfo=UTC), 1, date(2026, 12, 2), "08:30 UTC = 15:30"),
    (datetime(2026, 11, 29, 20, 0, tzinfo=UTC), 1, date(2026, 12, 1), "Sun 20:00 UTC = Mon"),
]


@pytest.mark.parametrize(
    ("received_at", "limit", "expected", "why"), DUE_DATES, ids=[row[3] for row in DUE_DATES]
)
def test_due_date_table(calendar, received_at, limit, expected, why):
    assert calendar.due_date(received_at, limit) == expected, why


def test_negative_limit_is_rejected(calendar):
    with pytest.raises(ValueError):
        calendar.due_date(local(2026, 11, 23), -1)


def test_supplement_starts_the_full_time_limit_again_from_the_complete_dossier(calendar):
    first = calendar.due_date(local(2026, 11, 23, 9, 0), 5)
    restarted = calendar.due_date_after_supplement(local(2026, 11, 27, 9, 0), 5)
    assert first == date(2026, 12, 1)  # 25, 26, 27, 30, 1 (24 is a day off)
    assert restarted == date(2026, 12, 4)  # 30, 1, 2, 3, 4


def test_a_pause_moves_the_due_date_by_its_working_days(calendar):
    # Fees notified Wed 2/12, paid Mon 7/12: Thu 3, Fri 4, Mon 7 do not count.
    moved = calendar.extend_by_pause(
        date(2026, 12, 10), local(2026, 12, 2, 10), local(2026, 12, 7, 14)
    )
    assert moved == date(2026, 12, 15)


def test_a_pause_within_one_day_moves_nothing(calendar):
    due = date(2026, 12, 10)
    assert calendar.extend_by_pause(due, local(2026, 12, 2, 9), local(2026, 12, 2, 16)) == due


# ---------------------------------------------------------------- overdue


def test_finishing_late_on_the_due_day_is_on_time(calendar):
    assert not calendar.is_overdue(date(2026, 11, 30), local(2026, 11, 30, 23, 59))


def test_open_dossier_is_overdue_the_day_after_the_due_date(calendar):
    assert calendar.is_overdue(date(2026, 11, 30), local(2026, 12, 1, 0, 1))


def test_finished_on_time_is_never_overdue_later(calendar):
    assert not calendar.is_overdue(
        date(2026, 11, 30), now=local(2027, 1, 5), finished_at=local(2026, 11, 30, 10)
    )


def test_finished_late_stays_overdue(calendar):
    assert calendar.is_overdue(
        date(2026, 11, 30), now=local(2026, 12, 1), finished_at=local(2026, 12, 1, 8)
    )


# ---------------------------------------------------------------- configuration


def test_decisions_file_is_loaded_into_the_default_calendar():
    decisions = json.loads(DEFAULT_DECISIONS_PATH.read_text(encoding="utf-8"))
    calendar = default_calendar()
    for entry in decisions["days_off"]:
        assert date.fromisoformat(entry["date"]) in calendar.extra_days_off
    for entry in decisions["working_days"]:
        assert date.fromisoformat(entry["date"]) in calendar.extra_working_days


def test_every_decision_names_its_source_and_status():
    decisions = json.loads(DEFAULT_DECISIONS_PATH.read_text(encoding="utf-8"))
    for entry in decisions["days_off"] + decisions["working_days"]:
        assert entry["source"].strip(), entry
        assert entry["status"] in {"confirmed", "law", "unconfirmed"}, entry


def test_decided_days_off_are_weekdays_and_decided_working_days_are_weekends():
    # A day off on a Sunday or a "working" Tuesday would be a typo in the file.
    decisions = json.loads(DEFAULT_DECISIONS_PATH.read_text(encoding="utf-8"))
    for entry in decisions["days_off"]:
        assert date.fromisoformat(entry["date"]).weekday() < 5, entry
    for entry in decisions["working_days"]:
        assert date.fromisoformat(entry["date"]).weekday() >= 5, entry


def test_unconfirmed_decisions_are_flagged_as_such():
    decisions = json.loads(DEFAULT_DECISIONS_PATH.read_text(encoding="utf-8"))
    status = {e["date"]: e["status"] for e in decisions["days_off"] + decisions["working_days"]}
    assert status["2026-01-02"] == status["2026-01-10"] == "confirmed"
    assert status["2026-11-24"] == status["2026-08-31"] == status["2026-08-22"] == "unconfirmed"
    assert status["2027-02-04"] == status["2027-09-03"] == "unconfirmed"
    assert status["2027-01-01"] == "law"


def test_decisions_file_covers_the_current_year():
    # Fails on 1 January of a year nobody has entered yet: the calendar must not go stale.
    decisions = json.loads(DEFAULT_DECISIONS_PATH.read_text(encoding="utf-8"))
    today = datetime.now(LOCAL_TZ).date()
    problems, upcoming = decisions_staleness(decisions, today)
    assert problems == []
    for message in upcoming:  # from 1 October: a reminder, never a red build
        warnings.warn(message, UserWarning, stacklevel=1)


@pytest.mark.parametrize(
    ("today", "problems", "warned"),
    [
        (date(2026, 6, 1), 0, False),  # 2026 has entries; too early to ask for 2027
        (date(2026, 10, 1), 0, False),  # 2027 has a confirmed entry
        (date(2027, 10, 1), 0, True),  # 2028 has nothing
        (date(2028, 1, 2), 1, False),  # it is 2028 and 2028 has nothing: a failure
    ],
)
def test_decisions_staleness(today, problems, warned):
    decisions = {
        "days_off": [
            {"date": "2026-01-02", "status": "confirmed"},
            {"date": "2027-02-05", "status": "unconfirmed"},
        ],
        "working_days": [{"date": "2027-01-09", "status": "confirmed"}],
    }
    found, warnings_found = decisions_staleness(decisions, today)
    assert len(found) == problems
    assert bool(warnings_found) is warned


def test_next_year_with_only_unconfirmed_or_law_entries_is_warned_about():
    decisions = {
        "days_off": [
            {"date": "2026-01-02", "status": "confirmed"},
            {"date": "2027-01-01", "status": "law"},
            {"date": "2027-02-05", "status": "unconfirmed"},
        ]
    }
    assert decisions_staleness(decisions, date(2026, 9, 30)) == ([], [])
    assert decisions_staleness(decisions, date(2026, 10, 1))[1]


def test_default_calendar_is_cached():
    assert default_calendar() is default_calendar()


def test_missing_decisions_file_fails_loudly(tmp_path):
    with pytest.raises(FileNotFoundError):
        default_calendar(str(tmp_path / "absent.json"))


def test_calendar_from_decisions_reads_cutoff_and_dates():
    calendar = calendar_from_decisions(
        {"_note": "x", "cutoff": "16:00", "days_off": [{"date": "2026-05-04"}]}
    )
    assert calendar.cutoff == time(16, 0)
    assert not calendar.is_working_day(date(2026, 5, 4))


def test_malformed_decision_date_is_rejected():
    with pytest.raises(ValueError):
        calendar_from_decisions({"days_off": [{"date": "2026-02-30"}]})


@pytest.mark.parametrize(
    "module",
    ["chalicelib.domain.calendar", "chalicelib.domain.dossier", "chalicelib.catalogue.search"],
)
def test_importing_domain_modules_does_not_import_holidays(module):
    # Cold-start budget: the holidays package is loaded on the first deadline computation.
    code = f"import sys, {module}; print('holidays' in sys.modules, 'stdnum' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False False"
