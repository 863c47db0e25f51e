"""Working days, clock start and due dates in Asia/Ho_Chi_Minh (2026 calendar)."""

import json
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from chalicelib.domain.calendar import (
    DEFAULT_DECISIONS_PATH,
    LOCAL_TZ,
    NaiveDatetimeError,
    WorkingCalendar,
    calendar_from_decisions,
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


def test_one_day_limit_received_in_the_morning_is_due_the_same_day(calendar):
    assert calendar.due_date(local(2026, 11, 23, 9, 0), 1) == date(2026, 11, 23)


def test_three_day_limit_counts_the_clock_start_day_as_day_one(calendar):
    assert calendar.due_date(local(2026, 11, 30, 9, 0), 3) == date(2026, 12, 2)


def test_due_date_jumps_over_lunar_new_year(calendar):
    # Thu 12/2 (day 1), Fri 13/2 (day 2), Tết 16-20/2, Mon 23/2 (day 3).
    assert calendar.due_date(local(2026, 2, 12, 10, 0), 3) == date(2026, 2, 23)


def test_due_date_counts_the_make_up_saturday(calendar):
    assert calendar.due_date(local(2026, 8, 21, 10, 0), 2) == date(2026, 8, 22)


def test_due_date_after_cutoff_starts_next_working_day(calendar):
    assert calendar.due_date(local(2026, 11, 27, 16, 0), 1) == date(2026, 11, 30)


def test_zero_day_limit_is_due_on_clock_start_day(calendar):
    assert calendar.due_date(local(2026, 11, 23, 9, 0), 0) == date(2026, 11, 23)


def test_negative_limit_is_rejected(calendar):
    with pytest.raises(ValueError):
        calendar.due_date(local(2026, 11, 23), -1)


def test_supplement_restarts_the_full_time_limit_from_the_complete_dossier(calendar):
    first = calendar.due_date(local(2026, 11, 23, 9, 0), 5)
    restarted = calendar.due_date_after_supplement(local(2026, 11, 27, 9, 0), 5)
    assert first == date(2026, 11, 30)  # 23, 25, 26, 27, 30 (24 is a holiday)
    assert restarted == date(2026, 12, 3)  # 27, 30, 1, 2, 3


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
