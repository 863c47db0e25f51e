"""GET /public/dossiers/{code}: the anonymous view, and "found" and "not found" doing the same
work for the same time (codes are sequential: a quicker 404 would reveal which exist)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from chalicelib.api import public

UNKNOWN = "000.00.17.H12-261126-9999"


class Clock:
    """Each reading moves on by ``step``: the work after the first reading takes time."""

    def __init__(self, step: float) -> None:
        self.now = 100.0
        self.step = step

    def __call__(self) -> float:
        value = self.now
        self.now += self.step
        return value


@pytest.fixture
def known(aws):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import sample_dossiers

    dossier = sample_dossiers(datetime.now(tz=UTC))[0]
    Dossiers(get_table()).add(dossier)
    return dossier


@pytest.fixture
def work(monkeypatch):
    """What each lookup did: AWS calls, anonymous views built, and when it answered."""
    from chalicelib.domain import dossier as domain
    from chalicelib.platform.aws import client

    record: dict = {"calls": Counter(), "views": 0, "answered_at": None}

    def count(event_name: str, **kwargs) -> None:
        record["calls"][event_name.split(".", 1)[1]] += 1

    client("dynamodb").meta.events.register("before-call.*.*", count)
    real_init = domain.AnonymousDossierView.__init__

    def counting_init(self, **data):
        record["views"] += 1
        real_init(self, **data)

    monkeypatch.setattr(domain.AnonymousDossierView, "__init__", counting_init)
    clock = Clock(step=0.0)
    monkeypatch.setattr(public, "_clock", clock)

    def sleep(seconds: float) -> None:
        clock.now += seconds
        record["answered_at"] = clock.now - clock.step  # the last reading was before the sleep

    monkeypatch.setattr(public, "_sleep", sleep)
    record["clock"] = clock
    return record


def _lookup(code: str) -> tuple[int, dict]:
    response = public.get_dossier(code)
    body = response.body
    return response.status_code, body if isinstance(body, dict) else json.loads(body)


def test_a_known_code_shows_the_anonymous_view_only(known):
    status, body = _lookup(known.code)
    assert status == 200
    assert body == {
        "code": known.code,
        "procedure_name": known.procedure_name,
        "status": int(known.status),
        "status_name": known.status.official_name,
    }


def test_an_unknown_code_is_a_json_404(aws):
    status, body = _lookup(UNKNOWN)
    assert status == 404
    assert body["error"]["code"] == "dossier_not_found"


@pytest.mark.parametrize("step", [0.001, 0.02])
def test_found_and_not_found_do_the_same_work_and_answer_at_the_same_time(known, work, step):
    outcomes = {}
    for code in (known.code, UNKNOWN):
        work["calls"].clear()
        work["views"] = 0
        work["answered_at"] = None
        clock = work["clock"]
        clock.step = step
        started = clock.now
        status, _ = _lookup(code)
        outcomes[status] = (
            dict(work["calls"]),
            work["views"],
            round(work["answered_at"] - started, 9),
        )
    assert set(outcomes) == {200, 404}
    assert outcomes[200] == outcomes[404]
    calls, views, answered_after = outcomes[200]
    assert calls == {"dynamodb.GetItem": 1} and views == 1
    assert answered_after == public.MIN_DOSSIER_LOOKUP_SECONDS
