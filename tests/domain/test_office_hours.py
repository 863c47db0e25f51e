"""Office hours of live conversations: slots on working days, Asia/Ho_Chi_Minh, and the next
opening (which names an off-hours period)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from chalicelib.domain.calendar import LOCAL_TZ, NaiveDatetimeError, default_calendar
from chalicelib.domain.office_hours import OfficeHours, parse_slots

HOURS = OfficeHours.from_setting(default_calendar())


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (local(2026, 12, 2, 7, 29), False),
        (local(2026, 12, 2, 7, 30), True),  # a slot starts open
        (local(2026, 12, 2, 11, 29), True),
        (local(2026, 12, 2, 11, 30), False),  # and ends closed
        (local(2026, 12, 2, 12, 0), False),  # lunch
        (local(2026, 12, 2, 13, 30), True),
        (local(2026, 12, 2, 16, 59), True),
        (local(2026, 12, 2, 17, 0), False),
        (local(2026, 12, 5, 9, 0), False),  # Saturday
        (local(2026, 9, 2, 9, 0), False),  # National Day
        (datetime(2026, 12, 2, 2, 0, tzinfo=UTC), True),  # 09:00 local, given in UTC
    ],
)
def test_open_only_in_slots_of_working_days(moment: datetime, open_: bool) -> None:
    assert HOURS.is_open(moment) is open_


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        (local(2026, 12, 2, 6, 0), local(2026, 12, 2, 7, 30)),  # early morning
        (local(2026, 12, 2, 12, 0), local(2026, 12, 2, 13, 30)),  # lunch
        (local(2026, 12, 2, 20, 0), local(2026, 12, 3, 7, 30)),  # evening
        (local(2026, 12, 4, 18, 0), local(2026, 12, 7, 7, 30)),  # Friday evening -> Monday
        (local(2026, 8, 31, 18, 0), local(2026, 9, 3, 7, 30)),  # National Day holidays
        (local(2026, 12, 2, 9, 0), local(2026, 12, 2, 13, 30)),  # open: the next slot
    ],
)
def test_the_next_opening(moment: datetime, opening: datetime) -> None:
    assert HOURS.next_opening(moment) == opening


def test_one_off_hours_period_has_one_name() -> None:
    evening, night = local(2026, 12, 2, 17, 5), local(2026, 12, 3, 2, 0)
    assert HOURS.next_opening(evening) == HOURS.next_opening(night)


@pytest.mark.parametrize(
    "text", ["", "07:30", "11:30-07:30", "07:30-12:00,11:00-17:00", "7h30-11h30", "a-b"]
)
def test_bad_slots_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_slots(text)


def test_slots_are_configurable() -> None:
    assert parse_slots(" 08:00-12:00 , 13:00-16:30 ") == (
        (time(8), time(12)),
        (time(13), time(16, 30)),
    )


def test_naive_times_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        HOURS.is_open(datetime(2026, 12, 2, 9, 0))


def test_a_bad_setting_is_a_configuration_error_naming_it(monkeypatch) -> None:
    from chalicelib.settings import ConfigurationError, get_settings, reset_settings

    monkeypatch.setenv("LIVE_OFFICE_HOURS", "17:00-07:30")
    reset_settings()
    with pytest.raises(ConfigurationError) as raised:
        get_settings()
    assert raised.value.setting == "LIVE_OFFICE_HOURS"
