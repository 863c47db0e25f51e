"""AWS calls of a citizen's personal-data requests ("dữ liệu của tôi", "xuất dữ liệu"), and of a
cold container's first send (the token pair's KMS Decrypt), counted on moto.

A request reads the citizen's partition and the owner index (one Query each: no Scan, whatever
the table holds) and records the request (one PutItem); the export adds one S3 PutObject. The
rest is the ordinary cost of a chat message (bench/event_cost.py). BENCH_VERBOSE=1 prints the
calls by operation.

Prints JSON lines: {"bench": "data_rights", "metric": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter

from _moto import create_resources_and_catalogue, prepare_environment

prepare_environment()
os.environ["PUBLIC_BASE_URL"] = "https://zalo.bench/api"
os.environ["WEBFORM_SECRET"] = "bench-secret-bench-secret-bench"  # noqa: S105 - a bench value

USER = "2468000000000000001"


def record(text: str, n: int) -> dict:
    body = {
        "app_id": "1234567890123456789",
        "sender": {"id": USER},
        "recipient": {"id": "3880000000000000001"},
        "event_name": "user_send_text",
        "message": {"text": text, "msg_id": f"bench-{n}"},
        "timestamp": str(int(time.time() * 1000) + n),
    }
    return {
        "messageId": f"m{n}",
        "receiptHandle": f"r{n}",
        "body": json.dumps(body, ensure_ascii=False),
        "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": USER},
    }


def emit(metric: str, value: int) -> None:
    print(json.dumps({"bench": "data_rights", "metric": metric, "value": value, "unit": "calls"}))


def main() -> None:
    import responses
    from moto import mock_aws

    with mock_aws(), responses.RequestsMock(assert_all_requests_are_fired=False) as zalo:
        zalo.add(
            responses.POST,
            os.environ["ZALO_API_BASE"] + "/v3.0/oa/message/cs",
            json={"error": 0, "data": {"message_id": "x"}},
        )
        from chalicelib.inbound.consumer import consume
        from chalicelib.platform.aws import client
        from chalicelib.platform.container import reset_all
        from chalicelib.root import get_token_manager

        create_resources_and_catalogue()
        get_token_manager().store_initial_pair("a", "r", "90000")
        consume({"Records": [record("#consent:yes", 0)]})
        consume({"Records": [record("menu", 1)]})

        calls: Counter[str] = Counter()

        def count(event_name: str, **_: object) -> None:
            calls.update([event_name])

        def hook() -> None:
            for service in ("dynamodb", "s3", "kms"):
                client(service).meta.events.register("before-call.*.*", count)

        hook()
        for n, (metric, text) in enumerate(
            (("my_data_message", "dữ liệu của tôi"), ("export_message", "xuất dữ liệu")), 2
        ):
            calls.clear()
            consume({"Records": [record(text, n)]})
            emit(f"{metric}_aws_calls", sum(calls.values()))
            if os.environ.get("BENCH_VERBOSE"):
                print(dict(calls))
            if any(name.endswith(".Scan") for name in calls):
                raise SystemExit("a Scan happened")
        reset_all()  # a cold container: it decrypts the token pair once
        hook()
        calls.clear()
        consume({"Records": [record("menu", 9)]})
        emit("cold_container_message_kms_calls", sum(v for k, v in calls.items() if ".kms." in k))


if __name__ == "__main__":
    main()
