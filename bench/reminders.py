"""One reminders run over 100,000 stored dossiers of which 100 are due: items read and AWS calls.

Target (issue 15): under 300 items read. The table is seeded in moto in-process with
BatchWriteItem (25 per call): 100,000 dossier items written by the repository's own layout
(``Dossiers._item``, so the sparse due index is what production writes), of which
- 50 wait for a supplement since 27/11/2026 (a citizen's reminder is due on 2/12),
- 50 were due on 26/11/2026 (overdue: the agency's digest),
- 49,950 are in progress and due later (their first check is after 2/12),
- 49,950 are closed (3, 8, or 10 with the rating invitation already behind them: no index).
Then one run at 08:00 on Wednesday 2/12/2026 (local) is measured: the items the Query calls
read (``ScannedCount``), the AWS calls by operation (the run queues 50 notices on the outbox
and e-mails one digest through SES), and a second run the same day (nothing left to do).

Prints JSON lines: {"bench": "reminders", "metric": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from _moto import prepare_environment

prepare_environment()

TOTAL = 100_000
DUE_SUPPLEMENT = 50
DUE_OVERDUE = 50
AGENCY = "000.00.17.H12"
LOCAL = timedelta(hours=7)


def local(y: int, m: int, d: int, hour: int = 9) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC) - LOCAL


def figure(metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": "reminders", "metric": metric, "value": value, "unit": unit}))


def seed(table, repo) -> None:
    from chalicelib.domain.dossier import Applicant, Channel, Dossier, DossierStatus

    def make(seq: int, accepted: datetime, owner: bool = True) -> Dossier:
        return Dossier.open(
            code=f"{AGENCY}-{(accepted + LOCAL):%y%m%d}-{seq:04d}",
            procedure_code="1.001193",
            procedure_name="Thủ tục đăng ký khai sinh",
            receiving_agency_code=AGENCY,
            applicant=Applicant(name="Mẫu", phone="0912345678", id_number="096090000001"),
            channel=Channel.IN_PERSON,
            at=accepted,
            actor="officer",
            time_limit_days=3,
            owner_zalo_user_id=f"24680000{seq:011d}" if owner else None,
        )

    # Templates, re-coded per item (building 100,000 dossiers from scratch is the slow part).
    supplement = make(1, local(2026, 11, 23))
    supplement.transition(
        DossierStatus.SUPPLEMENT_REQUESTED, local(2026, 11, 27), "o", supplement_items=["Tờ khai"]
    )
    overdue = make(2, local(2026, 11, 20))
    later = make(3, local(2026, 12, 1))
    later.time_limit_days = 30
    later.due_date = local(2027, 1, 14).date()
    closed = make(4, local(2026, 11, 2))
    closed.transition(DossierStatus.STOPPED, local(2026, 11, 3), "o")
    plan = [(supplement, DUE_SUPPLEMENT), (overdue, DUE_OVERDUE)]
    rest = TOTAL - DUE_SUPPLEMENT - DUE_OVERDUE
    plan += [(later, rest // 2), (closed, rest - rest // 2)]
    batch: list[dict] = []
    seq = 0
    for template, count in plan:
        base = repo._item(template, 1)
        for _ in range(count):
            seq += 1
            code = f"{AGENCY}-2611{1 + seq // 5000:02d}-{seq % 5000 + 1:04d}"
            item = dict(base)
            item["pk"] = f"DOSSIER#{code}"
            item["data"] = base["data"].replace(template.code, code)
            if "gsi3sk" in item:
                item["gsi3sk"] = base["gsi3sk"].replace(template.code, code)
            if "gsi1sk" in item:
                item["gsi1sk"] = base["gsi1sk"].replace(template.code, code)
            batch.append(item)
            if len(batch) == 25:
                while batch:
                    batch = table.batch_put(batch)
    while batch:
        batch = table.batch_put(batch)


def main() -> None:
    from moto import mock_aws

    os.environ["DIGEST_EMAIL_SENDER"] = "digest@camau.bench"
    os.environ["DIGEST_EMAILS"] = json.dumps({AGENCY: "motcua@agency.bench"})
    with mock_aws():
        from chalicelib import schedules
        from chalicelib.platform.aws import client
        from chalicelib.root import get_reminders
        from chalicelib.storage.dossiers import Dossiers
        from chalicelib.storage.table import get_table
        from local.resources import create_all

        create_all(
            {"dynamodb": client("dynamodb"), "s3": client("s3"), "sqs": client("sqs")},
            {"DocumentsBucketName": os.environ["DOCUMENTS_BUCKET"]},
        )
        client("ses").verify_email_identity(EmailAddress="digest@camau.bench")
        table = get_table()
        started = time.perf_counter()
        seed(table, Dossiers(table))
        print(
            f"seeded {TOTAL:,} dossiers in {time.perf_counter() - started:.0f} s", file=sys.stderr
        )

        calls: Counter[str] = Counter()
        read = Counter[str]()

        def count(event_name: str, **_: object) -> None:
            calls.update([event_name.rsplit(".", 1)[-1]])

        def scanned(event_name: str, parsed: dict, **_: object) -> None:
            operation = event_name.rsplit(".", 1)[-1]
            if operation == "Query":
                read.update({"items": int(parsed.get("ScannedCount", 0))})
            elif operation == "GetItem" and parsed.get("Item"):
                read.update({"items": 1})

        for service in ("dynamodb", "sqs", "ses"):
            client(service).meta.events.register("before-call.*.*", count)
        client("dynamodb").meta.events.register("after-call.dynamodb.*", scanned)
        schedules._now = lambda: local(2026, 12, 2, 8)  # type: ignore[attr-defined]
        started = time.perf_counter()
        report = get_reminders().run(schedules._now())
        seconds = time.perf_counter() - started
        figure("stored_dossiers", TOTAL, "items")
        figure("due_dossiers", report.read, "items")
        figure("items_read_per_run", read["items"], "items")
        figure("reminders_queued", report.queued, "notices")
        figure("digest_entries", report.digest_entries, "entries")
        figure("aws_calls_per_run", sum(calls.values()), "calls")
        for operation, n in sorted(calls.items()):
            figure(f"aws_calls_{operation}", n, "calls")
        figure("run_seconds_moto", round(seconds, 2), "s")
        if "Scan" in calls:
            raise SystemExit("a reminders run must never Scan")
        calls.clear()
        read.clear()
        again = get_reminders().run(local(2026, 12, 2, 14))
        figure("second_run_items_read", read["items"], "items")
        figure("second_run_aws_calls", sum(calls.values()), "calls")
        figure("second_run_reminders_queued", again.queued, "notices")


if __name__ == "__main__":
    main()
