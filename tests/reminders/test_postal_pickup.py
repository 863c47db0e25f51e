"""Postal pickups on the due index: the citizen is reminded once, on the working day before the
pickup, never in the quiet hours, never for a cancelled or collected order; then the order
leaves the index."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.reminders.conftest import local

OWNER = "8461234567890123456"
CODE = "000.00.17.H12-261130-0007"
PICKUP = date(2026, 12, 7)  # a Monday: the reminder is due on Friday 4 December
ORDER = f"{CODE}-PICKUP"
KEY = f"reminder:postal:{ORDER}:pickup_tomorrow:2026-12-07"


def _register(pickup: date = PICKUP) -> Any:
    from chalicelib.domain.postal import Leg, PostalAddress, PostalOrder
    from chalicelib.storage.postal_orders import PostalOrders
    from chalicelib.storage.table import get_table

    order = PostalOrder(
        code=CODE,
        leg=Leg.PICKUP,
        owner=OWNER,
        request_id="req-1",
        address=PostalAddress(
            commune_code="32002", commune_name="Phường An Xuyên", hamlet="Khóm 3"
        ),
        recipient_name="Nguyễn Văn An",
        recipient_phone="+84912345678",
        pickup_date=pickup,
        created_at=local(2026, 11, 30, 10),
        updated_at=local(2026, 11, 30, 10),
    )
    assert PostalOrders(get_table()).register(order).new
    return order


def _gsi3sk() -> str | None:
    from chalicelib.storage.table import get_table

    item = get_table().get(f"DOSSIER#{CODE}", "POSTAL#pickup", consistent=True)
    assert item is not None
    return item.get("gsi3sk")


def test_the_pickup_reminder_goes_once_on_the_working_day_before_even_when_fired_twice(
    reminders_of,
):
    _register()
    assert _gsi3sk() == f"2026-12-04#postal#{ORDER}"
    run, outbox = reminders_of()
    assert run.run(local(2026, 12, 3, 8)).queued == 0  # not yet due
    first = run.run(local(2026, 12, 4, 8))
    assert _gsi3sk() is None  # the order left the index
    second = run.run(local(2026, 12, 4, 8))  # fired twice
    assert (first.queued, second.queued, second.read) == (1, 0, 0)
    [notice] = outbox.queued
    assert notice.notice_id == KEY
    assert notice.user_id == OWNER and notice.kind == "reminder_pickup_tomorrow"
    assert CODE in notice.message.text and "07/12/2026" in notice.message.text
    assert "Thứ Hai" in notice.message.text


def test_an_order_read_by_two_runs_before_either_updates_it_is_reminded_once(reminders_of):
    """Two runs that both read the due item (the first has not removed it yet): the reminder
    job lets one notice through."""
    from chalicelib.reminders.postal import handle_postal
    from chalicelib.storage.table import get_table

    _register()
    item = get_table().get(f"DOSSIER#{CODE}", "POSTAL#pickup", consistent=True)
    assert item is not None
    run, outbox = reminders_of()
    run.run(local(2026, 12, 4, 8))
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.domain.reminders import ReminderRules
    from chalicelib.reminders.runner import REMINDER_KEEP_DAYS, QuietHours
    from chalicelib.reminders.runner import Run as RunState
    from chalicelib.storage.idempotency import Jobs

    late = RunState(
        local(2026, 12, 4, 8, 1),
        calendar=default_calendar(),
        jobs=Jobs(get_table(), keep_days=REMINDER_KEEP_DAYS),
        outbox=outbox,
        quiet=QuietHours(21, 7),
        table=get_table(),
        rules=ReminderRules(),
    )
    handle_postal(item, late)  # the stale copy of the item, as the second run read it
    assert len(outbox.queued) == 1 and late.report.already_sent == 1
    assert _gsi3sk() is None


def test_no_pickup_reminder_in_the_quiet_hours_it_waits_for_the_morning(reminders_of):
    _register()
    run, outbox = reminders_of()
    early = run.run(local(2026, 12, 4, 6, 30))
    assert (early.queued, early.deferred) == (0, 1)
    assert outbox.queued == []
    assert _gsi3sk() == f"2026-12-04#postal#{ORDER}"  # still due this morning
    morning = run.run(local(2026, 12, 4, 7))
    assert morning.queued == 1 and [n.notice_id for n in outbox.queued] == [KEY]
    assert _gsi3sk() is None


def test_a_late_evening_run_defers_to_the_next_day(reminders_of):
    _register(date(2026, 12, 8))  # Tuesday: due on Monday 7 December
    run, outbox = reminders_of()
    night = run.run(local(2026, 12, 7, 22))
    assert (night.queued, night.deferred) == (0, 1) and outbox.queued == []
    assert _gsi3sk() == f"2026-12-08#postal#{ORDER}"


def test_a_cancelled_order_gets_no_reminder_and_leaves_the_index(reminders_of):
    from chalicelib.domain.postal import Leg
    from chalicelib.storage.postal_orders import PostalOrders
    from chalicelib.storage.table import get_table

    _register()
    orders = PostalOrders(get_table())
    assert orders.cancel(CODE, Leg.PICKUP, OWNER, local(2026, 12, 2, 10)) is not None
    assert _gsi3sk() is None
    run, outbox = reminders_of()
    assert run.run(local(2026, 12, 4, 8)).queued == 0
    assert outbox.queued == []


@pytest.mark.parametrize("status", ["cancelled", "picked_up", "failed"])
def test_an_order_the_index_still_shows_but_no_longer_cancellable_gets_nothing(
    reminders_of, status
):
    """The due item read from the index may be older than the order: the handler reads the
    order again, sends nothing for one cancelled, collected or failed, and removes its date."""
    from chalicelib.storage.table import get_table

    _register()
    # The order's status changes while (as in a race) its due attributes stay.
    get_table().update(
        f"DOSSIER#{CODE}",
        "POSTAL#pickup",
        "SET #s = :s",
        names={"#s": "status"},
        values={":s": status},
    )
    run, outbox = reminders_of()
    report = run.run(local(2026, 12, 4, 8))
    assert (report.read, report.queued) == (1, 0)
    assert outbox.queued == []
    assert _gsi3sk() is None


def test_a_pickup_day_already_come_is_not_announced_as_tomorrow(reminders_of):
    _register()
    run, outbox = reminders_of()
    report = run.run(local(2026, 12, 7, 8))  # the first run after the due day is the pickup day
    assert (report.read, report.queued) == (1, 0) and outbox.queued == []
    assert _gsi3sk() is None


def test_the_due_date_moves_only_while_it_is_still_the_one_read(aws):
    from chalicelib.domain.postal import Leg
    from chalicelib.storage.postal_orders import PostalOrders
    from chalicelib.storage.table import get_table

    _register()
    orders = PostalOrders(get_table())
    read = f"2026-12-04#postal#{ORDER}"
    assert not orders.set_due(CODE, Leg.PICKUP, f"2026-12-03#postal#{ORDER}", None)
    assert _gsi3sk() == read
    assert orders.set_due(CODE, Leg.PICKUP, read, date(2026, 12, 5))
    assert _gsi3sk() == f"2026-12-05#postal#{ORDER}"
    assert not orders.set_due(CODE, Leg.PICKUP, read, None)  # changed since it was read
    assert orders.set_due(CODE, Leg.PICKUP, f"2026-12-05#postal#{ORDER}", None)
    assert _gsi3sk() is None
