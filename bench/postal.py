"""Postal bookings through the real consumer against the provider stand-in (issue 13).

N orders are registered (stored + queued on the postal queue, moto in-process), then the
postal queue is drained like Lambda's event source mapping does (batches of 5) into
``app.consume_postal``, which books each order over HTTP with the local provider stand-in
(local/standins.py, on a free loopback port). Prints orders booked per second (consumer wall
time, the stand-in's HTTP round trips included; moto is far faster than DynamoDB, so this is a
ceiling for the code, not for AWS) and AWS calls per order (counted through botocore's hooks
during consumption only: claim the job, read the order, mark it booked, queue the notice on the
outbox, finish the job). BENCH_POSTAL_ORDERS sets N (default 100).

Prints JSON lines: {"bench": "postal", "metric": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections import Counter
from datetime import UTC, date, datetime

from _moto import ROOT, prepare_environment

prepare_environment()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    import sys

    from moto import mock_aws

    sys.path.insert(0, str(ROOT))
    from local.standins import Postal, serve

    orders = int(os.environ.get("BENCH_POSTAL_ORDERS", "100"))
    standin = Postal({})
    port = free_port()
    server = serve(standin, port)
    os.environ["POSTAL_API_BASE"] = f"http://127.0.0.1:{port}"
    os.environ["QUEUE_BATCH_FAILURES"] = "report"
    import local.standins as standins

    standins.say = lambda service, line: None  # type: ignore[assignment]
    try:
        with mock_aws():
            import botocore.client

            import app as app_module
            from chalicelib.domain.postal import Leg, PostalAddress, PostalOrder
            from chalicelib.platform.aws import client
            from chalicelib.postal.wiring import get_postal_service
            from local.resources import create_all

            create_all(
                {"dynamodb": client("dynamodb"), "s3": client("s3"), "sqs": client("sqs")},
                {"DocumentsBucketName": os.environ["DOCUMENTS_BUCKET"]},
            )
            service = get_postal_service()
            now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
            for n in range(orders):
                service.register(
                    PostalOrder(
                        code=f"000.00.17.H12-261126-{n + 1:04d}",
                        leg=Leg.PICKUP,
                        owner=f"84000000000000{n:05d}",
                        request_id=f"bench-{n}",
                        address=PostalAddress(
                            commune_code="32002", commune_name="Phường An Xuyên", hamlet="Khóm 3"
                        ),
                        recipient_name="Nguyễn Văn An",
                        recipient_phone="+84912345678",
                        pickup_date=date(2026, 11, 30),
                        agency_name="UBND phường An Xuyên",
                        created_at=now,
                        updated_at=now,
                    )
                )
            sqs = client("sqs")
            url = sqs.get_queue_url(QueueName="camau-zalo-postal")["QueueUrl"]
            arn = "arn:aws:sqs:ap-southeast-1:123456789012:camau-zalo-postal"
            calls: Counter[str] = Counter()
            counting = {"on": False}
            original = botocore.client.BaseClient._make_api_call

            def counted(self, operation, params):  # type: ignore[no-untyped-def]
                if counting["on"]:
                    calls[f"{self.meta.service_model.service_name}:{operation}"] += 1
                return original(self, operation, params)

            botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
            booked = failed = 0
            consumer_seconds = 0.0
            while True:
                got = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=5, AttributeNames=["All"]
                ).get("Messages", [])
                if not got:
                    break
                records = [
                    {
                        "messageId": m["MessageId"],
                        "receiptHandle": m["ReceiptHandle"],
                        "body": m["Body"],
                        "attributes": m["Attributes"],
                        "eventSourceARN": arn,
                    }
                    for m in got
                ]
                counting["on"] = True
                started = time.perf_counter()
                answer = app_module.consume_postal({"Records": records}, None)
                consumer_seconds += time.perf_counter() - started
                counting["on"] = False
                bad = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
                failed += len(bad)
                booked += len(records) - len(bad)
                sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(got)
                        if m["MessageId"] not in bad
                    ],
                )
            botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
    finally:
        server.stop()
    if os.environ.get("BENCH_VERBOSE"):
        print(json.dumps(dict(calls)), file=sys.stderr)

    def figure(metric: str, value: float, unit: str) -> None:
        print(json.dumps({"bench": "postal", "metric": metric, "value": value, "unit": unit}))

    figure("orders_booked", booked, "orders")
    figure("orders_failed", failed, "orders")
    figure("orders_per_second", round(booked / consumer_seconds, 1), "orders/s")
    figure("aws_calls_per_order", round(sum(calls.values()) / max(booked, 1), 2), "calls")
    figure("provider_calls_per_order", round(len(standin.orders) / max(booked, 1), 2), "bookings")


if __name__ == "__main__":
    main()
