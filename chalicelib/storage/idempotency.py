"""The one idempotency mechanism: a job record per effect-bearing request.

Zalo delivers events at least once, out of order and up to an hour late; SQS redelivers; a
handler can die halfway. Every piece of work that must happen exactly once runs as a *job*:

1. :meth:`Jobs.claim` takes the job under a lease (conditional write). A job already finished
   raises :class:`AlreadyDone`; one whose lease another worker still holds raises
   :class:`InProgress` (the caller lets the message be retried later). An expired lease is
   taken over, so a crashed worker never blocks a job for longer than its lease.
2. The job's *plan* (what to do, decided once) is saved with :meth:`Job.save_plan`, so a retry
   repeats the same decisions instead of re-deciding on changed state.
3. Each step is marked with :meth:`Job.mark` after it succeeded; a retry skips marked steps.
4. :meth:`Job.finish` records completion. Records expire (``ttl``) after ``keep_days``.

Guarantee: a marked step never runs twice. A step that succeeded but whose mark was lost (the
worker died between the two) runs again: steps are written to be idempotent themselves where
the outside world allows (conditional writes, Zalo message tracking ids).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from chalicelib.storage.table import ConditionFailed, Table

KEEP_DAYS_DEFAULT = 8  # Zalo retries for over an hour; FIFO deduplication lasts 5 minutes.


class AlreadyDone(Exception):
    """The job finished before; ``result`` is what it recorded."""

    def __init__(self, result: Any) -> None:
        super().__init__("job already done")
        self.result = result


class InProgress(Exception):
    """Another worker holds the job's lease; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"job in progress, retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class LeaseLost(Exception):
    """The lease expired and another worker took the job over; stop without side effects."""


class Job:
    """A claimed job. Only the holder of the lease can mark steps or finish it."""

    def __init__(self, jobs: Jobs, key: str, owner: str, item: dict[str, Any]) -> None:
        self._jobs = jobs
        self.key = key
        self.owner = owner
        self.done_steps: set[str] = set(item.get("steps") or ())
        raw_plan = item.get("plan")
        self.plan: Any = json.loads(raw_plan) if raw_plan else None
        self.attempt: int = int(item.get("attempts", 1))

    def is_done(self, step: str) -> bool:
        """Whether ``step`` succeeded in this or an earlier attempt."""
        return step in self.done_steps

    def save_plan(self, plan: Any) -> None:
        """Record the job's plan (JSON-serialisable), decided once for all attempts."""
        self._jobs._write(self, "SET #plan = :plan", {":plan": json.dumps(plan, default=str)})
        self.plan = plan

    def mark(self, step: str) -> None:
        """Record that ``step`` succeeded. Raises LeaseLost if the job was taken over."""
        self._jobs._write(self, "ADD #steps :step", {":step": {step}})
        self.done_steps.add(step)

    def run_step(self, step: str, action: Callable[[], Any]) -> bool:
        """Run ``action`` unless ``step`` is already done, then mark it. True when it ran."""
        if self.is_done(step):
            return False
        action()
        self.mark(step)
        return True

    def release(self) -> None:
        """Give the lease up after a failed attempt, so the next attempt need not wait for it
        to expire. Marked steps and the plan stay. Never raises: a lost lease is released."""
        with contextlib.suppress(LeaseLost):
            self._jobs._write(self, "SET #lease = :zero", {":zero": 0})

    def finish(self, result: Any = None) -> None:
        """Record completion; later claims raise AlreadyDone(result)."""
        self._jobs._write(
            self,
            "SET #status = :done, #result = :result REMOVE #lease",
            {":done": "done", ":result": json.dumps(result, default=str)},
        )


class Jobs:
    """Claims and records jobs in the table (items ``pk = JOB#<key>``, ``sk = JOB``)."""

    def __init__(
        self,
        table: Table,
        *,
        lease_seconds: int = 90,
        keep_days: int = KEEP_DAYS_DEFAULT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._table = table
        self._lease = lease_seconds
        self._keep = keep_days * 86400
        self._clock = clock

    @staticmethod
    def _pk(key: str) -> str:
        return f"JOB#{key}"

    def claim(self, key: str) -> Job:
        """Take the job ``key`` (one UpdateItem; one GetItem more when it is contended).

        Raises AlreadyDone or InProgress as described in the module docstring."""
        now = self._clock()
        owner = secrets.token_hex(8)
        try:
            item = self._table.update(
                self._pk(key),
                "JOB",
                "SET #status = :running, #lease = :lease, #owner = :owner, #ttl = :ttl "
                "ADD #attempts :one",
                condition="attribute_not_exists(pk) OR (#status <> :done AND #lease < :now)",
                names=_NAMES,
                values={
                    ":running": "running",
                    ":done": "done",
                    ":lease": now + self._lease,
                    ":owner": owner,
                    ":ttl": int(now + self._keep),
                    ":now": now,
                    ":one": 1,
                },
            )
        except ConditionFailed as failed:
            current = failed.item or self._table.get(self._pk(key), "JOB", consistent=True) or {}
            if current.get("status") == "done":
                raw = current.get("result")
                raise AlreadyDone(json.loads(raw) if raw else None) from None
            raise InProgress(max(0.0, float(current.get("lease", now)) - now)) from None
        return Job(self, key, owner, item)

    def _write(self, job: Job, expression: str, values: dict[str, Any]) -> None:
        try:
            self._table.update(
                self._pk(job.key),
                "JOB",
                expression,
                condition="#owner = :me",
                names=_NAMES,
                values={**values, ":me": job.owner},
            )
        except ConditionFailed:
            raise LeaseLost(job.key) from None


_NAMES = {
    "#status": "status",
    "#lease": "lease",
    "#owner": "owner",
    "#ttl": "ttl",
    "#attempts": "attempts",
    "#plan": "plan",
    "#steps": "steps",
    "#result": "result",
}
