"""What about a dossier must be checked, and when: the rules behind reminders and digests.

Pure: a dossier and the rules in, a list of :class:`Due` conditions out. Dates are LOCAL
(Asia/Ho_Chi_Minh) calendar dates; working days come from :mod:`chalicelib.domain.calendar`.

Conditions (``audience``: who hears about it):

============== ======== ====================================================================
condition      audience when
============== ======== ====================================================================
due_soon       agency   no result yet, no apology slip, due within one working day: from the
                        working day before the due date to the due date, listed every working
                        day of that window in the agency's digest
overdue        agency   the clock runs (2, 4; 6 when fee time counts) and the due date has
                        passed: listed every working day in the digest
supplement     citizen  status 5 unanswered ``supplement_days`` working days after the request
                        (a supplement sent through Zalo answers it)
result_pickup  citizen  status 9 (result ready) not collected ``pickup_days`` working days later
                        (not for a result that is only electronic)
fees           citizen  status 6 (fees and taxes due) ``fees_days`` working days later
rating         citizen  status 10 (result handed over): the invitation to rate, once
============== ======== ====================================================================

A one-shot condition's ``period`` names what it is about (``h<n>``: the history entry that
started it; ``once`` for the rating invitation), so it fires once per dossier, condition and
period. A repeating condition (``period`` empty) fires once per working day it applies, its
period being that day. No citizen reminder (but the rating invitation and the result
pickup) while the applicant's withdrawal request waits for the office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from chalicelib.domain.calendar import WorkingCalendar, local_date
from chalicelib.domain.dossier import EVENT_SUPPLEMENT_RECEIVED, Dossier, DossierStatus

Audience = Literal["agency", "citizen"]
CITIZEN_CONDITIONS = ("supplement", "result_pickup", "fees", "rating")
AGENCY_CONDITIONS = ("due_soon", "overdue")


@dataclass(frozen=True)
class ReminderRules:
    """Working days a citizen has before a reminder (settings: SUPPLEMENT_REMINDER_DAYS,
    RESULT_PICKUP_REMINDER_DAYS, FEES_REMINDER_DAYS)."""

    supplement_days: int = 3
    pickup_days: int = 3
    fees_days: int = 2


@dataclass(frozen=True)
class Due:
    """One condition of a dossier: first local date it applies, last date (None: until the
    dossier changes), and its period (empty: repeats every working day)."""

    condition: str
    audience: Audience
    starts: date
    period: str = ""
    until: date | None = None

    @property
    def repeats(self) -> bool:
        return not self.period

    def period_on(self, day: date) -> str:
        """The period of this condition for a run on ``day``."""
        return self.period or day.isoformat()


def _entered(dossier: Dossier) -> tuple[int, date] | None:
    """(history index, local date) of the entry into the current status: the last status
    change (entries with an ``event``, such as a supplement received through Zalo, record
    something the applicant did and leave the status as it was)."""
    for index in range(len(dossier.history) - 1, -1, -1):
        change = dossier.history[index]
        if change.event:
            continue
        return (index, local_date(change.at)) if change.status is dossier.status else None
    return None


def _noted_since(dossier: Dossier, index: int, event: str) -> bool:
    return any(c.event == event for c in dossier.history[index + 1 :])


def conditions(dossier: Dossier, rules: ReminderRules, calendar: WorkingCalendar) -> list[Due]:
    """Every condition the dossier can still meet, whatever today is (dates may be past)."""
    found: list[Due] = []
    status = dossier.status
    clock_runs = status in (DossierStatus.ACCEPTED, DossierStatus.PROCESSING) or (
        status is DossierStatus.FINANCIAL_OBLIGATION
        and not dossier.excludes_financial_obligation_time
    )
    if dossier.due_date is not None and clock_runs:
        due = dossier.due_date
        if not dossier.due_date_reset_once:
            found.append(Due("due_soon", "agency", calendar.previous_working_day(due), until=due))
        found.append(Due("overdue", "agency", due + timedelta(days=1)))
    entered = _entered(dossier)
    if entered is None:
        return found
    index, day = entered
    if dossier.withdrawal_requested_at is not None and status is not DossierStatus.RESULT_READY:
        return found  # the applicant asked to withdraw: no nagging while the office decides
    if status is DossierStatus.SUPPLEMENT_REQUESTED:
        if _noted_since(dossier, index, EVENT_SUPPLEMENT_RECEIVED):
            return found  # answered through Zalo: the back office decides what follows
        starts = calendar.add_working_days(day, rules.supplement_days)
        found.append(Due("supplement", "citizen", starts, period=f"h{index}"))
    elif status is DossierStatus.RESULT_READY:
        result = dossier.result
        if result is not None and (result.url or result.key) and not result.pickup:
            return found  # an electronic result only: the link went with the status notice
        starts = calendar.add_working_days(day, rules.pickup_days)
        found.append(Due("result_pickup", "citizen", starts, period=f"h{index}"))
    elif status is DossierStatus.FINANCIAL_OBLIGATION:
        starts = calendar.add_working_days(day, rules.fees_days)
        found.append(Due("fees", "citizen", starts, period=f"h{index}"))
    elif status is DossierStatus.RESULT_DELIVERED:
        found.append(Due("rating", "citizen", day, period="once"))
    return found


def first_check(dossier: Dossier, rules: ReminderRules, calendar: WorkingCalendar) -> date | None:
    """The local date on which the reminders schedule must first look at the dossier (the
    earliest condition), or None when nothing can become due any more."""
    dates = [due.starts for due in conditions(dossier, rules, calendar)]
    return min(dates) if dates else None


def due_key(day: date, kind: str, ref: str) -> str:
    """The sparse due index's sort key: ``<YYYY-MM-DD>#<kind>#<ref>``."""
    return f"{day.isoformat()}#{kind}#{ref}"
