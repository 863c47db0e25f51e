"""``make run``: the whole system on one machine, in one process, on loopback only.

What it starts, in order: a moto server (AWS), the tables/buckets/queues of
``infra/resources.json``, the stand-ins of Zalo, the postal provider and the Zalo CDN
(:mod:`local.standins`), the sample data (``local.seed.seed()``), the API through Chalice's own
local server, one worker per SQS consumer, one timer per ``rate(...)`` schedule, and a control
endpoint on which ``make schedule NAME=..`` (:mod:`local.fire`) runs a schedule on demand.

Guarantees:
- Environment precedence: a variable already set in the environment wins, then the local
  defaults of :func:`local_defaults`, then the stage ``dev`` variables of
  ``.chalice/config.json``, then the defaults of ``chalicelib.settings``. So the stage file can
  never point the local system at real AWS, SSM or Zalo.
- The configuration is validated with ``chalicelib.settings.get_settings()`` before anything
  starts; a bad setting prints one line naming it and exits 2 (no stack trace). A taken port
  prints one line naming it and exits 2.
- Consumers and schedules are discovered from ``app.app.event_sources`` and called like Lambda
  calls them: ``getattr(app_module, config.name)(event, context)`` with a Lambda-shaped event.
- SQS batches follow Lambda with ``ReportBatchItemFailures``: records that succeeded are deleted;
  records named in ``batchItemFailures`` stay (visible again after the queue's visibility
  timeout); when the handler raises, or names a record that is not in the batch, none is deleted.
- SIGINT and SIGTERM stop everything this process started (servers shut down, threads joined
  with timeouts) and the process exits 0.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STAGE = "dev"
HOST = "127.0.0.1"
ACCOUNT_ID = "123456789012"  # moto's default account

# The integration API's local clients (docs/integration.md): test secrets, never used in AWS.
LOCAL_BACK_OFFICE_SECRET = "whsec_bG9jYWwtYmFjay1vZmZpY2Utc2VjcmV0LTMyYnl0ZXM="  # noqa: S105 (documented local test secret)
LOCAL_POSTAL_SECRET = "whsec_bG9jYWwtcG9zdGFsLXByb3ZpZGVyLXNlY3JldC0zMmI="  # noqa: S105 (documented local test secret)
LOCAL_INTEGRATION_CLIENTS = {
    "local-back-office": {
        "secrets": [LOCAL_BACK_OFFICE_SECRET],
        "agencies": [],
        "scopes": ["dossiers", "feedback", "ratings", "digest"],
    },
    "local-postal": {"secrets": [LOCAL_POSTAL_SECRET], "scopes": ["postal"]},
}

# Environment variable -> default port.
PORT_DEFAULTS: dict[str, int] = {"PORT": 8000, "MOTO_PORT": 5001, "CONTROL_PORT": 8099}


def _say(line: str) -> None:
    print(line, flush=True)


def ports(environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """Every port the runner binds, by environment variable name (environment, then default)."""
    from local.standins import PORT_DEFAULTS as STANDIN_PORTS

    env = os.environ if environ is None else environ
    found: dict[str, int] = {}
    for name, default in {**PORT_DEFAULTS, **STANDIN_PORTS}.items():
        raw = env.get(name) or str(default)
        try:
            found[name] = int(raw)
        except ValueError:
            raise SystemExit(f"local run: {name}={raw!r} is not a port number") from None
    return found


LOCAL_DIGEST_SENDER = "digest@camau-local.example.invalid"


def local_defaults(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The value of every setting the local system needs, derived from the ports in use."""
    p = ports(environ)
    loop = f"http://{HOST}"
    return {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "ap-southeast-1",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_ENDPOINT_URL": f"{loop}:{p['MOTO_PORT']}",
        "SECRETS_SSM_PATH": "",  # no Parameter Store locally: the secrets below are used
        "STAGE": "local",  # the stage file says dev: the local system keeps its short defaults
        # the token key moto holds (create_all names it for the stage "local"), not the dev one
        "TOKEN_KMS_KEY": "alias/camau-zalo-local-tokens",
        "ZALO_APP_ID": "1234567890123456789",
        "ZALO_OA_ID": "3880000000000000001",
        "ZALO_OA_SECRET_KEY": "oa-secret-for-tests",
        "ZALO_APP_SECRET": "app-secret-for-local",
        "OPERATOR_SECRET": "local-operator-secret",
        "DOCUMENTS_BUCKET": "camau-zalo-documents-local",
        "ZALO_API_BASE": f"{loop}:{p['ZALO_STANDIN_PORT']}",
        "ZALO_OAUTH_BASE": f"{loop}:{p['OAUTH_STANDIN_PORT']}",
        "ZALO_TEMPLATE_API_BASE": f"{loop}:{p['TEMPLATE_STANDIN_PORT']}",
        "POSTAL_API_BASE": f"{loop}:{p['POSTAL_STANDIN_PORT']}",
        "ZALO_CDN_HOSTS": "zdn.vn,zadn.vn,zalo.me,127.0.0.1",
        "ZALO_OAUTH_REDIRECT_URI": f"{loop}:{p['PORT']}/zalo/oauth/callback",
        "PUBLIC_BASE_URL": f"{loop}:{p['PORT']}",
        "WEBFORM_SECRET": "local-webform-secret",
        "WEBFORM_ORIGIN": f"{loop}:{p['PORT']}",  # the bucket's CORS rule allows it alone
        # The sample agency's digest is e-mailed through moto's SES (identity verified below).
        "DIGEST_EMAIL_SENDER": LOCAL_DIGEST_SENDER,
        "DIGEST_EMAILS": '{"000.00.17.H12": "motcua-h12@example.invalid"}',
        # Zalo's information card needs an image: the CDN stand-in serves a plain one.
        "USER_INFO_CARD_IMAGE_URL": f"{loop}:{p['CDN_STANDIN_PORT']}/files/info-card.png",
        "INTEGRATION_CLIENTS": json.dumps(LOCAL_INTEGRATION_CLIENTS),
        "RESULT_LINK_SECRET": "local-result-link-secret",
    }


def apply_environment(
    environ: MutableMapping[str, str], defaults: Mapping[str, str], stage: Mapping[str, str]
) -> None:
    """Fill ``environ``: what is already set wins, then ``defaults``, then ``stage``.

    A variable set to the empty string counts as set (so ``ZALO_APP_ID=`` is reported as
    invalid rather than silently replaced)."""
    for source in (defaults, stage):
        for name, value in source.items():
            if name not in environ:
                environ[name] = str(value)


def check_ports_free(wanted: Mapping[str, int]) -> None:
    """Raise SystemExit naming the first port of ``wanted`` that cannot be bound on loopback."""
    for name, port in wanted.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # Same option the servers use, so a port in TIME_WAIT is not reported as taken.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, port))
            except OSError as exc:
                raise SystemExit(
                    f"local run: port {port} ({name}) on {HOST} is not free: {exc.strerror}. "
                    f"Stop what uses it or set {name} to another port."
                ) from None


# --- Chalice -------------------------------------------------------------------------------------
def chalice_config(app_obj: Any, stage: str = STAGE) -> Any:
    """The chalice ``Config`` of ``stage``, as ``chalice local`` builds it (cli/factory.py
    ``create_config_obj``), holding the already imported ``app_obj``.

    Unlike ``chalice local`` this never copies the stage's environment variables into
    ``os.environ`` (``load_chalice_app`` does, overriding): :func:`apply_environment` does it
    with the local precedence."""
    from chalice.config import Config

    config_from_disk = json.loads((ROOT / ".chalice" / "config.json").read_text("utf-8"))
    return Config(
        chalice_stage=stage,
        user_provided_params={"chalice_app": app_obj} if app_obj is not None else {},
        config_from_disk=config_from_disk,
        default_params={
            "project_dir": str(ROOT),
            "api_gateway_stage": "api",
            "api_gateway_endpoint_type": "EDGE",
            "autogen_policy": True,
        },
    )


def lambda_context(config: Any, function: str) -> Any:
    """A Lambda context for ``function`` (name, memory and timeout as configured for the stage)."""
    from chalice.local import LambdaContext

    scoped = config.scope(config.chalice_stage, function)
    full_name = f"{config.app_name}-{config.chalice_stage}-{function}"
    context = LambdaContext(
        function_name=full_name,
        memory_size=scoped.lambda_memory_size or 128,
        max_runtime_ms=(scoped.lambda_timeout or 60) * 1000,
    )
    region = os.environ.get("AWS_REGION", "ap-southeast-1")
    context.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{full_name}"
    context.log_group_name = f"/aws/lambda/{full_name}"
    return context


# --- SQS workers ---------------------------------------------------------------------------------
def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    import base64

    shaped: dict[str, Any] = {
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value.get("DataType", "String"),
    }
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        shaped["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return shaped


def lambda_sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One ``ReceiveMessage`` message shaped as Lambda hands it to a function."""
    attributes = dict(message.get("Attributes") or {})
    now = str(int(time.time() * 1000))
    attributes.setdefault("ApproximateReceiveCount", "1")
    attributes.setdefault("SentTimestamp", now)
    attributes.setdefault("SenderId", ACCOUNT_ID)
    attributes.setdefault("ApproximateFirstReceiveTimestamp", now)
    body = message["Body"]
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": attributes,
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody")
        or hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def lambda_sqs_event(
    messages: list[Mapping[str, Any]], queue_arn: str, region: str
) -> dict[str, Any]:
    """A Lambda SQS event holding ``messages`` in order."""
    return {"Records": [lambda_sqs_record(m, queue_arn, region) for m in messages]}


@dataclass
class BatchOutcome:
    """What happened to one batch: message ids deleted, ids left in the queue, and why."""

    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    error: str | None = None


def failed_ids(result: Any, batch_ids: list[str]) -> list[str] | None:
    """The message ids a handler result reports as failed, Lambda's way.

    Returns ``[]`` when all succeeded (no ``batchItemFailures`` or an empty one) and None when
    the response is invalid (an identifier missing, empty or not in the batch): Lambda then
    treats the whole batch as failed."""
    if not isinstance(result, Mapping) or result.get("batchItemFailures") is None:
        return []
    failures = result["batchItemFailures"]
    if not isinstance(failures, list):
        return None
    ids: list[str] = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not identifier or identifier not in batch_ids:
            return None
        ids.append(identifier)
    return ids


def run_batch(
    handler: Callable[[dict[str, Any], Any], Any],
    sqs: Any,
    queue_url: str,
    queue_arn: str,
    region: str,
    messages: list[Mapping[str, Any]],
    context: Any,
) -> BatchOutcome:
    """Hand ``messages`` to ``handler`` as one Lambda SQS event and delete those that succeeded.

    Never raises for a handler failure: it is reported in the outcome."""
    event = lambda_sqs_event(messages, queue_arn, region)
    ids = [m["MessageId"] for m in messages]
    try:
        result = handler(event, context)
    except Exception as exc:  # Lambda retries the whole batch
        return BatchOutcome(
            kept=ids,
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc().rstrip()}",
        )
    failed = failed_ids(result, ids)
    if failed is None:
        return BatchOutcome(kept=ids, error=f"invalid batchItemFailures in response: {result!r}")
    handles = {m["MessageId"]: m["ReceiptHandle"] for m in messages}
    done = [i for i in ids if i not in failed]
    outcome = BatchOutcome(kept=list(failed))
    for start in range(0, len(done), 10):
        chunk = done[start : start + 10]
        response = sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(n), "ReceiptHandle": handles[i]} for n, i in enumerate(chunk)],
        )
        not_deleted = {chunk[int(f["Id"])] for f in response.get("Failed") or []}
        outcome.deleted += [i for i in chunk if i not in not_deleted]
        outcome.kept += sorted(not_deleted)
    return outcome


def queue_name_of(config: Any) -> str:
    """The queue name of an SQSEventConfig (given by name, or by ARN)."""
    return config.queue or str(config.queue_arn).rsplit(":", 1)[-1]


class QueueWorker(threading.Thread):
    """Long-polls one queue and hands each batch to the registered consumer, like Lambda's
    event source mapping (one batch at a time, up to ``batch_size`` records)."""

    def __init__(
        self,
        name: str,
        queue: str,
        batch_size: int,
        handler: Callable[[dict[str, Any], Any], Any],
        context_factory: Callable[[], Any],
        stop: threading.Event,
        wait_seconds: int = 1,
    ) -> None:
        super().__init__(name=f"worker-{name}", daemon=True)
        self.function = name
        self.queue = queue
        self.batch_size = max(1, batch_size)
        self.handler = handler
        self.context_factory = context_factory
        self.stop = stop
        self.wait_seconds = wait_seconds
        self.batches = 0
        self.deleted = 0
        self.kept = 0

    def _receive(self, sqs: Any, url: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        wait = self.wait_seconds
        while len(messages) < self.batch_size and not self.stop.is_set():
            got = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            messages += got
            if len(got) < 10:
                break
            wait = 0
        return messages

    def run(self) -> None:
        from chalicelib.platform.aws import client

        sqs = client("sqs")
        region = sqs.meta.region_name
        url = sqs.get_queue_url(QueueName=self.queue)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        while not self.stop.is_set():
            try:
                messages = self._receive(sqs, url)
            except Exception as exc:  # keep polling, as Lambda does
                if self.stop.is_set():
                    break
                _say(f"[worker {self.function}] receive failed: {type(exc).__name__}: {exc}")
                self.stop.wait(2)
                continue
            if not messages:
                continue
            outcome = run_batch(
                self.handler, sqs, url, arn, region, messages, self.context_factory()
            )
            self.batches += 1
            self.deleted += len(outcome.deleted)
            self.kept += len(outcome.kept)
            line = f"[worker {self.function}] batch of {len(messages)}: {len(outcome.deleted)} done"
            if outcome.kept:
                line += f", {len(outcome.kept)} left in {self.queue} for retry"
            if outcome.error:
                line += f"\n  {outcome.error}"
            _say(line)


# --- Schedules -----------------------------------------------------------------------------------
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def schedule_text(expression: Any) -> str:
    """The expression as EventBridge spells it (``rate(5 minutes)``, ``cron(...)``)."""
    return expression if isinstance(expression, str) else expression.to_string()


def period_seconds(expression: Any) -> int | None:
    """Seconds between runs of a ``rate(...)`` schedule; None for a cron expression."""
    found = re.fullmatch(
        r"\s*rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)\s*", schedule_text(expression).lower()
    )
    if not found:
        return None
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2)]


def _cron_field(text: str, low: int, high: int) -> set[int] | None:
    """The values a cron field allows (None: any). Numbers, lists, ranges, ``*``, ``?``."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        values.update(range(int(first), int(last or first) + 1))
    if not all(low <= v <= high for v in values):
        raise ValueError(f"cron field out of range: {text}")
    return values


def next_cron_time(expression: Any, after: datetime) -> datetime | None:
    """The first minute (UTC) after ``after`` that a ``cron(min hour dom month dow year)``
    schedule fires; None for a rate expression or a form this runner does not understand
    (``L``, ``W``, ``#``, ``/``, day names): such a schedule runs on demand only."""
    found = re.fullmatch(r"\s*cron\((.*)\)\s*", schedule_text(expression))
    if not found:
        return None
    fields = found.group(1).split()
    if len(fields) != 6:
        return None
    try:
        minutes = _cron_field(fields[0], 0, 59)
        hours = _cron_field(fields[1], 0, 23)
        days = _cron_field(fields[2], 1, 31)
        months = _cron_field(fields[3], 1, 12)
        weekdays = _cron_field(fields[4], 1, 7)  # 1 = Sunday
    except ValueError:
        return None
    moment = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(366 * 24 * 60):
        if (
            (minutes is None or moment.minute in minutes)
            and (hours is None or moment.hour in hours)
            and (days is None or moment.day in days)
            and (months is None or moment.month in months)
            and (weekdays is None or (moment.isoweekday() % 7) + 1 in weekdays)
        ):
            return moment
        moment += timedelta(minutes=1)
    return None


def scheduled_event(rule: str, region: str, when: datetime | None = None) -> dict[str, Any]:
    """A CloudWatch/EventBridge "Scheduled Event" for the rule named ``rule``."""
    when = when or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


@dataclass
class Schedule:
    """A registered schedule and the lock that keeps its runs from overlapping (the functions
    are deployed with reserved concurrency 1 where it matters)."""

    name: str
    expression: str
    period: int | None
    handler: Callable[[dict[str, Any], Any], Any]
    context_factory: Callable[[], Any]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fire(self, reason: str) -> dict[str, Any]:
        """Run the handler once now; returns ``{"ok", "seconds", "result"|"error"}``."""
        region = os.environ.get("AWS_REGION", "ap-southeast-1")
        event = scheduled_event(f"{self.name}-event", region)
        with self.lock:
            started = time.perf_counter()
            try:
                result = self.handler(event, self.context_factory())
                outcome = {"ok": True, "result": result}
            except Exception as exc:  # reported to the caller and printed
                outcome = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                _say(f"[schedule {self.name}] {traceback.format_exc().rstrip()}")
            outcome["seconds"] = round(time.perf_counter() - started, 3)
        status = "ok" if outcome["ok"] else f"FAILED ({outcome['error']})"
        _say(f"[schedule {self.name}] fired ({reason}): {status} in {outcome['seconds']} s")
        return outcome


class Timer(threading.Thread):
    """Fires one ``rate(...)`` schedule every period, the first time one period after start;
    a ``cron(...)`` schedule at its next time (UTC), as EventBridge would."""

    def __init__(self, schedule: Schedule, stop: threading.Event) -> None:
        super().__init__(name=f"schedule-{schedule.name}", daemon=True)
        self.schedule = schedule
        self.stop = stop

    def wait_seconds(self, now: datetime) -> float | None:
        if self.schedule.period:
            return float(self.schedule.period)
        upcoming = next_cron_time(self.schedule.expression, now)
        return None if upcoming is None else max(1.0, (upcoming - now).total_seconds())

    def run(self) -> None:
        while True:
            wait = self.wait_seconds(datetime.now(UTC))
            if wait is None or self.stop.wait(wait):
                return
            self.schedule.fire(self.schedule.expression)


# --- Control endpoint ----------------------------------------------------------------------------
class _ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    runner: Runner

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body, ensure_ascii=False, default=repr).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/schedules":
            self._reply(200, {"schedules": self.runner.schedule_list()})
        elif self.path.rstrip("/") == "/workers":
            self._reply(200, {"workers": self.runner.worker_list()})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        found = re.fullmatch(r"/schedules/([A-Za-z0-9_\-]+)/?", self.path)
        if not found:
            self._reply(404, {"error": "not found"})
            return
        schedule = self.runner.schedules.get(found.group(1))
        if schedule is None:
            self._reply(404, {"error": "unknown schedule", "known": sorted(self.runner.schedules)})
            return
        outcome = schedule.fire("on demand")
        self._reply(200 if outcome["ok"] else 500, {"schedule": schedule.name, **outcome})

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


# --- The runner ----------------------------------------------------------------------------------
class Runner:
    """Everything ``make run`` starts, and how to stop it."""

    def __init__(self, port_map: Mapping[str, int]) -> None:
        self.ports = dict(port_map)
        self.stop_event = threading.Event()
        self.moto: Any = None
        self.api: Any = None
        self.api_thread: threading.Thread | None = None
        self.control: _ControlServer | None = None
        self.control_thread: threading.Thread | None = None
        self.standins: dict[str, Any] = {}
        self.workers: list[QueueWorker] = []
        self.timers: list[Timer] = []
        self.schedules: dict[str, Schedule] = {}
        self.resources: dict[str, str] = {}

    # Start -----------------------------------------------------------------------------------
    def start_moto(self) -> None:
        import logging

        from local.s3_cors import local_moto_server

        # One line per AWS call would drown the lines that matter (API, workers, stand-ins).
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        # S3 answers browsers as AWS does: only the bucket's CORS rule (the web form's origin).
        self.moto = local_moto_server(HOST, self.ports["MOTO_PORT"], ACCOUNT_ID)
        self.moto.start()

    def create_resources(self) -> None:
        from chalicelib.platform.aws import client, reset_clients
        from local.resources import create_all

        reset_clients()
        clients = {name: client(name) for name in ("dynamodb", "s3", "sqs", "kms")}
        self.resources = create_all(
            clients,
            {
                "DocumentsBucketName": os.environ["DOCUMENTS_BUCKET"],
                "WebformOrigin": os.environ["WEBFORM_ORIGIN"],
            },
        )
        # SES sends only from a verified identity: verify the digest sender, as operators do
        # once in AWS (docs/operations.md).
        sender = os.environ.get("DIGEST_EMAIL_SENDER", "")
        if sender:
            client("ses").verify_email_identity(EmailAddress=sender)

    def start_standins(self) -> None:
        from local import standins

        self.standins = standins.start_all()

    def seed(self) -> None:
        from local.seed import seed

        try:
            loaded = seed()
        except Exception:  # the system is usable without sample data
            _say("seed: FAILED, starting without (all of) the sample data:")
            _say(traceback.format_exc().rstrip())
            return
        _say(
            f"seed: {loaded['agencies']} agencies, {loaded['procedures']} procedures, "
            f"sample dossiers {', '.join(loaded['dossier_codes'])} "
            f"(the first belongs to the default `make chat` user)"
        )

    def start_app(self) -> None:
        from chalice.app import ScheduledEventConfig, SQSEventConfig
        from chalice.deploy.validate import validate_routes
        from chalice.local import create_local_server

        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        import app as app_module

        app_obj = app_module.app
        config = chalice_config(app_obj)
        validate_routes(app_obj.routes)
        self.api = create_local_server(app_obj, config, HOST, self.ports["PORT"])
        self.api_thread = threading.Thread(
            target=self.api.server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="api",
            daemon=True,
        )
        self.api_thread.start()

        auto = os.environ.get("LOCAL_SCHEDULES", "on").lower() not in ("off", "0", "false", "no")
        wait = int(os.environ.get("WORKER_WAIT_SECONDS", "1"))
        for source in app_obj.event_sources:
            handler = getattr(app_module, source.name)

            def context_factory(name: str = source.name) -> Any:
                return lambda_context(config, name)

            if isinstance(source, SQSEventConfig):
                worker = QueueWorker(
                    source.name,
                    queue_name_of(source),
                    source.batch_size,
                    handler,
                    context_factory,
                    self.stop_event,
                    wait_seconds=wait,
                )
                worker.start()
                self.workers.append(worker)
            elif isinstance(source, ScheduledEventConfig):
                text = schedule_text(source.schedule_expression)
                schedule = Schedule(
                    source.name, text, period_seconds(text), handler, context_factory
                )
                self.schedules[source.name] = schedule
                if (schedule.period or next_cron_time(text, datetime.now(UTC))) and auto:
                    timer = Timer(schedule, self.stop_event)
                    timer.start()
                    self.timers.append(timer)
            else:
                _say(f"note: {type(source).__name__} {source.name} is not run locally")

    def start_control(self) -> None:
        handler = type("ControlHandler", (_ControlHandler,), {"runner": self})
        self.control = _ControlServer((HOST, self.ports["CONTROL_PORT"]), handler)
        self.control_thread = threading.Thread(
            target=self.control.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="control",
            daemon=True,
        )
        self.control_thread.start()

    def schedule_list(self) -> list[dict[str, Any]]:
        """Every schedule: name, expression, and when it fires by itself."""
        auto = bool(self.timers)
        return [
            {
                "name": s.name,
                "expression": s.expression,
                "every_seconds": s.period if auto else None,
                "next_utc": (
                    str(next_cron_time(s.expression, datetime.now(UTC))) if auto else None
                ),
            }
            for s in self.schedules.values()
        ]

    def worker_list(self) -> list[dict[str, Any]]:
        """Every worker and its counters."""
        return [
            {
                "name": w.function,
                "queue": w.queue,
                "batch_size": w.batch_size,
                "batches": w.batches,
                "deleted": w.deleted,
                "kept": w.kept,
                "alive": w.is_alive(),
            }
            for w in self.workers
        ]

    def banner(self) -> str:
        """What is running where, and how to use it."""
        p = self.ports
        url = f"http://{HOST}"
        lines = [
            "",
            "Cà Mau Zalo OA: local system is up (stage dev, everything on loopback)",
            f"  API (Chalice)        {url}:{p['PORT']}   GET /health, GET /health/ready "
            "(X-Operator-Secret), POST /zalo/webhook",
            f"  AWS (moto)           {url}:{p['MOTO_PORT']}",
            f"  Control              {url}:{p['CONTROL_PORT']}   GET /schedules, "
            "POST /schedules/<name>, GET /workers",
            f"  Zalo Open API        {url}:{p['ZALO_STANDIN_PORT']}   "
            "GET /_local/messages?user_id=&after=",
            f"  Zalo OAuth           {url}:{p['OAUTH_STANDIN_PORT']}",
            f"  Zalo template API    {url}:{p['TEMPLATE_STANDIN_PORT']}",
            f"  Postal provider      {url}:{p['POSTAL_STANDIN_PORT']}",
            f"  Zalo CDN             {url}:{p['CDN_STANDIN_PORT']}/files/<name>",
        ]
        for worker in self.workers:
            lines.append(
                f"  Worker               {worker.function} <- {worker.queue} "
                f"(batch {worker.batch_size})"
            )
        for schedule in self.schedules.values():
            upcoming = next_cron_time(schedule.expression, datetime.now(UTC))
            if not self.timers:
                when = "on demand only (LOCAL_SCHEDULES=off)"
            elif schedule.period:
                when = f"every {schedule.period} s"
            elif upcoming:
                when = f"next at {upcoming:%Y-%m-%d %H:%M} UTC"
            else:
                when = "on demand only (a cron form this runner does not read)"
            lines.append(f"  Schedule             {schedule.name} {schedule.expression}: {when}")
        lines += [
            "Chat as a citizen:      make chat",
            'Play the back office:   make back-office ARGS="list"   (client local-back-office, '
            "docs/integration.md)",
            "Fire a schedule now:    make schedule NAME=<name>",
            "Stop:                   Ctrl-C",
            "",
        ]
        return "\n".join(lines)

    # Stop ------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop everything started, in reverse order. Each step is bounded in time."""
        self.stop_event.set()
        if self.control is not None:
            self.control.shutdown()
            self.control.server_close()
        if self.api is not None:
            self.api.server.shutdown()
            self.api.server.server_close()
        for thread in [self.control_thread, self.api_thread, *self.workers, *self.timers]:
            if thread is not None and thread.is_alive():
                thread.join(timeout=5)
                if thread.is_alive():
                    _say(f"warning: thread {thread.name} did not stop within 5 s")
        for server in self.standins.values():
            server.stop()
        if self.moto is not None:
            self.moto.stop()
            inner = getattr(self.moto, "_server", None)
            if inner is not None:
                inner.server_close()


def validate_settings() -> str | None:
    """The one-line problem with the configuration, or None when it is valid."""
    from chalicelib.settings import ConfigurationError, get_settings, reset_settings

    reset_settings()
    try:
        get_settings()
    except ConfigurationError as exc:
        return f"local run: {exc} (set it in the environment, or unset it to use the default)"
    except Exception as exc:  # e.g. SSM unreachable: still one line
        return f"local run: configuration check failed: {type(exc).__name__}: {exc}"
    return None


def main() -> int:
    """Start the local system and serve until SIGINT/SIGTERM. Returns the exit status."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", line_buffering=True)
    port_map = ports()
    apply_environment(
        os.environ, local_defaults(), chalice_config(None).environment_variables or {}
    )
    problem = validate_settings()
    if problem:
        print(problem, file=sys.stderr, flush=True)
        return 2
    try:
        check_ports_free(port_map)
    except SystemExit as exc:
        print(exc, file=sys.stderr, flush=True)
        return 2

    runner = Runner(port_map)

    def request_stop(signum: int, frame: Any) -> None:
        runner.stop_event.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    started = time.perf_counter()
    step = "starting"
    steps = (
        ("starting the moto server", runner.start_moto),
        ("creating the resources", runner.create_resources),
        ("starting the stand-ins", runner.start_standins),
        ("loading the sample data", runner.seed),
        ("starting the API and the workers", runner.start_app),
        ("starting the control endpoint", runner.start_control),
        ("checking health", check_health),
    )
    try:
        for label, action in steps:
            step = label
            action()
        _say(runner.banner())
        _say(f"ready in {time.perf_counter() - started:.1f} s")
        while not runner.stop_event.wait(0.5):
            pass
        _say("stopping ...")
    except Exception as exc:  # stop what was started, then report in one line
        print(startup_error(step, exc), file=sys.stderr, flush=True)
        if os.environ.get("LOCAL_DEBUG"):
            _say(traceback.format_exc().rstrip())
        runner.shutdown()
        return 2
    runner.shutdown()
    _say("stopped")
    # Everything is stopped and closed: spare the interpreter's final collection of all the
    # session built up in memory (moto's tables, the catalogue), which can take many seconds.
    gc.freeze()
    return 0


class StartupError(RuntimeError):
    """Something the system needs is not usable; the message names it."""


def check_health() -> None:
    """The same check as GET /health/ready, in-process: raise naming what is not reachable."""
    from chalicelib.api.health import report

    status, body = report()
    if status == 200:
        return
    configuration = body.get("configuration", {})
    if not configuration.get("ok", True):
        raise StartupError(f"setting {configuration['setting']}: {configuration['problem']}")
    failing = [
        f"{name} ({result.get('error')})"
        for name, result in body.get("resources", {}).items()
        if not result.get("ok")
    ]
    raise StartupError("not reachable: " + ", ".join(failing))


def startup_error(step: str, exc: Exception) -> str:
    """One line for a failed start: what was being done, what failed, which setting to check."""
    from botocore.exceptions import BotoCoreError, ClientError

    first_line = (str(exc).splitlines() or [""])[0]
    line = f"local run: failed {step}: {first_line or type(exc).__name__}"
    if isinstance(exc, BotoCoreError | ClientError):
        endpoint = os.environ.get("AWS_ENDPOINT_URL", "(AWS)")
        line += f" [check AWS_ENDPOINT_URL={endpoint}]"
    return line + " (LOCAL_DEBUG=1 shows the traceback)"


if __name__ == "__main__":
    raise SystemExit(main())
