"""Builds the postal service once per container (the composition root of the postal parts:
the table, the postal queue, the outbox, the provider client)."""

from __future__ import annotations

from chalicelib.platform.container import cached
from chalicelib.postal.service import PostalService

# The job lease of a booking outlasts the consumer function's timeout (120 s), so a booking in
# progress is never taken over by a second consumer.
BOOKING_LEASE_SECONDS = 150


@cached
def get_postal_service() -> PostalService:
    from chalicelib.notify.outbox import get_outbox
    from chalicelib.platform.aws import client
    from chalicelib.postal.provider import PostalProvider
    from chalicelib.postal.service import PostalQueue
    from chalicelib.settings import get_settings
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.idempotency import Jobs
    from chalicelib.storage.postal_orders import PostalOrders
    from chalicelib.storage.table import get_table

    settings = get_settings()
    table = get_table()
    provider = PostalProvider(
        settings.POSTAL_API_BASE,
        settings.POSTAL_CUSTOMER_CODE,
        settings.POSTAL_API_KEY.get_secret_value(),
        connect_timeout=settings.HTTP_CONNECT_TIMEOUT,
        read_timeout=settings.POSTAL_READ_TIMEOUT,
        max_retries=settings.POSTAL_MAX_RETRIES,
    )
    return PostalService(
        PostalOrders(table),
        PostalQueue(client("sqs"), settings.POSTAL_QUEUE),
        get_outbox(),
        jobs=Jobs(table, lease_seconds=BOOKING_LEASE_SECONDS),
        provider=provider,
        dossiers=Dossiers(table),
        customer_hotline=settings.CENTRE_HOTLINE,
    )
