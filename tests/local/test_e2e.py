"""The local system (``make run``) as a developer uses it, and the Lambda behaviours it emulates.

The ``e2e`` tests start ``python -m local.run`` as a real process on free loopback ports and talk
to it over HTTP only. The other tests check, in-process against moto, that SQS batches and
schedules reach handlers exactly as Lambda hands them over.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, ROOT, fixture_event

FOLLOWER = "2468000000000000001"  # follower.id in tests/fixtures/zalo/follow.json


def fresh_signed_event(name: str) -> tuple[bytes, str]:
    """A reference fixture with a current timestamp, signed with the local defaults (the
    webhook refuses events signed more than 7 days ago as replays)."""
    from chalicelib.zalo.signature import header_value
    from local.run import local_defaults

    defaults = local_defaults({})
    body = json.loads((FIXTURES / f"{name}.json").read_bytes())
    body["timestamp"] = str(int(time.time() * 1000))
    raw = json.dumps(body).encode()
    header = header_value(
        defaults["ZALO_APP_ID"], raw, body["timestamp"], defaults["ZALO_OA_SECRET_KEY"]
    )
    return raw, header


PORT_NAMES = (
    "PORT",
    "MOTO_PORT",
    "CONTROL_PORT",
    "ZALO_STANDIN_PORT",
    "OAUTH_STANDIN_PORT",
    "TEMPLATE_STANDIN_PORT",
    "POSTAL_STANDIN_PORT",
    "CDN_STANDIN_PORT",
)


# --- helpers -------------------------------------------------------------------------------------
def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def clean_env(**extra: str) -> dict[str, str]:
    """A minimal environment: none of the test settings of conftest leak into the child, so it
    runs on the runner's own local defaults, as `make run` does on a developer machine."""
    env = {
        k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if k in os.environ
    }
    env.update(PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", **extra)
    return env


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# --- end to end ----------------------------------------------------------------------------------
@pytest.mark.e2e
@pytest.mark.timeout(240)
def test_make_run_answers_a_follow_end_to_end_and_stops_cleanly_on_sigint(tmp_path):
    ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
    env = clean_env(
        **{k: str(v) for k, v in ports.items()},
        LOCAL_CDN_DIR=str(tmp_path / "cdn"),
        LOCAL_SCHEDULES="off",
    )
    log_path = tmp_path / "run.log"
    api = f"http://127.0.0.1:{ports['PORT']}"
    zalo = f"http://127.0.0.1:{ports['ZALO_STANDIN_PORT']}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.run"], cwd=ROOT, env=env, stdout=log, stderr=log
        )

    def output() -> str:
        return log_path.read_text("utf-8", errors="replace")

    try:
        # 1. /health over real HTTP within 60 s; /health/ready (operators) reaches everything.
        deadline, status, health = time.monotonic() + 60, None, None
        while time.monotonic() < deadline:
            assert process.poll() is None, f"local.run exited early:\n{output()}"
            try:
                status, health = http("GET", f"{api}/health")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert status == 200, f"/health never answered 200 ({status} {health}):\n{output()}"
        assert health == {"status": "ok"}
        assert http("GET", f"{api}/health/ready")[0] == 403
        from local.run import local_defaults

        operator = {"X-Operator-Secret": local_defaults({})["OPERATOR_SECRET"]}
        status, health = http("GET", f"{api}/health/ready", None, operator)
        assert status == 200, f"/health/ready answered {status} {health}:\n{output()}"
        resources = health["resources"]
        assert {"table", "documents_bucket", "inbound_queue", "postal_queue"} <= set(resources)
        assert all(r["ok"] for r in resources.values()), resources

        # 2. A signed follow event -> webhook -> SQS -> worker -> consumer -> Zalo stand-in.
        raw, signature = fresh_signed_event("follow")
        status, _ = http(
            "POST",
            f"{api}/zalo/webhook",
            raw,
            {"Content-Type": "application/json", "X-ZEvent-Signature": signature},
        )
        assert status == 200
        replies: list[dict[str, Any]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not replies:
            _, body = http("GET", f"{zalo}/_local/messages?user_id={FOLLOWER}&after=0")
            replies = body["messages"]
            time.sleep(0.3)
        assert replies, f"no reply reached the Zalo stand-in for {FOLLOWER}:\n{output()}"
        assert replies[0]["user_id"] == FOLLOWER

        # 3. make schedule NAME=<unknown> lists the known ones and exits 2.
        fire = subprocess.run(
            [sys.executable, "-m", "local.fire", "no_such_schedule"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert fire.returncode == 2, fire
        assert "known schedules" in fire.stderr
        assert "send_reminders" in fire.stderr

        # 3b. make schedule NAME=send_reminders runs the reminders on the sample dossiers (one
        # overdue: a digest entry, its e-mail through moto's SES from the verified sender).
        fire = subprocess.run(
            [sys.executable, "-m", "local.fire", "send_reminders"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert fire.returncode == 0, f"{fire}\n{output()}"
        assert "schedule send_reminders: ok" in fire.stdout
        report = json.loads(fire.stdout.split("returned ", 1)[1])
        assert report["digest_entries"] >= 1 or not _is_working_day_today(), report

        # 4. make chat, piped: a signed event in, the OA's reply printed.
        chat = subprocess.run(
            [sys.executable, "-m", "local.chat", "--user", "2468000000000000077", "--wait", "20"],
            cwd=ROOT,
            env=env,
            input="/follow\nxuat du lieu\n",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
        )
        assert chat.returncode == 0, chat
        assert "OA:" in chat.stdout, f"{chat.stdout}\n{chat.stderr}\n{output()}"
        # 4b. The personal-data export: the link in the chat, through the local API's
        # redirect to the (moto) bucket: the citizen's JSON copy.
        links = re.findall(r"(http://\S+/public/exports/\S+)", chat.stdout)
        assert links, f"no export link:\n{chat.stdout}\n{output()}"
        status, document = http("GET", links[-1])
        assert status == 200 and document["zalo_user_id"] == "2468000000000000077", document

        # 4b. "Gặp cán bộ" in make chat, answered by make officer (the signed integration API,
        # the outbox, the consumer, the Zalo stand-in).
        _live_conversation_end_to_end(env, zalo, output)

        # 5. A question filed in the chat reaches the officer inbox (make feedback-desk); the
        # officer's answer reaches the citizen through the outbox and the consumer.
        asker = "2468000000000000078"
        lines = [
            "hỏi đáp",
            "#consent:yes",
            "#fb:kind:question",
            "Đăng ký khai sinh cho con cần mang theo những giấy tờ gì?",
            "#fb:next",
            "#fb:send",
        ]
        chat = subprocess.run(
            [sys.executable, "-m", "local.chat", "--user", asker, "--wait", "20"],
            cwd=ROOT,
            env=env,
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=180,
        )
        from chalicelib.domain.feedback import find_ref

        ref = find_ref(chat.stdout)
        assert ref, f"no reference number in the chat:\n{chat.stdout}\n{output()}"

        def officer(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "local.feedback_desk", *argv],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=60,
            )

        inbox = officer("inbox", "--state", "new")
        assert inbox.returncode == 0 and ref in inbox.stdout, f"{inbox}\n{output()}"
        answered = officer("answer", ref, "Mang tờ khai và giấy chứng sinh.")
        assert answered.returncode == 0, answered
        answers: list[dict[str, Any]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not answers:
            _, body = http("GET", f"{zalo}/_local/messages?user_id={asker}&after=0")
            answers = [
                m
                for m in body["messages"]
                if "giấy chứng sinh." in json.dumps(m, ensure_ascii=False)
            ]
            time.sleep(0.3)
        assert answers, f"the officer's answer never reached {asker}:\n{output()}"
    finally:
        # 6. SIGINT stops everything: exit 0 within 15 s, every port free again.
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"local.run did not stop within 15 s of SIGINT:\n{output()}")
    assert code == 0, output()
    busy = [name for name, port in ports.items() if not port_is_free(port)]
    assert not busy, busy


def _live_conversation_end_to_end(env: dict[str, str], zalo: str, output: Any) -> None:
    citizen = "2468000000000000078"

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=90,
        )

    chat = run("local.chat", "--user", citizen, "--wait", "20", stdin="menu\n1\ngap can bo\n")
    assert chat.returncode == 0, chat
    assert "kết nối với cán bộ" in chat.stdout, f"{chat.stdout}\n{output()}"
    listed = run("local.officer", "list")
    assert listed.returncode == 0, f"{listed.stdout}\n{listed.stderr}\n{output()}"
    ref = json.loads(listed.stdout.split("\n", 1)[1])["conversations"][0]["ref"]
    answered = run("local.officer", "reply", ref, "Chào", "Ông/Bà")
    assert answered.returncode == 0, f"{answered.stdout}\n{answered.stderr}\n{output()}"
    deadline, texts = time.monotonic() + 30, []
    while time.monotonic() < deadline and "Cán bộ trả lời:\nChào Ông/Bà" not in texts:
        _, body = http("GET", f"{zalo}/_local/messages?user_id={citizen}&after=0")
        texts = [m.get("text") for m in body["messages"]]
        time.sleep(0.3)
    assert "Cán bộ trả lời:\nChào Ông/Bà" in texts, f"{texts}\n{output()}"
    assert run("local.officer", "close", ref).returncode == 0


@pytest.mark.e2e
def test_make_run_with_an_invalid_setting_prints_one_line_naming_it_and_exits_non_zero():
    ports = free_ports(len(PORT_NAMES))
    env = clean_env(ZALO_APP_ID="", **dict(zip(PORT_NAMES, map(str, ports), strict=True)))
    result = subprocess.run(
        [sys.executable, "-m", "local.run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode != 0
    assert len(lines) == 1, lines
    assert "ZALO_APP_ID" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.e2e
def test_make_run_with_unreachable_aws_prints_one_error_line_naming_the_setting():
    ports = free_ports(len(PORT_NAMES))
    dead = free_ports(1)[0]  # nothing listens there
    env = clean_env(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{dead}",
        **dict(zip(PORT_NAMES, map(str, ports), strict=True)),
    )
    result = subprocess.run(
        [sys.executable, "-m", "local.run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0
    assert len(errors) == 1, errors
    assert "AWS_ENDPOINT_URL" in errors[0] and "creating the resources" in errors[0]
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.e2e
def test_make_run_refuses_a_taken_port_with_one_line_naming_it():
    ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["MOTO_PORT"]))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "local.run"],
            cwd=ROOT,
            env=clean_env(**{k: str(v) for k, v in ports.items()}),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert "MOTO_PORT" in result.stderr and "Traceback" not in result.stderr


# --- SQS: Lambda's event shape and ReportBatchItemFailures semantics ----------------------------
def _receive_all(sqs: Any, url: str, count: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while len(messages) < count and time.monotonic() < deadline:
        messages += sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
    assert len(messages) == count
    return messages


def _counts(sqs: Any, url: str) -> tuple[int, int]:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attrs["ApproximateNumberOfMessages"]),
        int(attrs["ApproximateNumberOfMessagesNotVisible"]),
    )


@pytest.fixture
def postal_queue(aws):
    from chalicelib.platform.aws import client

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="camau-zalo-postal")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return sqs, url, arn


def test_a_record_named_in_batch_item_failures_is_the_only_one_left_in_the_queue(postal_queue):
    from local.run import run_batch

    sqs, url, arn = postal_queue
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    messages = _receive_all(sqs, url, 3)
    seen: list[str] = []

    def handler(event, context):
        seen.extend(r["body"] for r in event["Records"])
        bad = [r["messageId"] for r in event["Records"] if r["body"] == "b"]
        return {"batchItemFailures": [{"itemIdentifier": i} for i in bad]}

    outcome = run_batch(handler, sqs, url, arn, "ap-southeast-1", messages, context=None)

    assert sorted(seen) == ["a", "b", "c"]
    assert len(outcome.deleted) == 2 and len(outcome.kept) == 1 and outcome.error is None
    assert sum(_counts(sqs, url)) == 1
    kept = next(m for m in messages if m["Body"] == "b")
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=kept["ReceiptHandle"], VisibilityTimeout=0
    )
    again = _receive_all(sqs, url, 1)[0]
    assert again["Body"] == "b"
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


@pytest.mark.parametrize(
    "behaviour",
    ["raises", "names_a_record_not_in_the_batch", "gives_an_empty_identifier"],
)
def test_a_failed_batch_leaves_every_record_in_the_queue(postal_queue, behaviour):
    from local.run import run_batch

    sqs, url, arn = postal_queue
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    messages = _receive_all(sqs, url, 2)

    def handler(event, context):
        if behaviour == "raises":
            raise RuntimeError("boom")
        identifier = "not-in-batch" if behaviour == "names_a_record_not_in_the_batch" else ""
        return {"batchItemFailures": [{"itemIdentifier": identifier}]}

    outcome = run_batch(handler, sqs, url, arn, "ap-southeast-1", messages, context=None)

    assert outcome.deleted == [] and len(outcome.kept) == 2 and outcome.error
    assert sum(_counts(sqs, url)) == 2


@pytest.mark.parametrize("result", [None, {}, {"batchItemFailures": []}, "ok"])
def test_a_batch_without_failures_is_deleted(postal_queue, result):
    from local.run import run_batch

    sqs, url, arn = postal_queue
    sqs.send_message(QueueUrl=url, MessageBody="a")
    messages = _receive_all(sqs, url, 1)

    outcome = run_batch(lambda e, c: result, sqs, url, arn, "r", messages, context=None)

    assert len(outcome.deleted) == 1 and outcome.kept == []
    assert _counts(sqs, url) == (0, 0)


def test_fifo_records_have_lambdas_shape_and_reach_a_chalice_handler(aws):
    from chalice import Chalice

    from chalicelib.platform.aws import client
    from local.run import lambda_context, run_batch

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="camau-zalo-inbound.fifo")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    raw, _ = fixture_event("user_send_text")
    sqs.send_message(
        QueueUrl=url,
        MessageBody=raw.decode(),
        MessageGroupId=FOLLOWER,
        MessageDeduplicationId="dedup-1",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "zalo"}},
    )
    messages = _receive_all(sqs, url, 1)
    app = Chalice(app_name="shape")
    received: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []

    @app.on_sqs_message(queue="camau-zalo-inbound.fifo", batch_size=10)
    def consume(event):
        events.append(event.to_dict())
        for record in event:
            received.append(
                {
                    "body": record.body,
                    "receipt_handle": record.receipt_handle,
                    "id": record.to_dict()["messageId"],
                }
            )

    from local.run import chalice_config

    context = lambda_context(chalice_config(None), "consume_inbound")
    outcome = run_batch(consume, sqs, url, arn, "ap-southeast-1", messages, context)

    assert outcome.error is None and len(outcome.deleted) == 1
    assert received == [
        {
            "body": raw.decode(),
            "receipt_handle": messages[0]["ReceiptHandle"],
            "id": messages[0]["MessageId"],
        }
    ]
    record = events[0]["Records"][0]
    assert set(record) >= {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == arn and arn.endswith(":camau-zalo-inbound.fifo")
    assert record["awsRegion"] == "ap-southeast-1"
    attributes = record["attributes"]
    assert attributes["ApproximateReceiveCount"] == "1"
    assert attributes["SentTimestamp"].isdigit()
    assert attributes["MessageGroupId"] == FOLLOWER
    assert attributes["MessageDeduplicationId"] == "dedup-1"
    assert record["messageAttributes"]["kind"]["stringValue"] == "zalo"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert context.function_name == "camau-zalo-dev-consume_inbound"
    assert context.get_remaining_time_in_millis() > 59_000  # the stage's 60 s for this function


def test_the_worker_thread_polls_its_queue_and_deletes_what_succeeded(postal_queue):
    from local.run import QueueWorker

    sqs, url, _ = postal_queue
    bodies: list[str] = []
    stop = threading.Event()
    worker = QueueWorker(
        "consume_postal",
        "camau-zalo-postal",
        batch_size=5,
        handler=lambda event, context: bodies.extend(r["body"] for r in event["Records"]),
        context_factory=lambda: None,
        stop=stop,
    )
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    worker.start()
    deadline = time.monotonic() + 15
    while worker.deleted < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    worker.join(timeout=5)

    assert not worker.is_alive()
    assert sorted(bodies) == ["m0", "m1", "m2"]
    assert _counts(sqs, url) == (0, 0)


# --- schedules and environment -------------------------------------------------------------------
def _is_working_day_today() -> bool:
    from datetime import UTC, datetime

    from chalicelib.domain.calendar import default_calendar, local_date

    return default_calendar().is_working_day(local_date(datetime.now(UTC)))


def test_cron_schedules_fire_at_their_next_utc_time():
    from datetime import UTC, datetime

    from chalice import Cron

    from local.run import next_cron_time

    reminders = Cron(0, "1,7", "*", "*", "?", "*")
    at = datetime(2026, 12, 2, 0, 59, 30, tzinfo=UTC)
    assert next_cron_time(reminders, at) == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert next_cron_time(reminders, datetime(2026, 12, 2, 1, 0, tzinfo=UTC)) == datetime(
        2026, 12, 2, 7, 0, tzinfo=UTC
    )
    assert next_cron_time("cron(0 7 * * ? *)", datetime(2026, 12, 31, 8, tzinfo=UTC)) == datetime(
        2027, 1, 1, 7, 0, tzinfo=UTC
    )
    assert next_cron_time("cron(30 2 ? * 2 *)", at) == datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
    assert next_cron_time("rate(5 minutes)", at) is None
    assert next_cron_time("cron(0 1 L * ? *)", at) is None  # not read: on demand only


def test_rate_schedules_have_a_period_and_cron_schedules_none():
    from chalice import Cron, Rate

    from local.run import period_seconds

    assert period_seconds("rate(5 minutes)") == 300
    assert period_seconds("rate(1 hour)") == 3600
    assert period_seconds(Rate(2, unit=Rate.DAYS)) == 172_800
    assert period_seconds(Rate(1, unit=Rate.MINUTES)) == 60
    assert period_seconds(Cron(0, 1, "*", "*", "?", "*")) is None
    assert period_seconds("cron(0 1 * * ? *)") is None


def test_a_scheduled_event_reaches_a_chalice_schedule_handler_as_eventbridge_sends_it():
    from chalice import Chalice, Rate

    from local.run import scheduled_event

    app = Chalice(app_name="shape")
    seen = []

    @app.schedule(Rate(5, unit=Rate.MINUTES))
    def tick(event):
        seen.append(event.to_dict())
        return {"ran": True}

    event = scheduled_event("camau-zalo-dev-tick-event", "ap-southeast-1")
    assert tick(event, None) == {"ran": True}
    assert seen[0]["detail-type"] == "Scheduled Event" and seen[0]["source"] == "aws.events"
    assert seen[0]["resources"][0].endswith(":rule/camau-zalo-dev-tick-event")


def test_local_defaults_win_over_the_stage_file_and_the_environment_wins_over_both():
    from local.run import apply_environment, chalice_config, local_defaults

    stage = chalice_config(None).environment_variables
    assert stage["DOCUMENTS_BUCKET"] == "camau-zalo-documents-dev"  # what must not leak in
    env = {"PORT": "9000", "ZALO_OA_SECRET_KEY": "mine"}

    apply_environment(env, local_defaults(env), stage)

    assert env["DOCUMENTS_BUCKET"] == "camau-zalo-documents-local"
    assert env["SECRETS_SSM_PATH"] == ""
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5001"
    assert env["ZALO_API_BASE"].startswith("http://127.0.0.1:")
    assert env["ZALO_OAUTH_REDIRECT_URI"] == "http://127.0.0.1:9000/zalo/oauth/callback"
    assert env["ZALO_OA_SECRET_KEY"] == "mine"
    assert "127.0.0.1" in env["ZALO_CDN_HOSTS"].split(",")
    assert env["TABLE_NAME"] == "camau-zalo-main"  # from the stage file


# --- stand-ins -----------------------------------------------------------------------------------
def test_zalo_standins_require_a_token_and_issue_single_use_refresh_tokens():
    from local.standins import MessageLog, ZaloOAuth, ZaloOpenApi, serve

    api = serve(ZaloOpenApi(MessageLog()), 0)
    oauth = serve(ZaloOAuth("3880000000000000001"), 0)
    try:
        message = json.dumps(
            {"recipient": {"user_id": FOLLOWER}, "message": {"text": "Xin chào"}}
        ).encode()
        _, refused = http("POST", f"{api.url}/v3.0/oa/message/cs", message)
        assert refused["error"] == -216
        _, sent = http("POST", f"{api.url}/v3.0/oa/message/cs", message, {"access_token": "t"})
        assert sent["error"] == 0 and sent["data"]["message_id"]
        _, log = http("GET", f"{api.url}/_local/messages?user_id={FOLLOWER}&after=0")
        assert [m["text"] for m in log["messages"]] == ["Xin chào"]

        form = b"app_id=1&grant_type=refresh_token&refresh_token=r1"
        headers = {"secret_key": "s", "Content-Type": "application/x-www-form-urlencoded"}
        _, pair = http("POST", f"{oauth.url}/v4/oa/access_token", form, headers)
        assert pair["expires_in"] == "90000" and pair["access_token"] and pair["refresh_token"]
        _, reused = http("POST", f"{oauth.url}/v4/oa/access_token", form, headers)
        assert reused["error"] != 0
    finally:
        api.stop()
        oauth.stop()


def test_the_fixtures_used_end_to_end_are_signed_for_the_local_defaults():
    from chalicelib.zalo.signature import is_valid
    from local.run import local_defaults

    defaults = local_defaults({})
    raw, header = fixture_event("follow")
    assert is_valid(
        header,
        defaults["ZALO_APP_ID"],
        raw,
        json.loads(raw)["timestamp"],
        defaults["ZALO_OA_SECRET_KEY"],
    )
    assert Path(FIXTURES / "follow.json").is_file()


@pytest.mark.e2e
@pytest.mark.timeout(300)
def test_make_run_books_a_postal_order_end_to_end(tmp_path):
    """Issue 13 under `make run`: the chat registers delivery of a sample dossier's result, the
    postal worker books it with the provider stand-in, the tracking number reaches the citizen
    through the outbox, and a callback sent by the stand-in (signed as `local-postal`) becomes
    one more notice."""
    from datetime import UTC, datetime

    from local.seed import CHAT_USER_ID, sample_dossiers

    ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
    env = clean_env(
        **{k: str(v) for k, v in ports.items()},
        LOCAL_CDN_DIR=str(tmp_path / "cdn"),
        LOCAL_SCHEDULES="off",
    )
    log_path = tmp_path / "run.log"
    api = f"http://127.0.0.1:{ports['PORT']}"
    zalo = f"http://127.0.0.1:{ports['ZALO_STANDIN_PORT']}"
    postal = f"http://127.0.0.1:{ports['POSTAL_STANDIN_PORT']}"
    code = sample_dossiers(datetime.now(tz=UTC))[0].code
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.run"], cwd=ROOT, env=env, stdout=log, stderr=log
        )

    def output() -> str:
        return log_path.read_text("utf-8", errors="replace")

    def texts_received() -> list[str]:
        _, body = http("GET", f"{zalo}/_local/messages?user_id={CHAT_USER_ID}&after=0")
        return [m.get("text") or "" for m in body["messages"]]

    def wait_for(predicate, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.3)
        return False

    try:
        assert wait_for(lambda: _answers(f"{api}/health"), 60), output()
        assert wait_for(lambda: "seed:" in output(), 60), output()
        script = [
            "#consent:yes",
            f"#post:d:{code}",
            "phuong an xuyen",
            "Lý Bôn",
            "#post:none",
            "12",
            "Nguyễn Văn Mẫu",
            "0912345678",
            "#post:ok",
        ]
        chat = subprocess.run(
            [sys.executable, "-m", "local.chat", "--user", CHAT_USER_ID, "--wait", "20"],
            cwd=ROOT,
            env=env,
            input="\n".join(script) + "\n",
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=240,
        )
        assert chat.returncode == 0, chat
        assert "Xác nhận đăng ký" in chat.stdout, f"{chat.stdout}\n{output()}"
        assert wait_for(lambda: any("Mã vận đơn" in t for t in texts_received()), 60), (
            f"{texts_received()}\n{output()}"
        )
        _, held = http("GET", f"{postal}/_local/postal/orders")
        assert [o["order_number"] for o in held["orders"]] == [f"{code}-DELIVERY"]
        event = json.dumps({"order_number": f"{code}-DELIVERY", "status": "out_for_delivery"})
        status, sent = http("POST", f"{postal}/_local/postal/events", event.encode())
        assert status == 200 and sent["status"] == 200, sent
        assert wait_for(lambda: any("đang phát" in t for t in texts_received()), 60), (
            f"{texts_received()}\n{output()}"
        )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _answers(url: str) -> bool:
    try:
        return http("GET", url)[0] == 200
    except OSError:
        return False
