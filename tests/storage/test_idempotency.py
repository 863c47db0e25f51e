"""The job mechanism's additions for cheap exactly-once: marks that ride on the next write,
writes applied with the finish, plans saved with other writes, and the one lease."""

from __future__ import annotations

import pytest

from chalicelib.storage.idempotency import AlreadyDone, Jobs, Lease, LeaseLost
from chalicelib.storage.table import TransactionCancelled, get_table


@pytest.fixture
def jobs(aws) -> Jobs:
    return Jobs(get_table())


def _record(pk: str = "USER#u1", sk: str = "NOTICE#1") -> dict:
    return {"put": {"pk": pk, "sk": sk, "kind": "reply"}}


def test_a_later_mark_survives_a_failed_attempt_through_the_release(jobs):
    job = jobs.claim("k")
    job.mark("part:0=m1", later=True)
    job.release()
    again = jobs.claim("k")
    assert again.is_done("part:0=m1")


def test_a_later_mark_rides_on_the_next_mark(jobs):
    job = jobs.claim("k")
    job.mark("a", later=True)
    job.mark("b")
    job.release()
    assert jobs.claim("k").done_steps == {"a", "b"}


def test_deferred_writes_are_applied_with_the_finish(jobs):
    job = jobs.claim("k")
    job.defer(_record())
    assert get_table().get("USER#u1", "NOTICE#1") is None
    job.finish({"ok": True})
    assert get_table().get("USER#u1", "NOTICE#1") == {
        "pk": "USER#u1",
        "sk": "NOTICE#1",
        "kind": "reply",
    }
    with pytest.raises(AlreadyDone) as done:
        jobs.claim("k")
    assert done.value.result == {"ok": True}


def test_a_job_taken_over_writes_nothing_at_its_finish(aws):
    now = [1000.0]
    jobs = Jobs(get_table(), lease_seconds=10, clock=lambda: now[0])
    stale = jobs.claim("k")
    now[0] += 11  # the lease ran out; another worker takes the job
    jobs.claim("k")
    stale.defer(_record())
    with pytest.raises(LeaseLost):
        stale.finish()
    assert get_table().get("USER#u1", "NOTICE#1") is None


def test_a_plan_is_saved_with_other_writes_or_not_at_all(jobs):
    table = get_table()
    table.put({"pk": "X", "sk": "Y", "version": 2})
    job = jobs.claim("k")
    refused = {
        "put": {"pk": "X", "sk": "Y", "version": 3},
        "condition": "version = :v",
        "values": {":v": 1},
    }
    with pytest.raises(TransactionCancelled):
        job.save_plan({"p": 1}, with_writes=[refused])
    job.release()
    again = jobs.claim("k")
    assert again.plan is None  # the plan was not saved either
    again.save_plan({"p": 1}, with_writes=[{**refused, "values": {":v": 2}}])
    assert table.get("X", "Y")["version"] == 3


def test_a_plan_saved_with_writes_is_there_for_the_next_attempt(jobs):
    table = get_table()
    job = jobs.claim("k")
    job.save_plan({"p": 1}, with_writes=[_record()])
    job.release()
    assert jobs.claim("k").plan == {"p": 1}
    assert table.get("USER#u1", "NOTICE#1") is not None


def test_one_lease_is_exclusive_until_it_expires_or_is_released(aws):
    table = get_table()
    table.put({"pk": "L", "sk": "L"})
    now = [1000.0]
    lease = Lease(table, owner="lease_owner", until="lease_until", seconds=60, clock=lambda: now[0])
    first, _ = lease.take("L", "L")
    from chalicelib.storage.table import ConditionFailed

    with pytest.raises(ConditionFailed):
        lease.take("L", "L")
    lease.release("L", "L", first)
    second, _ = lease.take("L", "L")
    now[0] += 61
    third, item = lease.take("L", "L")  # expired: taken over
    assert third != second and item["lease_owner"] == third
    with pytest.raises(ConditionFailed):
        lease.write("L", "L", second, "SET x = :one", values={":one": 1})
