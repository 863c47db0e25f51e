"""One run of the reminders schedule.

The run reads the sparse due index (``gsi3``, :mod:`chalicelib.storage.due`) for items dated on
or before today's LOCAL date, page by page and at most ``max_items``, and hands each item to
the handler registered for its kind (:mod:`chalicelib.reminders.registry`: ``dossier`` here;
``postal`` and ``feedback`` register theirs the same way). A handler decides what is due,
queues citizen reminders through :meth:`Run.remind`, adds agency digest entries with
:meth:`Run.digest`, and moves the item's due date on. After the items, the day's digest
entries are stored and each agency with an address gets its e-mail
(:mod:`chalicelib.reminders.digest`).

Exactly once: a citizen reminder is the job ``reminder:<kind>:<ref>:<condition>:<period>``
(:mod:`chalicelib.storage.idempotency`, kept 400 days) and the notice it queues has that same
id, so a run fired twice, a retried run or an item written again by someone else never sends
it twice (the outbox's deduplication and the notifier's ``notice:<id>`` job back this up).
Quiet hours: a run between REMINDER_QUIET_START_HOUR and REMINDER_QUIET_END_HOUR (local) sends
no citizen reminder; the item stays due for the morning run.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.calendar import LOCAL_TZ, WorkingCalendar, local_date
from chalicelib.domain.reminders import ReminderRules
from chalicelib.platform import log
from chalicelib.reminders.registry import Handler
from chalicelib.storage.digests import DigestEntry, Digests
from chalicelib.storage.due import DueIndex, kind_of
from chalicelib.storage.idempotency import AlreadyDone, InProgress, Jobs
from chalicelib.storage.table import Table

PAGE = 100  # due items per Query
REMINDER_KEEP_DAYS = 400  # reminder jobs outlive any dossier's reminders


class NoticeQueue(Protocol):
    """The outbox (:class:`chalicelib.notify.outbox.Outbox`)."""

    def queue(self, notice: Any) -> None: ...


class DigestMailer(Protocol):
    """Sends an agency's day (:class:`chalicelib.reminders.digest.DigestMailer`)."""

    def send(self, agency: str, day: date, entries: list[DigestEntry]) -> bool: ...


@dataclass
class Report:
    """What one run did (returned by the schedule, logged, and counted as metrics)."""

    read: int = 0
    queued: int = 0
    already_sent: int = 0
    deferred: int = 0
    digest_entries: int = 0
    emails: int = 0
    more_left: bool = False
    by_condition: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "queued": self.queued,
            "already_sent": self.already_sent,
            "deferred": self.deferred,
            "digest_entries": self.digest_entries,
            "emails": self.emails,
            "more_left": self.more_left,
            "by_condition": dict(self.by_condition),
        }


@dataclass(frozen=True)
class QuietHours:
    start_hour: int = 21
    end_hour: int = 7

    def contains(self, local_hour: int) -> bool:
        if self.start_hour == self.end_hour:
            return False
        if self.start_hour > self.end_hour:  # over midnight
            return local_hour >= self.start_hour or local_hour < self.end_hour
        return self.start_hour <= local_hour < self.end_hour


class Run:
    """One run at ``now``: what handlers use."""

    def __init__(
        self,
        now: datetime,
        *,
        calendar: WorkingCalendar,
        jobs: Jobs,
        outbox: NoticeQueue,
        quiet: QuietHours,
        table: Table,
        rules: ReminderRules,
    ) -> None:
        self.now = now
        self.table = table  # handlers build their repositories on it
        self.rules = rules
        self.today = local_date(now)
        self.calendar = calendar
        self._jobs = jobs
        self._outbox = outbox
        local = now.astimezone(LOCAL_TZ)
        self.quiet = quiet.contains(local.hour)
        # Where a deferred citizen reminder waits: today when the night is before the morning
        # end of the quiet hours, else tomorrow.
        self.resume_day = (
            self.today if local.hour < quiet.end_hour else self.today + timedelta(days=1)
        )
        self.entries: list[DigestEntry] = []
        self.report = Report()

    @property
    def working_day(self) -> bool:
        return self.calendar.is_working_day(self.today)

    def remind(self, key: str, notice: Any) -> bool:
        """Queue ``notice`` (a QueuedNotice whose id is ``key``) exactly once for ``key``.
        True when handled (now or before), False when another run holds it right now."""
        condition = key.split(":")[3] if key.count(":") >= 4 else "?"
        try:
            job = self._jobs.claim(key)
        except AlreadyDone:
            self.report.already_sent += 1
            return True
        except InProgress:
            return False
        try:
            self._outbox.queue(notice)
        except Exception:
            job.release()
            raise
        job.finish("queued")
        self.report.queued += 1
        self.report.by_condition[condition] += 1
        return True

    def defer(self) -> date:
        """A citizen reminder found in the quiet hours: the day it waits for."""
        self.report.deferred += 1
        return self.resume_day

    def digest(self, entry: DigestEntry) -> None:
        """Add an entry to its agency's digest of today (stored at the end of the run)."""
        self.entries.append(entry)
        self.report.by_condition[entry.condition] += 1


class Reminders:
    """The reminders schedule's work: see the module docstring."""

    def __init__(
        self,
        *,
        table: Table,
        rules: ReminderRules,
        due: DueIndex,
        jobs: Jobs,
        outbox: NoticeQueue,
        digests: Digests,
        mailer: DigestMailer | None,
        calendar: WorkingCalendar,
        quiet: QuietHours,
        registry: dict[str, Handler],
        max_items: int = 2000,
    ) -> None:
        self._table = table
        self._rules = rules
        self._due = due
        self._jobs = jobs
        self._outbox = outbox
        self._digests = digests
        self._mailer = mailer
        self._calendar = calendar
        self._quiet = quiet
        self._max = max_items
        self._registry = registry

    def run(self, now: datetime) -> Report:
        """Handle what is due at ``now`` (aware). Raises on AWS errors: the schedule's retry
        runs it again and nothing already done is done twice."""
        registry = self._registry
        run = Run(
            now,
            calendar=self._calendar,
            jobs=self._jobs,
            outbox=self._outbox,
            quiet=self._quiet,
            table=self._table,
            rules=self._rules,
        )
        start: dict[str, Any] | None = None
        while run.report.read < self._max:
            limit = min(PAGE, self._max - run.report.read)
            items, start = self._due.page(run.today, limit=limit, start_key=start)
            for item in items:
                kind = kind_of(item)
                handle = registry.get(kind)
                if handle is None:
                    log.warning("reminder_kind_unknown", kind=kind)
                    continue
                handle(item, run)
            run.report.read += len(items)
            if not start:
                break
        else:
            run.report.more_left = start is not None
        self._digests.put_all(run.entries)
        run.report.digest_entries = len(run.entries)
        self._mail(run)
        self._account(run.report)
        return run.report

    def _mail(self, run: Run) -> None:
        """E-mail each agency its day once (job ``digest:<agency>:<day>``), from what is stored
        (so a second run of the day, which adds nothing, sends nothing)."""
        if self._mailer is None or not run.working_day:
            return
        for agency in sorted({entry.agency for entry in run.entries}):
            key = f"digest:{agency}:{run.today.isoformat()}"
            try:
                job = self._jobs.claim(key)
            except (AlreadyDone, InProgress):
                continue
            try:
                sent = self._mailer.send(agency, run.today, self._digests.of_day(agency, run.today))
            except Exception:
                job.release()
                raise
            job.finish("sent" if sent else "no_address")
            run.report.emails += int(sent)

    @staticmethod
    def _account(report: Report) -> None:
        counts = {k: v for k, v in report.as_json().items() if k != "by_condition"}
        log.info("reminders_run", **counts)
        log.metric("RemindersQueued", value=report.queued)
        log.metric("RemindersDeferred", value=report.deferred)
        log.metric("DigestEntries", value=report.digest_entries)
        if report.more_left:
            log.metric("RemindersLeftForNextRun")
