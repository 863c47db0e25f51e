"""AWS calls per back-office integration request (issue 12), counted on moto: a status event
(claim the request's job, read the dossier, save it, queue the notice, finish the job), a feed
page, a dossier read (with its access log entry), a replayed request. The figures do not grow
with the size of the table (no Scan: the feed is one Query on gsi2). BENCH_VERBOSE=1 prints the
calls by operation.

Prints JSON lines: {"bench": "integration_cost", "metric": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from _moto import create_resources_and_catalogue, prepare_environment

prepare_environment()
SECRET = "whsec_" + base64.b64encode(b"bench-back-office-secret-32bytes").decode()
os.environ["INTEGRATION_CLIENTS"] = json.dumps({"bench": {"secrets": [SECRET]}})
os.environ["PUBLIC_BASE_URL"] = "https://bench.test"
CODE = "000.00.17.H12-261124-0001"


def main() -> None:
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from app import app
        from chalicelib.api.integration.auth import sign
        from chalicelib.platform.aws import client

        create_resources_and_catalogue()
        calls: Counter[str] = Counter()
        for service in ("dynamodb", "s3", "sqs"):
            client(service).meta.events.register(
                "before-call.*.*", lambda event_name, **_: calls.update([event_name])
            )

        def request(http, method: str, path: str, body=None, webhook_id=None):
            data = b"" if body is None else json.dumps(body).encode()
            webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
            stamp = int(time.time())
            headers = {
                "x-client-id": "bench",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": sign(SECRET, webhook_id, stamp, data),
                "content-type": "application/json",
                "x-officer-id": "officer-1",
            }
            answer = getattr(http, method)(f"/integration/v1{path}", headers=headers, body=data)
            assert answer.status_code in (200, 201), answer.body
            return answer

        received = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
        registration = {
            "procedure_code": "1.001193",
            "receiving_agency": "000.00.17.H12",
            "received_at": received.isoformat(),
            "officer": "officer-1",
            "applicant": {"name": "Bench", "phone": "0912000111", "id_number": "096090000123"},
        }
        with Client(app) as test_client:
            http = test_client.http
            request(http, "put", f"/dossiers/{CODE}", registration)  # warm: queue URL, caches
            measured = []
            for n, metric in enumerate(("status_event", "second_status_event"), 1):
                status = 4 if n == 1 else 9
                event = {"status": status, "at": (received + timedelta(hours=n)).isoformat()}
                event["officer"] = "o"
                if status == 9:
                    event["result"] = {"pickup": "Quầy 1"}
                calls.clear()
                request(http, "post", f"/dossiers/{CODE}/events", event, webhook_id=f"m{n}")
                measured.append((metric, dict(calls)))
            calls.clear()
            request(http, "post", f"/dossiers/{CODE}/events", event, webhook_id="m2")
            measured.append(("replayed_request", dict(calls)))
            time.sleep(2.1)  # past the feed's settling window
            calls.clear()
            request(http, "get", "/dossiers?limit=50")
            measured.append(("feed_page", dict(calls)))
            calls.clear()
            request(http, "get", f"/dossiers/{CODE}")
            measured.append(("dossier_read", dict(calls)))
        for metric, counted in measured:
            print(
                json.dumps(
                    {
                        "bench": "integration_cost",
                        "metric": f"{metric}_aws_calls",
                        "value": sum(counted.values()),
                        "unit": "calls",
                    }
                )
            )
            if os.environ.get("BENCH_VERBOSE"):
                print(metric, counted, file=__import__("sys").stderr)
            if any(name.endswith(".Scan") for name in counted):
                raise SystemExit("a Scan happened")


if __name__ == "__main__":
    main()
