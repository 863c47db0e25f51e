"""AWS calls of the officers' side of a live conversation ("Gặp cán bộ", issue 14), counted on
moto through botocore's event hooks: the inbox, one conversation, a reply (stored and queued in
the outbox once per request), the close. Each is a fixed number of calls, whatever the number
of conversations (one Query on the gsi2 inbox, never a Scan). BENCH_VERBOSE=1 prints the calls.

Prints JSON lines: {"bench": "live_conversation", "metric": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime, timedelta

from _moto import create_resources_and_catalogue, prepare_environment

prepare_environment()
SECRET = "whsec_YmVuY2gtYmFjay1vZmZpY2Utc2VjcmV0LTMyLWJ5dGVzIQ=="  # noqa: S105 (bench only)
os.environ["INTEGRATION_CLIENTS"] = json.dumps(
    {"bench": {"secrets": [SECRET], "scopes": ["feedback"]}}
)
AGENCY = "000.00.17.H12"


class Request:
    """A signed request as Chalice hands it to a controller."""

    def __init__(self, method: str, body: dict | None = None, query: dict | None = None) -> None:
        import time
        import uuid

        from chalicelib.api.integration.auth import sign

        self.method = method
        self.raw_body = json.dumps(body).encode() if body is not None else b""
        self.query_params = query
        self.uri_params = None
        webhook_id, stamp = f"msg_{uuid.uuid4().hex}", int(time.time())
        self.headers = {
            "x-client-id": "bench",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(SECRET, webhook_id, stamp, self.raw_body),
        }


def main() -> None:
    from moto import mock_aws

    with mock_aws():
        from chalicelib.api.integration import live
        from chalicelib.platform.aws import client
        from chalicelib.storage.conversations import LiveConversations
        from chalicelib.storage.table import get_table

        create_resources_and_catalogue()
        store = LiveConversations(get_table())
        now = datetime.now(UTC)
        for n in range(200):  # an inbox of some size: the figures do not depend on it
            at = now - timedelta(minutes=n)
            store.open(f"24680000000000{n:05d}", f"L261202-{n:08x}", AGENCY, at, None)
        ref = "L261202-00000000"
        calls: Counter[str] = Counter()
        for service in ("dynamodb", "s3", "sqs"):
            client(service).meta.events.register(
                "before-call.*.*", lambda event_name, **_: calls.update([event_name])
            )
        steps = (
            ("inbox", lambda: live.list_conversations(Request("GET", query={"limit": "20"}))),
            ("conversation", lambda: live.get_conversation(Request("GET"), ref)),
            (
                "officer_reply",
                lambda: live.reply(Request("POST", {"officer": "cb", "text": "Chào"}), ref),
            ),
            ("close", lambda: live.close(Request("POST", {"officer": "cb"}), ref)),
        )
        for metric, call in steps:
            calls.clear()
            answer = call()
            if answer.status_code >= 300:
                raise SystemExit(f"{metric}: {answer.status_code} {answer.body}")
            figure = {"bench": "live_conversation", "metric": f"{metric}_aws_calls"}
            print(json.dumps({**figure, "value": sum(calls.values()), "unit": "calls"}))
            if os.environ.get("BENCH_VERBOSE"):
                print(dict(calls), file=__import__("sys").stderr)
            if any(name.endswith(".Scan") for name in calls):
                raise SystemExit("a Scan happened")


if __name__ == "__main__":
    main()
