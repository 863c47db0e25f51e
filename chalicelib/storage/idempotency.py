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

Cheap variants, for the hot path: :meth:`Job.save_plan` can carry other writes in the same
transaction (an event's plan with the session it leaves); :meth:`Job.defer` queues writes for
the finish's transaction (notice records); ``mark(step, later=True)`` lets the mark of the last
step ride on the next write of the job (a release after a failure, or the finish).

The lease (:class:`Lease`, ``owner``/``lease`` on the job item) is the system's one lease
mechanism: the OA token refresh uses it too (:mod:`chalicelib.storage.tokens`).

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

from chalicelib.storage.table import ConditionFailed, Item, Table, TransactionCancelled

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
        self._later_steps: set[str] = set()
        self._later_writes: list[dict[str, Any]] = []

    def is_done(self, step: str) -> bool:
        """Whether ``step`` succeeded in this or an earlier attempt."""
        return step in self.done_steps

    def save_plan(self, plan: Any, *, with_writes: list[dict[str, Any]] | None = None) -> None:
        """Record the job's plan (JSON-serialisable), decided once for all attempts; with
        ``with_writes`` (:meth:`Table.transact` operations) in the same transaction, so the
        plan and the first effects are recorded together or not at all."""
        self._jobs.save_plan_with(self, plan, with_writes or [])

    def mark(self, step: str, *, later: bool = False) -> None:
        """Record that ``step`` succeeded. Raises LeaseLost if the job was taken over.

        ``later``: no call now; the mark rides on the job's next write (a mark, the release
        after a failure, or the finish, which makes it moot). Only for the last step before
        :meth:`finish`: a worker that dies before that write repeats the step."""
        self.done_steps.add(step)
        if later:
            self._later_steps.add(step)
            return
        self._jobs._write(self, "ADD #steps :step", {":step": {step, *self._later_steps}})
        self._later_steps.clear()

    def defer(self, write: dict[str, Any]) -> None:
        """Apply ``write`` (a :meth:`Table.transact` operation) atomically with :meth:`finish`
        (one call for the job's last effects and its completion). A retried job defers again."""
        self._later_writes.append(write)

    def run_step(self, step: str, action: Callable[[], Any]) -> bool:
        """Run ``action`` unless ``step`` is already done, then mark it. True when it ran."""
        if self.is_done(step):
            return False
        action()
        self.mark(step)
        return True

    def release(self) -> None:
        """Give the lease up after a failed attempt, so the next attempt need not wait for it
        to expire. Marked steps (those marked ``later`` too) and the plan stay. Never raises:
        a lost lease is released."""
        expression = "SET #lease = :zero"
        values: dict[str, Any] = {":zero": 0}
        if self._later_steps:
            expression, values = (
                expression + " ADD #steps :later",
                {**values, ":later": set(self._later_steps)},
            )
        with contextlib.suppress(LeaseLost):
            self._jobs._write(self, expression, values)
            self._later_steps.clear()

    def finish(self, result: Any = None) -> None:
        """Record completion, with the deferred writes; later claims raise AlreadyDone(result)."""
        self._jobs.finish_with(self, result, self._later_writes)
        self._later_writes = []
        self._later_steps.clear()


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
        self._lease = Lease(table, owner="owner", until="lease", seconds=lease_seconds, clock=clock)
        self._keep = keep_days * 86400
        self._clock = clock

    @staticmethod
    def _pk(key: str) -> str:
        return f"JOB#{key}"

    def claim(self, key: str) -> Job:
        """Take the job ``key`` (one UpdateItem; one GetItem more when it is contended).

        Raises AlreadyDone or InProgress as described in the module docstring."""
        now = self._clock()
        try:
            owner, item = self._lease.take(
                self._pk(key),
                "JOB",
                "SET #status = :running, #ttl = :ttl ADD #attempts :one",
                condition="attribute_not_exists(#status) OR #status <> :done",
                names=_NAMES,
                values={
                    ":running": "running",
                    ":done": "done",
                    ":ttl": int(now + self._keep),
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
            self._lease.write(
                self._pk(job.key), "JOB", job.owner, expression, names=_NAMES, values=values
            )
        except ConditionFailed:
            raise LeaseLost(job.key) from None

    def finish_with(self, job: Job, result: Any, writes: list[dict[str, Any]]) -> None:
        """Finish ``job`` and apply ``writes`` (:meth:`Table.transact` operations) in the same
        transaction: one call for the last step's effect and the job's completion.
        Raises LeaseLost when the job was taken over (nothing is written then)."""
        if not writes:
            self._write(job, _FINISH, {":done": "done", ":result": json.dumps(result, default=str)})
            return
        finish = {
            "update": (self._pk(job.key), "JOB", _FINISH),
            "condition": "#owner = :me",
            "names": _NAMES,
            "values": {
                ":done": "done",
                ":result": json.dumps(result, default=str),
                ":me": job.owner,
            },
        }
        try:
            self._table.transact([finish, *writes])
        except TransactionCancelled as exc:
            if exc.reasons[:1] == ["ConditionalCheckFailed"]:
                raise LeaseLost(job.key) from None
            raise

    def save_plan_with(self, job: Job, plan: Any, writes: list[dict[str, Any]]) -> None:
        """Save ``job``'s plan together with ``writes`` in one transaction (or alone, with no
        writes). Raises LeaseLost when the job was taken over, TransactionCancelled when one of
        ``writes`` was refused (nothing is written then)."""
        raw = json.dumps(plan, default=str)
        if not writes:
            self._write(job, "SET #plan = :plan", {":plan": raw})
        else:
            save = {
                "update": (self._pk(job.key), "JOB", "SET #plan = :plan"),
                "condition": "#owner = :me",
                "names": {"#plan": "plan", "#owner": "owner"},
                "values": {":plan": raw, ":me": job.owner},
            }
            try:
                self._table.transact([save, *writes])
            except TransactionCancelled as exc:
                if exc.reasons[:1] == ["ConditionalCheckFailed"]:
                    raise LeaseLost(job.key) from None
                raise
        job.plan = plan


class Lease:
    """An exclusive, expiring hold on one item, the one lease mechanism of the system (jobs,
    the OA token refresh).

    The item carries the holder (``owner`` attribute) and the hold's end (``until``, epoch
    seconds). :meth:`take` succeeds when nobody holds it or the hold ran out; :meth:`write`
    succeeds only for the holder; :meth:`release` gives it up early."""

    def __init__(
        self, table: Table, *, owner: str, until: str, seconds: float, clock: Callable[[], float]
    ) -> None:
        self._table = table
        self.owner_attr = owner
        self.until_attr = until
        self.owner_ref = "#" + owner
        self.until_ref = "#" + until
        self._seconds = seconds
        self._clock = clock

    def _names(self, names: dict[str, str] | None) -> dict[str, str]:
        return {**(names or {}), self.owner_ref: self.owner_attr, self.until_ref: self.until_attr}

    def take(
        self,
        pk: str,
        sk: str,
        expression: str = "",
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        now: float | None = None,
    ) -> tuple[str, Item]:
        """Take the lease (one UpdateItem), applying ``expression`` too (a ``SET`` clause
        first, then ``ADD``/``REMOVE`` clauses) when ``condition`` also holds. The new owner
        id and the item afterwards. Raises ConditionFailed carrying the current item."""
        now = self._clock() if now is None else now
        owner = secrets.token_hex(8)
        hold = f"{self.owner_ref} = :lease_owner, {self.until_ref} = :lease_until"
        if expression.startswith("SET "):
            update = f"SET {hold}, {expression[4:]}"
        else:
            update = f"SET {hold} {expression}".rstrip()
        free = f"attribute_not_exists({self.until_ref}) OR {self.until_ref} < :lease_now"
        item = self._table.update(
            pk,
            sk,
            update,
            condition=f"({free}) AND ({condition})" if condition else free,
            names=self._names(names),
            values={
                **(values or {}),
                ":lease_owner": owner,
                ":lease_until": now + self._seconds,
                ":lease_now": now,
            },
        )
        return owner, item

    def write(
        self,
        pk: str,
        sk: str,
        owner: str,
        expression: str,
        *,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Item:
        """Apply ``expression`` only while ``owner`` holds the lease (one UpdateItem).
        Raises ConditionFailed otherwise."""
        return self._table.update(
            pk,
            sk,
            expression,
            condition=f"{self.owner_ref} = :me",
            names=self._names(names),
            values={**(values or {}), ":me": owner},
        )

    def release(self, pk: str, sk: str, owner: str) -> None:
        """Give the lease up (removing both attributes). A lease lost meanwhile has nothing
        left to release: never raises for it."""
        with contextlib.suppress(ConditionFailed):
            self.write(pk, sk, owner, f"REMOVE {self.owner_ref}, {self.until_ref}")


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
# A finished job keeps no plan: its replies' texts are not kept once sent (erasure, issue 10);
# a later claim only needs the status and the result.
_FINISH = "SET #status = :done, #result = :result REMOVE #lease, #plan"
