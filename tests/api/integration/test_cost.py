"""A back-office request costs a small fixed number of AWS calls, whatever the table holds
(bench/integration_cost.py prints the same figures)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.api.integration.conftest import at, code, registration


@pytest.fixture
def calls(aws):
    from chalicelib.platform.aws import client

    counted: Counter[str] = Counter()
    for service in ("dynamodb", "s3", "sqs"):
        client(service).meta.events.register(
            f"before-call.{service}.*",
            lambda event_name, **_: counted.update([event_name.split(".", 1)[1]]),
        )
    return counted


def test_an_event_a_feed_page_a_read_and_a_replay_cost_a_few_calls(api, calls):
    assert api.put(code(), registration())[0] == 201
    for n in range(2, 6):
        assert api.put(code(n), registration())[0] == 201
    calls.clear()
    event = {"status": 4, "at": at(1), "officer": "o"}
    assert api.event(code(), event, webhook_id="msg_cost")[0] == 200
    # claim + finish the request's job, read and save the dossier, queue the notice
    assert sum(calls.values()) == 5, calls
    assert calls["sqs.SendMessage"] == 1 and calls["dynamodb.PutItem"] == 1
    calls.clear()
    assert api.event(code(), event, webhook_id="msg_cost")[0] == 200
    assert sum(calls.values()) == 1, calls  # the replay: the claim finds the first answer
    calls.clear()
    assert api.call("GET", "/dossiers?limit=3")[0] == 200
    assert dict(calls) == {"dynamodb.UpdateItem": 2, "dynamodb.Query": 1}
    calls.clear()
    assert api.get(code())[0] == 200
    assert sum(calls.values()) == 4, calls  # + the access log entry
    assert not any(name.endswith("Scan") for name in calls)
