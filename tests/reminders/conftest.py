"""Dossiers at known dates, the reminders run wired as in production with a counting outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.dossier import Applicant, Channel, Dossier, DossierStatus

AGENCY = "000.00.17.H12"
OWNER = "2468000000000000001"
LOCAL = timedelta(hours=7)


def local(y: int, m: int, d: int, hour: int = 9, minute: int = 0) -> datetime:
    """An aware UTC datetime for a Cà Mau wall-clock time."""
    return datetime(y, m, d, hour, minute, tzinfo=UTC) - LOCAL


def dossier(
    seq: int,
    *,
    accepted: datetime,
    limit: int = 3,
    owner: str | None = OWNER,
    phone: str | None = "0912345678",
) -> Dossier:
    return Dossier.open(
        code=f"{AGENCY}-{accepted.astimezone(UTC) + LOCAL:%y%m%d}-{seq:04d}",
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        receiving_agency_code=AGENCY,
        applicant=Applicant(name="Nguyễn Văn Mẫu", phone=phone, id_number="096090000001"),
        channel=Channel.IN_PERSON,
        at=accepted,
        actor="officer",
        time_limit_days=limit,
        owner_zalo_user_id=owner,
    )


@dataclass
class CountingOutbox:
    """The real outbox, counting what was queued (the queue's deduplication would hide a
    second copy within 5 minutes, so the count is the honest test of "once")."""

    real: Any
    queued: list[Any] = field(default_factory=list)

    def queue(self, notice: Any) -> None:
        self.real.queue(notice)
        self.queued.append(notice)


@pytest.fixture
def reminders_of(aws):
    """Build a Reminders run over the moto table: ``reminders_of(mailer=None)``."""
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.domain.reminders import ReminderRules
    from chalicelib.notify.outbox import get_outbox
    from chalicelib.reminders.handlers import default_handlers
    from chalicelib.reminders.runner import REMINDER_KEEP_DAYS, QuietHours, Reminders
    from chalicelib.storage.digests import Digests
    from chalicelib.storage.due import DueIndex
    from chalicelib.storage.idempotency import Jobs
    from chalicelib.storage.table import get_table

    def build(mailer: Any = None, max_items: int = 2000) -> tuple[Reminders, CountingOutbox]:
        table = get_table()
        outbox = CountingOutbox(get_outbox())
        run = Reminders(
            table=table,
            rules=ReminderRules(),
            due=DueIndex(table),
            jobs=Jobs(table, keep_days=REMINDER_KEEP_DAYS),
            outbox=outbox,
            digests=Digests(table),
            mailer=mailer,
            calendar=default_calendar(),
            quiet=QuietHours(21, 7),
            max_items=max_items,
            registry=default_handlers(),
        )
        return run, outbox

    return build


def store(d: Dossier) -> None:
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    Dossiers(get_table()).add(d)


__all__ = ["DossierStatus", "dossier", "local", "store"]
