"""The integration API on the local system (``make run``) over real HTTP: schemathesis runs
the OpenAPI document against it with signed requests (no server error, every answer as
documented), and ``make back-office`` plays the one-stop system end to end, its notice reaching
the chat user in the Zalo stand-in."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import ROOT
from tests.local.test_e2e import PORT_NAMES, clean_env, free_ports, fresh_signed_event, http

pytestmark = [pytest.mark.e2e]


class LocalSystem:
    def __init__(self, api: str, zalo: str, env: dict[str, str]) -> None:
        self.api = api
        self.zalo = zalo
        self.env = env


@pytest.fixture(scope="module")
def local_system(tmp_path_factory) -> Iterator[LocalSystem]:
    tmp = tmp_path_factory.mktemp("integration-run")
    ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
    env = clean_env(
        **{k: str(v) for k, v in ports.items()},
        LOCAL_CDN_DIR=str(tmp / "cdn"),
        LOCAL_SCHEDULES="off",
    )
    log_path = tmp / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.run"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    api = f"http://127.0.0.1:{ports['PORT']}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text("utf-8", errors="replace")
            try:
                if http("GET", f"{api}/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("make run never answered /health")
        yield LocalSystem(api, f"http://127.0.0.1:{ports['ZALO_STANDIN_PORT']}", env)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _signed(body: bytes) -> dict[str, str]:
    from local.back_office import signed_headers
    from local.run import LOCAL_BACK_OFFICE_SECRET

    return signed_headers("local-back-office", LOCAL_BACK_OFFICE_SECRET, body)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_answer_is_documented_and_none_is_a_server_error(local_system):
    """Each operation of the served document, explicit examples and generated cases, signed
    as the local back office (schemathesis' pytest plugin does not run on pytest 9: the cases
    are drawn with hypothesis here)."""
    loaded = schemathesis.openapi.from_url(f"{local_system.api}/integration/v1/openapi.json")
    operations = [result.ok() for result in loaded.get_all_operations()]
    # dossiers (7), live conversations (4), PAKN items (3), agencies' reports (2), postal (1)
    assert len(operations) == 17
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any) -> None:
            kwargs = case.as_transport_kwargs(base_url=local_system.api)
            if "json" in kwargs:
                body = json.dumps(kwargs.pop("json")).encode()
            else:
                raw = kwargs.pop("data", b"") or b""
                body = raw if isinstance(raw, bytes) else str(raw).encode()
            headers = {**(kwargs.pop("headers", None) or {}), **_signed(body)}
            response = requests.request(**kwargs, data=body, headers=headers, timeout=30)
            calls.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        run()
    assert len(calls) >= len(operations)
    assert 200 in calls  # some generated requests got through (ping, the feed)


def _back_office(system: LocalSystem, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "local.back_office", *args],
        cwd=ROOT,
        env={**system.env, "API_URL": system.api},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def test_make_back_office_plays_the_one_stop_system_and_the_citizen_is_told(local_system):
    from local.seed import CHAT_USER_ID, sample_dossiers

    code = sample_dossiers(datetime.now(tz=UTC))[0].code  # linked to the chat user
    raw, signature = fresh_signed_event("follow")  # the user is in the messaging window
    headers = {"Content-Type": "application/json", "X-ZEvent-Signature": signature}
    assert http("POST", f"{local_system.api}/zalo/webhook", raw, headers)[0] == 200

    # The feed shows a change once it is 2 s old (FEED_SETTLE_SECONDS): the seed may be newer.
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while code not in seen and time.monotonic() < deadline:
        seen = [d["code"] for d in _back_office(local_system, "list")["dossiers"]]
        time.sleep(0.5)
    assert code in seen
    shown = _back_office(local_system, "show", code, "--officer", "officer-9")
    assert shown["applicant"]["name"]
    answer = _back_office(local_system, "event", code, "5", "--missing", "Bản sao giấy chứng sinh")
    assert answer["applied"] and answer["notice"] == "queued"
    log = _back_office(local_system, "access-log", code)
    assert log["entries"][0]["officer"] == "officer-9"

    texts: list[str] = []
    deadline = time.monotonic() + 120  # a wait, not a timing: the workers poll under load
    while time.monotonic() < deadline:
        _, body = http("GET", f"{local_system.zalo}/_local/messages?user_id={CHAT_USER_ID}&after=0")
        texts = [json.dumps(m, ensure_ascii=False) for m in body["messages"]]
        if any("Bản sao giấy chứng sinh" in t for t in texts):
            break
        time.sleep(0.3)
    assert any("BỔ SUNG" in t and "Bản sao giấy chứng sinh" in t for t in texts), texts
