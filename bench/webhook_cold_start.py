"""The webhook's first request in a fresh process: what a Lambda cold start adds to it.

Each run is a new interpreter that prepares moto (not timed), then times ``import app`` plus
the first ``POST /zalo/webhook`` invoked exactly as Lambda invokes the API handler (an API
Gateway proxy event), and then a second request (warm). Zalo wants its 200 within 2 seconds;
the figures exclude the Lambda runtime's own start, the network and boto3's import (about
0.2-0.3 s more: moto needs boto3 loaded before the clock starts).

Prints JSON lines: {"bench": "webhook_cold_start", "metric": ..., "value": ..., "unit": "ms"}.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5

CHILD = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ.update({
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_REGION": "ap-southeast-1", "ZALO_APP_ID": "1234567890123456789",
    "ZALO_OA_SECRET_KEY": "bench-secret", "ZALO_APP_SECRET": "bench",
    "DOCUMENTS_BUCKET": "camau-zalo-documents-bench", "LOG_LEVEL": "ERROR",
})
import boto3  # moto needs it before the clock starts: boto3's own import is not in the figure
from moto import mock_aws

def event(n):
    body = {"app_id": "1234567890123456789", "sender": {"id": "2468000000000000001"},
            "recipient": {"id": "3880000000000000001"}, "event_name": "user_send_text",
            "message": {"text": "tra cuu ho so", "msg_id": f"cold-{n}"},
            "timestamp": str(int(time.time() * 1000))}
    raw = json.dumps(body)
    import hashlib
    signed = "1234567890123456789" + raw + body["timestamp"] + "bench-secret"
    mac = hashlib.sha256(signed.encode()).hexdigest()
    return {"resource": "/zalo/webhook", "path": "/zalo/webhook", "httpMethod": "POST",
            "headers": {"Content-Type": "application/json", "X-ZEvent-Signature": "mac=" + mac},
            "multiValueHeaders": {}, "queryStringParameters": None,
            "multiValueQueryStringParameters": None, "pathParameters": None,
            "stageVariables": None, "body": raw, "isBase64Encoded": False,
            "requestContext": {"resourcePath": "/zalo/webhook", "httpMethod": "POST",
                               "path": "/api/zalo/webhook", "stage": "api", "requestId": "r",
                               "identity": {"sourceIp": "127.0.0.1"}}}

with mock_aws():
    sqs = boto3.client("sqs", region_name="ap-southeast-1")
    sqs.create_queue(QueueName="camau-zalo-inbound.fifo",
                     Attributes={"FifoQueue": "true"})
    started = time.perf_counter()
    import app
    result = app.app(event(1), None)
    cold = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    second = app.app(event(2), None)
    warm = (time.perf_counter() - started) * 1000
    assert result["statusCode"] == 200 and second["statusCode"] == 200, (result, second)
    print(json.dumps({"cold": cold, "warm": warm}))
"""


def main() -> None:
    colds, warms = [], []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        colds.append(figures["cold"])
        warms.append(figures["warm"])
    for metric, values in (("first_request_median", colds), ("second_request_median", warms)):
        value = round(statistics.median(values), 1)
        print(
            json.dumps(
                {"bench": "webhook_cold_start", "metric": metric, "value": value, "unit": "ms"}
            )
        )


if __name__ == "__main__":
    main()
