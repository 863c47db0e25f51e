"""Due postal orders: the "pickup tomorrow" reminder to the citizen who registered the pickup.

The order's due date (``storage/postal_orders.py``) is the working day before the pickup. The
reminder goes once per order and pickup date (job ``reminder:postal:<order number>:
pickup_tomorrow:<pickup date>``), never in the quiet hours (the order then waits for the
morning), never for an order cancelled, failed or already picked up; then the order leaves the
index. The order is read again (one consistent GetItem) before anything is queued, so a
cancellation the index has not caught up with yet is respected.
"""

from __future__ import annotations

from chalicelib.conversation import texts
from chalicelib.domain.postal import CANCELLABLE, Leg
from chalicelib.notify.model import OutboundMessage
from chalicelib.platform import log
from chalicelib.reminders.registry import handler
from chalicelib.reminders.runner import Run
from chalicelib.storage.postal_orders import PostalOrders, from_item
from chalicelib.storage.table import Item

CONDITION = "pickup_tomorrow"


@handler("postal")
def handle_postal(item: Item, run: Run) -> None:
    from chalicelib.notify.outbox import QueuedNotice

    seen = from_item(item)
    current = str(item.get("gsi3sk", ""))
    orders = PostalOrders(run.table, run.calendar)
    order = orders.get(seen.code, seen.leg, consistent=True)
    if order is None or order.order_number != seen.order_number:
        # Gone, or registered again since (the new round's own write set its index).
        orders.set_due(seen.code, seen.leg, current, None)
        return
    pickup = order.pickup_date
    if order.leg is not Leg.PICKUP or pickup is None or order.status not in CANCELLABLE:
        orders.set_due(order.code, order.leg, current, None)
        return
    if pickup <= run.today:  # the pickup day came: too late to say "tomorrow"
        log.info("reminder_postal_too_late", order=order.order_number)
        orders.set_due(order.code, order.leg, current, None)
        return
    if run.quiet:
        orders.set_due(order.code, order.leg, current, run.defer())
        return
    key = f"reminder:postal:{order.order_number}:{CONDITION}:{pickup.isoformat()}"
    notice = QueuedNotice(
        notice_id=key,
        kind=f"reminder_{CONDITION}",
        user_id=order.owner,
        phone=None,
        message=OutboundMessage(text=texts.reminder_postal_pickup(order.code, pickup)),
        template_data={"dossier_code": order.code, "pickup_date": f"{pickup:%d/%m/%Y}"},
    )
    if run.remind(key, notice):
        orders.set_due(order.code, order.leg, current, None)
