"""When officers answer live conversations: opening slots on working days, Asia/Ho_Chi_Minh.

Pure: the working days come from :class:`chalicelib.domain.calendar.WorkingCalendar` (weekends
and Vietnamese holidays excluded, the government's decisions applied), the slots from the
setting ``LIVE_OFFICE_HOURS`` (``"07:30-11:30,13:30-17:00"``). An *off-hours period* is the
time between the end of one slot and the start of the next; it is named by the moment it ends
(:meth:`OfficeHours.next_opening`), so "once per off-hours period" is "once per next opening".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from chalicelib.domain.calendar import LOCAL_TZ, NaiveDatetimeError, WorkingCalendar

Slot = tuple[time, time]
DEFAULT_SLOTS = "07:30-11:30,13:30-17:00"
_MAX_DAYS_AHEAD = 60  # a guard: no calendar has two months without a working day


def parse_slots(text: str) -> tuple[Slot, ...]:
    """``"07:30-11:30,13:30-17:00"`` as ordered, non-overlapping (start, end) pairs.
    Raises ValueError for anything else (the settings refuse it at start)."""
    slots: list[Slot] = []
    for part in text.split(","):
        start_text, sep, end_text = part.strip().partition("-")
        if not sep:
            raise ValueError(f"office hours slot without '-': {part.strip()!r}")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
        if start >= end:
            raise ValueError(f"office hours slot ends before it starts: {part.strip()!r}")
        if slots and start < slots[-1][1]:
            raise ValueError("office hours slots must be in order and must not overlap")
        slots.append((start, end))
    if not slots:
        raise ValueError("no office hours")
    return tuple(slots)


class OfficeHours:
    """Opening slots on working days. Immutable."""

    def __init__(self, calendar: WorkingCalendar, slots: Sequence[Slot]) -> None:
        if not slots:
            raise ValueError("no office hours")
        self._calendar = calendar
        self._slots = tuple(slots)

    @classmethod
    def from_setting(cls, calendar: WorkingCalendar, text: str = DEFAULT_SLOTS) -> OfficeHours:
        return cls(calendar, parse_slots(text))

    @staticmethod
    def _local(moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise NaiveDatetimeError("an aware datetime is required")
        return moment.astimezone(LOCAL_TZ)

    def _starts(self, day: date) -> list[tuple[datetime, datetime]]:
        return [
            (datetime.combine(day, s, LOCAL_TZ), datetime.combine(day, e, LOCAL_TZ))
            for s, e in self._slots
        ]

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in a slot of a working day (start included, end excluded)."""
        local = self._local(moment)
        if not self._calendar.is_working_day(local.date()):
            return False
        return any(start <= local < end for start, end in self._starts(local.date()))

    def next_opening(self, moment: datetime) -> datetime:
        """The start of the first slot after ``moment`` (local time, aware): when someone will
        answer a message sent off hours. During a slot, the start of the next one."""
        local = self._local(moment)
        day = local.date()
        for _ in range(_MAX_DAYS_AHEAD):
            if self._calendar.is_working_day(day):
                for start, _end in self._starts(day):
                    if start > local:
                        return start
            day += timedelta(days=1)
        raise ValueError("no working day in the next two months")
