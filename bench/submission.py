"""Creating a dossier with 3 documents: AWS calls, wall time, DynamoDB items written.

In-process with moto (calls are counted through botocore's event hooks; times measure our
code plus moto, not AWS latency). Target: at most 1 TransactWriteItems + 1 UpdateItem (the day's
sequence) + 1 S3 call per document, plus the receipt's QR image.

Prints one JSON line per figure: {"bench": "submission", "metric": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from _moto import prepare_environment

prepare_environment()
os.environ["PUBLIC_BASE_URL"] = "https://dichvucong.camau.bench"

RUNS = 30
DOCUMENTS = 3


def emit(metric: str, value: float, unit: str = "calls") -> None:
    print(json.dumps({"bench": "submission", "metric": metric, "value": value, "unit": unit}))


def main() -> None:
    from moto import mock_aws

    with mock_aws():
        from chalicelib.domain.dossier import Applicant
        from chalicelib.domain.submission import DraftDocument, SubmissionDraft
        from chalicelib.platform.aws import client
        from chalicelib.root import get_document_store, get_submission_service
        from chalicelib.storage.table import get_table
        from local.resources import create_all

        create_all(
            {name: client(name) for name in ("dynamodb", "s3", "sqs", "kms")},
            {"DocumentsBucketName": os.environ["DOCUMENTS_BUCKET"]},
        )
        store = get_document_store()
        service = get_submission_service()
        calls: Counter[str] = Counter()

        def count(event_name: str, **_: object) -> None:
            calls[event_name.split(".", 1)[1]] += 1

        for service_name in ("dynamodb", "s3"):
            client(service_name).meta.events.register("before-call.*.*", count)

        photo = b"\xff\xd8\xff\xe0" + b"\x00" * 200_000  # a 200 kB "photo"

        def uploads() -> tuple[DraftDocument, ...]:
            documents = []
            for n in range(DOCUMENTS):
                stored = store.put_upload(
                    photo, content_type="image/jpeg", detected_type="jpeg", name=f"trang-{n}.jpg"
                )
                documents.append(
                    DraftDocument(
                        component_name=f"Giấy tờ {n + 1}",
                        key=stored.key,
                        name=stored.name,
                        content_type=stored.content_type,
                        size=stored.size,
                        sha256=stored.sha256,
                    )
                )
            return tuple(documents)

        def draft(documents: tuple[DraftDocument, ...]) -> SubmissionDraft:
            return SubmissionDraft(
                procedure_code="1.001193",
                procedure_name="Thủ tục đăng ký khai sinh",
                receiving_agency_code="000.00.17.H12",
                receiving_agency_name="Trung tâm Phục vụ hành chính công phường An Xuyên",
                applicant=Applicant(name="Nguyễn Văn Mẫu", phone="0912345678"),
                owner_zalo_user_id="2468000000000000001",
                time_limit_days=3,
                documents=documents,
            )

        def table_keys() -> set[tuple[str, str]]:  # a bench may scan; request paths never do
            items = client("dynamodb").scan(TableName=get_table().name)["Items"]
            return {(i["pk"]["S"], i["sk"]["S"]) for i in items}

        now = datetime(2026, 11, 26, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
        service.create_dossier(draft(uploads()), "warm-up", now)  # first QR, first calendar year

        calls.clear()
        documents = uploads()
        emit("upload_s3_calls_per_document", calls["s3.PutObject"] / DOCUMENTS)

        before = table_keys()
        calls.clear()
        service.create_dossier(draft(documents), "measured", now)
        created = dict(calls)
        after = table_keys()
        emit("create_aws_calls_3_documents", sum(created.values()))
        emit("create_transactions", created.get("dynamodb.TransactWriteItems", 0))
        emit("create_counter_updates", created.get("dynamodb.UpdateItem", 0))
        emit("create_s3_copies", created.get("s3.CopyObject", 0))
        emit("create_s3_puts_qr", created.get("s3.PutObject", 0))
        emit("dynamodb_items_new_per_dossier", len(after - before), "items")
        # The new items plus the day's sequence item the counter update rewrites.
        emit("dynamodb_items_written_per_dossier", len(after - before) + 1, "items")
        if any(name.endswith(".Scan") for name in created):
            raise SystemExit("creation scanned the table")

        calls.clear()
        service.create_dossier(draft(documents), "measured", now)
        emit("duplicate_confirmation_aws_calls", sum(calls.values()))

        times = []
        for run in range(RUNS):
            documents = uploads()
            started = time.perf_counter()
            service.create_dossier(draft(documents), f"run-{run}", now)
            times.append((time.perf_counter() - started) * 1000)
        emit("create_wall_time_median", round(statistics.median(times), 2), "ms")
        emit("create_wall_time_max", round(max(times), 2), "ms")
        print(f"submission: {RUNS} creations with {DOCUMENTS} documents", file=sys.stderr)


if __name__ == "__main__":
    main()
