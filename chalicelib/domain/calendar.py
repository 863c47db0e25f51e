"""Working-day calendar for statutory time limits, in Asia/Ho_Chi_Minh.

Time limits of administrative procedures count working days: no Saturdays or Sundays, no
public holidays (lunar New Year included), plus whatever the government decides for a given
year (bridging days off, Saturdays worked to make up for them).

Conventions (Bộ luật Dân sự 2015 art. 147-148; Nghị định 61/2018, kept by Nghị định 118/2025):

* The day of receipt is the working day a dossier counts as received
  (:meth:`WorkingCalendar.clock_start`): the receipt day itself when it is a working day and the
  dossier arrived by the cut-off (15:00 local), otherwise the next working day (a dossier
  received after 15:00 or on a day off is forwarded at the start of the next working day).
* A period counted in days starts on the day AFTER that day and ends at the end of its last
  day (Civil Code art. 147 (2), 148 (1)): a 3-working-day procedure received Monday 09:00 is
  due Thursday; received Monday 16:00 it counts as received Tuesday and is due Friday.
* A limit of 0 working days ("trong ngày", "giải quyết ngay") is due on the day of receipt
  itself: the same day before the cut-off, the next working day after it.
* The due date is a date: the dossier is on time if it finishes at any moment of that local day.

The public holidays come from the ``holidays`` package (country ``VN``), imported on first use
because it costs ~100 ms at import and most Lambda invocations never compute a deadline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_CUTOFF = time(15, 0)

# Government decisions on days off and make-up working days; packaged with the module.
DEFAULT_DECISIONS_PATH = Path(__file__).resolve().parent / "calendar-decisions.json"

# A loop guard: no real calendar has a year without a working day.
_MAX_SCAN_DAYS = 366 * 2


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone was given where a moment in time is needed."""


@cache
def _national_days(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(days off, weekend days that are working days) for ``year`` from the holidays package.

    Cached per year for the life of the process; the package is imported here, not at module
    import, to keep cold starts cheap.
    """
    import holidays  # lazy on purpose: ~100 ms import, see module docstring

    calendar = holidays.country_holidays("VN", years=year)
    days_off = frozenset(day for day in calendar if day.year == year)
    workdays = frozenset(day for day in calendar.weekend_workdays if day.year == year)
    return days_off, workdays


def local_date(moment: datetime) -> date:
    """The Asia/Ho_Chi_Minh calendar date of an aware ``moment``.

    Raises NaiveDatetimeError for a naive datetime: guessing its zone would silently shift
    deadlines by a day around midnight.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError("an aware datetime is required")
    return moment.astimezone(LOCAL_TZ).date()


class WorkingCalendar:
    """Working days in Vietnam for one-stop time limits. Immutable and thread-safe.

    ``extra_days_off`` are days off decided by the government that the holidays package may not
    know (bridging days); ``extra_working_days`` are weekend days worked to make up for them.
    They win over the package's own data. The same date in both sets raises ValueError.
    """

    __slots__ = ("_cutoff", "_extra_days_off", "_extra_working_days")

    def __init__(
        self,
        extra_days_off: Iterable[date] = frozenset(),
        extra_working_days: Iterable[date] = frozenset(),
        cutoff: time = DEFAULT_CUTOFF,
    ) -> None:
        self._extra_days_off = frozenset(extra_days_off)
        self._extra_working_days = frozenset(extra_working_days)
        clash = self._extra_days_off & self._extra_working_days
        if clash:
            raise ValueError(f"dates both off and working: {sorted(clash)}")
        if cutoff.tzinfo is not None:
            raise ValueError("cutoff is a local wall-clock time; give it without tzinfo")
        self._cutoff = cutoff

    @property
    def cutoff(self) -> time:
        """Local time after which a dossier counts as received the next working day."""
        return self._cutoff

    @property
    def extra_days_off(self) -> frozenset[date]:
        return self._extra_days_off

    @property
    def extra_working_days(self) -> frozenset[date]:
        return self._extra_working_days

    def is_working_day(self, day: date) -> bool:
        """True when public offices work on ``day``. Pure; the first call for a year loads it."""
        if day in self._extra_working_days:
            return True
        if day in self._extra_days_off:
            return False
        days_off, weekend_workdays = _national_days(day.year)
        if day.weekday() >= 5:
            return day in weekend_workdays
        return day not in days_off

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self._scan(day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        return self._scan(day, -1)

    def _scan(self, day: date, step: int) -> date:
        current = day
        for _ in range(_MAX_SCAN_DAYS):
            current += timedelta(days=step)
            if self.is_working_day(current):
                return current
        raise RuntimeError("no working day within two years; calendar misconfigured")

    def add_working_days(self, day: date, n: int) -> date:
        """The date ``n`` working days after ``day`` (before it when ``n`` is negative).

        ``day`` itself is never counted, whether or not it is a working day; ``n == 0`` returns
        ``day`` unchanged. Example: Friday + 1 = the next Monday (if Monday is a working day).
        """
        current = day
        step = 1 if n >= 0 else -1
        for _ in range(abs(n)):
            current = self._scan(current, step)
        return current

    def clock_start(self, received_at: datetime) -> date:
        """The working day on which the time limit starts for a dossier received at ``received_at``.

        The receipt day itself when it is a working day and the local time is not after the
        cut-off (15:00:00 exactly still counts as that day); otherwise the next working day.
        Raises NaiveDatetimeError for a naive datetime.
        """
        day = local_date(received_at)
        local_time = received_at.astimezone(LOCAL_TZ).time().replace(tzinfo=None)
        if self.is_working_day(day) and local_time <= self._cutoff:
            return day
        return self.next_working_day(day)

    def due_date(self, received_at: datetime, limit_days: int) -> date:
        """Appointment date for the result ("ngày hẹn trả") of a dossier received then.

        The ``limit_days``-th working day after the day of receipt (:meth:`clock_start`), which
        itself is not counted; ``limit_days`` 0 is due on the day of receipt. Raises ValueError
        for a negative limit and NaiveDatetimeError for a naive datetime.
        """
        if limit_days < 0:
            raise ValueError("limit_days must not be negative")
        return self.add_working_days(self.clock_start(received_at), limit_days)

    def due_date_after_supplement(self, complete_received_at: datetime, limit_days: int) -> date:
        """New due date once the supplemented (complete) dossier arrives.

        Time limits run from the receipt of a complete, valid dossier, so the full limit starts
        again from ``complete_received_at`` (a new start, not a pause): days already spent are
        not credited. Same conventions and errors as :meth:`due_date`.
        """
        return self.due_date(complete_received_at, limit_days)

    def extend_by_pause(self, due: date, paused_from: datetime, paused_until: datetime) -> date:
        """``due`` moved later by the working days of a pause that does not count.

        Used for the time an applicant takes to pay fees or taxes where the procedure excludes
        it. The pause covers the working days ``d`` with ``paused_from < d <= paused_until``
        (local dates): the day it began still counted, the day it ended did not. A pause that
        begins and ends the same day moves nothing. Raises NaiveDatetimeError for naive values.
        """
        paused = self.working_days_between(local_date(paused_from), local_date(paused_until))
        return self.add_working_days(due, max(paused, 0))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days ``d`` with ``start < d <= end``; negative when ``end`` is before ``start``.

        ``working_days_between(due_date, today)`` is how many working days a dossier is late.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    def is_overdue(
        self, due_date: date, now: datetime, finished_at: datetime | None = None
    ) -> bool:
        """True when the work ended (``finished_at``) or is still open (``now``) after the due date.

        The due date is a whole local day: finishing at 23:59 on it is on time. Overdue is
        computed, never stored as a status. Raises NaiveDatetimeError for naive datetimes.
        """
        moment = finished_at if finished_at is not None else now
        return local_date(moment) > due_date

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(extra_days_off={sorted(self._extra_days_off)!r}, "
            f"extra_working_days={sorted(self._extra_working_days)!r}, cutoff={self._cutoff!r})"
        )


def calendar_from_decisions(decisions: Mapping[str, object]) -> WorkingCalendar:
    """Build a calendar from a decisions document (see chalicelib/domain/calendar-decisions.json).

    Shape: ``{"days_off": [{"date": "YYYY-MM-DD", ...}], "working_days": [...],
    "cutoff": "15:00"}``; other keys (``_note``, ``basis``...) are ignored. Raises ValueError on
    a malformed date, time or a date present in both lists.
    """

    def dates(key: str) -> frozenset[date]:
        entries = decisions.get(key) or []
        if not isinstance(entries, list):
            raise ValueError(f"{key} must be a list")
        return frozenset(date.fromisoformat(entry["date"]) for entry in entries)

    cutoff_text = decisions.get("cutoff")
    cutoff = time.fromisoformat(str(cutoff_text)) if cutoff_text else DEFAULT_CUTOFF
    return WorkingCalendar(dates("days_off"), dates("working_days"), cutoff)


@lru_cache(maxsize=4)
def default_calendar(decisions_path: str | None = None) -> WorkingCalendar:
    """The province's calendar: the holidays package plus the decisions file. Cached per path.

    ``decisions_path`` defaults to calendar-decisions.json beside this module (packaged with it).
    Raises FileNotFoundError when the file is missing: a silently incomplete calendar would give
    citizens wrong appointment dates, so deployment must ship the file (or pass its path).
    """
    path = Path(decisions_path) if decisions_path else DEFAULT_DECISIONS_PATH
    with path.open(encoding="utf-8") as handle:
        return calendar_from_decisions(json.load(handle))


def decisions_staleness(decisions: Mapping[str, Any], today: date) -> tuple[list[str], list[str]]:
    """(problems, warnings) about how current a decisions document is on ``today``. Pure.

    A problem: no entry (day off or working day) dated in ``today``'s year, so nobody has
    looked at this year's government decisions. A warning, from 1 October only: next year has
    no entry with ``"status": "confirmed"`` yet (the government usually announces the next
    year's days off late in the year, so this must not fail a build).
    """
    by_year: dict[int, list[str]] = {}
    for key in ("days_off", "working_days"):
        for entry in decisions.get(key) or []:
            day = date.fromisoformat(entry["date"])
            by_year.setdefault(day.year, []).append(str(entry.get("status", "")))
    problems: list[str] = []
    warnings: list[str] = []
    if today.year not in by_year:
        problems.append(f"no calendar decision entry for {today.year}")
    next_year = today.year + 1
    if today >= date(today.year, 10, 1) and "confirmed" not in by_year.get(next_year, []):
        warnings.append(
            f"no confirmed calendar decision for {next_year} yet: add the government's notice"
        )
    return problems, warnings
