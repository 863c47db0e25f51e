"""Intake throughput of ``POST /zalo/webhook`` against the least any intake must do.

The reference handler only checks the SHA-256 signature and sends one SQS FIFO message. Both
run in the same process, through the same harness (``chalice.test.Client``, stage ``dev``)
against the same moto queue (``mock_aws``), with the same boto3 client, on freshly signed
``user_send_text`` events; rounds alternate which goes first to cancel drift and noise.
Prints requests/s of both, the ratio of time per request, ours / reference (target <= 1.3), and
the difference in ms per request (moto's own cost, most of both times, flattens the ratio).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_INTAKE_REQUESTS", "2000"))  # each side
ROUNDS = int(os.environ.get("BENCH_INTAKE_ROUNDS", "20"))
APP_ID = "1234567890123456789"
SECRET = "oa-secret-for-tests"  # noqa: S105 - the fixtures' test secret
QUEUE = "camau-zalo-inbound.fifo"

ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_REGION": "ap-southeast-1",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "ZALO_APP_ID": APP_ID,
    "ZALO_OA_ID": "3880000000000000001",
    "ZALO_OA_SECRET_KEY": SECRET,
    "ZALO_APP_SECRET": "app-secret-for-bench",
    "OPERATOR_SECRET": "operator-secret-for-bench-32-chars-long",  # stage dev wants >= 32
    "DOCUMENTS_BUCKET": "camau-zalo-documents-bench",
}


def signed_events(prefix: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """``count`` distinct signed ``user_send_text`` deliveries (body, headers)."""
    events = []
    base = int(time.time() * 1000)
    for n in range(count):
        timestamp = str(base + n)
        body = json.dumps(
            {
                "app_id": APP_ID,
                "sender": {"id": f"24680000000{n % 50:08d}"},
                "recipient": {"id": "3880000000000000001"},
                "event_name": "user_send_text",
                "message": {"text": "tra cứu hồ sơ", "msg_id": f"{prefix}-{n}"},
                "timestamp": timestamp,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        mac = hashlib.sha256(APP_ID.encode() + body + timestamp.encode() + SECRET.encode())
        headers = {
            "Content-Type": "application/json",
            "X-ZEvent-Signature": "mac=" + mac.hexdigest(),
        }
        events.append((body, headers))
    return events


def reference_app() -> Any:
    """The least an intake can do: verify the signature, send one FIFO message, answer {}."""
    from chalice import Chalice

    from chalicelib.platform.aws import client

    ref = Chalice(app_name="reference")
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]

    @ref.route("/ref", methods=["POST"], content_types=["application/json", "text/plain"])
    def intake() -> dict[str, Any]:
        request = ref.current_request
        raw = request.raw_body
        body = json.loads(raw)
        expected = hashlib.sha256(
            APP_ID.encode() + raw + str(body["timestamp"]).encode() + SECRET.encode()
        ).hexdigest()
        given = (request.headers.get("x-zevent-signature") or "").removeprefix("mac=")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return {}
        sqs.send_message(
            QueueUrl=url,
            MessageBody=raw.decode("utf-8"),
            MessageGroupId=body["sender"]["id"],
            MessageDeduplicationId=hashlib.sha256(body["message"]["msg_id"].encode()).hexdigest(),
        )
        return {}

    return ref


_QUEUE_SETTABLE = (
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "RedrivePolicy",
)


def empty_queue(sqs: Any, url: str) -> None:
    """Recreate the queue, same name and attributes, so every timed run starts from an empty
    queue: moto's SendMessage costs time proportional to the messages already queued, and
    PurgeQueue is allowed once a minute."""
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    sqs.delete_queue(QueueUrl=url)
    again = sqs.create_queue(
        QueueName=QUEUE, Attributes={k: attrs[k] for k in _QUEUE_SETTABLE if k in attrs}
    )["QueueUrl"]
    assert again == url  # the URL cached by both handlers stays valid


def queued(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def figure(metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": "webhook_intake", "metric": metric, "value": value, "unit": unit}))


def main() -> int:
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in ("AWS_PROFILE", "SECRETS_SSM_PATH"):
            del os.environ[name]
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    from moto import mock_aws

    # The app logs one JSON line per request on stdout (as in Lambda): keep paying for it, but
    # write it to /dev/null so that stdout carries only the figures.
    figures_out = sys.stdout
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - restored below
    try:
        seconds = measure(mock_aws)
    finally:
        sys.stdout.close()
        sys.stdout = figures_out
    if seconds is None:
        return 1
    ours_s = statistics.median(seconds["ours"])
    ref_s = statistics.median(seconds["reference"])
    per_round = max(1, REQUESTS // ROUNDS)
    print(f"webhook_intake: {ROUNDS} rounds x {per_round} requests each side", file=sys.stderr)
    figure("ours_requests_per_s", round(1 / ours_s, 1), "req/s")
    figure("reference_requests_per_s", round(1 / ref_s, 1), "req/s")
    figure("ratio_time_ours_vs_reference", round(ours_s / ref_s, 3), "x (target <= 1.3)")
    # moto's SendMessage is most of both times, which flattens the ratio: say the difference too.
    figure("extra_time_per_request", round((ours_s - ref_s) * 1000, 3), "ms")
    return 0


def measure(mock_aws: Any) -> dict[str, list[float]] | None:
    """Seconds per request of each side, one entry per round (None if a side did not queue)."""
    with mock_aws():
        from chalice.test import Client

        from chalicelib.platform.aws import client, reset_clients
        from chalicelib.settings import reset_settings
        from local.resources import create_all

        reset_clients()
        reset_settings()
        create_all(
            {name: client(name) for name in ("dynamodb", "s3", "sqs", "kms")},
            {"DocumentsBucketName": ENV["DOCUMENTS_BUCKET"]},
        )
        import app as app_module

        sqs = client("sqs")
        url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
        per_round = max(1, REQUESTS // ROUNDS)
        ours_events = signed_events("ours", per_round * ROUNDS + 1)
        ref_events = signed_events("ref", per_round * ROUNDS + 1)
        with (
            Client(app_module.app, stage_name="dev", project_dir=str(ROOT)) as ours,
            Client(reference_app(), stage_name="dev", project_dir=str(ROOT)) as ref,
        ):
            sides = {
                "ours": (
                    lambda body, headers: ours.http.post(
                        "/zalo/webhook", body=body, headers=headers
                    ),
                    ours_events,
                ),
                "reference": (
                    lambda body, headers: ref.http.post("/ref", body=body, headers=headers),
                    ref_events,
                ),
            }
            # Both sides must really queue: a rejected or unqueued request would be cheaper.
            for name, (post, events) in sides.items():
                before = queued(sqs, url)
                response = post(*events.pop())
                if response.status_code != 200 or queued(sqs, url) != before + 1:
                    print(f"{name}: the warm-up request was not queued", file=sys.stderr)
                    return None
            seconds: dict[str, list[float]] = {"ours": [], "reference": []}
            for n in range(ROUNDS):
                order = ["ours", "reference"] if n % 2 == 0 else ["reference", "ours"]
                for name in order:
                    post, events = sides[name]
                    batch = events[n * per_round : (n + 1) * per_round]
                    empty_queue(sqs, url)
                    started = time.perf_counter()
                    for body, headers in batch:
                        post(body, headers)
                    seconds[name].append((time.perf_counter() - started) / len(batch))
    return seconds


if __name__ == "__main__":
    raise SystemExit(main())
