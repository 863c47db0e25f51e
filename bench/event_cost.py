"""AWS calls (and Zalo calls) to process one chat message end to end, counted on moto.

Target (issue 7): at most 6 AWS calls for a message that gets one reply. Today 4: claim the
event's job, read the profile and the session (one Query), save the plan (with the interaction
and the session it leaves, in one transaction), finish the job (with the reply's notice record,
in one transaction); lookups (a dossier, the catalogue) add theirs. BENCH_VERBOSE=1 prints the
calls by operation. A text forwarded to a live conversation with an officer (issue 14) costs
the same four: the message and the conversation's activity ride on the plan's transaction.

Runs the real inbound consumer on a Lambda-shaped SQS event with the Zalo Open API mocked, and
counts the DynamoDB/S3 calls through botocore's event hooks. The figures do not grow with the
size of the tables (no Scan; every access is on a key).

Prints JSON lines: {"bench": "event_cost", "metric": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter

from _moto import create_resources_and_catalogue, prepare_environment

prepare_environment()

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
        from chalicelib.root import get_token_manager

        create_resources_and_catalogue()
        get_token_manager().store_initial_pair("a", "r", "90000")
        # First contact (profile, greeting) and the container's caches (the search index is
        # loaded once per container and re-checked every few minutes): the figures below are
        # those of a warm container, as nearly every message meets.
        consume({"Records": [record("menu", 0)]})
        consume({"Records": [record("giay khai sinh", 100)]})

        calls: Counter[str] = Counter()
        for service in ("dynamodb", "s3"):
            client(service).meta.events.register(
                "before-call.*.*", lambda event_name, **_: calls.update([event_name])
            )
        for n, (metric, text) in enumerate(
            (
                ("procedure_search_message", "giay phep xay dung"),
                ("menu_message", "menu"),
                ("", "#consent:yes"),
                ("", "gap can bo"),  # a live conversation with an officer opens (issue 14)
                ("live_forwarded_text", "cho tôi hỏi về giấy phép xây dựng"),
            ),
            1,
        ):
            calls.clear()
            sent_before = len(zalo.calls)
            consume({"Records": [record(text, n)]})
            replies = len(zalo.calls) - sent_before
            if not metric:  # a step towards the next measured message
                continue
            print(
                json.dumps(
                    {
                        "bench": "event_cost",
                        "metric": f"{metric}_aws_calls",
                        "value": sum(calls.values()),
                        "unit": "calls",
                    }
                )
            )
            print(
                json.dumps(
                    {
                        "bench": "event_cost",
                        "metric": f"{metric}_zalo_messages",
                        "value": replies,
                        "unit": "messages",
                    }
                )
            )
            if os.environ.get("BENCH_VERBOSE"):
                print(dict(calls))
            if any(name.endswith(".Scan") for name in calls):
                raise SystemExit("a Scan happened")


if __name__ == "__main__":
    main()
