"""Time from a transient Zalo failure to the reply being delivered (the retry ladder).

A real wait, on moto's SQS in process: one chat message is queued on the inbound FIFO queue and
a poller hands it to the real consumer the way Lambda's event source mapping does
(``local.run.run_batch``). Zalo's Open API answers 503 to the first attempt's send (retries off,
so the attempt fails at once), then recovers. The figure is the wall time from the end of the
failed attempt to the reply reaching Zalo: the first rung of the ladder plus the poll and the
processing. Before the ladder the record came back only after the queue's 720 s visibility
timeout; that figure is printed beside it, read from infra/resources.json.

Prints JSON lines: {"bench": "retry_recovery", "metric": ..., "value": ..., "unit": ...}.
"""

from __future__ import annotations

import json
import os
import time

from _moto import create_resources_and_catalogue, prepare_environment

prepare_environment()
os.environ["HTTP_MAX_RETRIES"] = "0"  # the failed attempt ends at once: we time the ladder
os.environ["QUEUE_BATCH_FAILURES"] = "delete_and_raise"  # the stricter of the two modes

USER = "2468000000000000001"
LIMIT_SECONDS = 200

# stdout carries the figures only: the logs of the failed attempt (errors) go to stderr.
FIGURES = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)


def figure(metric: str, value: float, unit: str) -> None:
    line = {"bench": "retry_recovery", "metric": metric, "value": value, "unit": unit}
    FIGURES.write(json.dumps(line) + "\n")
    FIGURES.flush()


def main() -> None:
    import responses
    from moto import mock_aws

    from local.resources import load_template, resources_of
    from local.run import run_batch

    with mock_aws(), responses.RequestsMock(assert_all_requests_are_fired=False) as zalo:
        state = {"down": True, "delivered_at": 0.0}

        def cs(request):
            if state["down"]:
                return 503, {}, "Service Unavailable"
            state["delivered_at"] = time.monotonic()
            return 200, {}, json.dumps({"error": 0, "data": {"message_id": "x"}})

        zalo.add_callback(responses.POST, os.environ["ZALO_API_BASE"] + "/v3.0/oa/message/cs", cs)

        from chalicelib.inbound.consumer import consume
        from chalicelib.platform.aws import client
        from chalicelib.root import get_token_manager
        from chalicelib.settings import get_settings

        create_resources_and_catalogue()
        get_token_manager().store_initial_pair("a", "r", "90000")
        sqs = client("sqs")
        name = get_settings().INBOUND_QUEUE
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        body = {
            "app_id": "1234567890123456789",
            "sender": {"id": USER},
            "recipient": {"id": "3880000000000000001"},
            "event_name": "user_send_text",
            "message": {"text": "menu", "msg_id": "bench-retry"},
            "timestamp": str(int(time.time() * 1000)),
        }
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(body, ensure_ascii=False),
            MessageGroupId="bench-user",
            MessageDeduplicationId="bench-retry",
        )

        failed_at = None
        attempts = 0
        processing: list[float] = []
        started = time.monotonic()
        while not state["delivered_at"] and time.monotonic() - started < LIMIT_SECONDS:
            messages = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                continue
            attempts += 1
            began = time.monotonic()
            outcome = run_batch(
                lambda event, context: consume(event),
                sqs,
                url,
                arn,
                "ap-southeast-1",
                messages,
                None,
            )
            processing.append(time.monotonic() - began)
            if failed_at is None:
                if not outcome.kept:
                    raise SystemExit("the first attempt did not fail: nothing was measured")
                failed_at = time.monotonic()
                state["down"] = False  # the hiccup is over
        if not state["delivered_at"] or failed_at is None:
            raise SystemExit(f"no reply within {LIMIT_SECONDS} s")

        queues = resources_of(load_template(), "AWS::SQS::Queue")
        visibility = next(q["VisibilityTimeout"] for q in queues.values() if q["QueueName"] == name)
        figure("failure_to_reply_seconds", round(state["delivered_at"] - failed_at, 1), "s")
        figure("attempts_until_delivered", attempts, "attempts")
        figure("attempt_processing_ms", round(1000 * max(processing), 1), "ms")
        figure("failure_to_reply_without_ladder_seconds", visibility, "s")


if __name__ == "__main__":
    main()
