"""POST /integration/v1/postal/events through the app: signed by the postal client, each
event once, one notice each, replays and late news change nothing, bad input refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from chalice.test import Client

from tests.api.integration.signing import headers
from tests.conftest import ROOT
from tests.postal.conftest import CODE, T0, make_order, notices

PATH = "/integration/v1/postal/events"


@pytest.fixture
def http(service):
    from app import app
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import sample_dossiers

    Dossiers(get_table()).add(sample_dossiers(T0)[0].model_copy(update={"code": CODE}))
    for leg, request in (("pickup", "r1"), ("delivery", "r2")):
        order = service.register(make_order(leg=leg, request=request)).order
        service.orders.mark_booked(order, f"EB{leg}VN", T0)
    with Client(app, project_dir=str(ROOT)) as client:
        yield client.http


def _post(http, body, *, client="postal", **signing):
    raw = json.dumps(body).encode()
    return http.post(PATH, body=raw, headers=headers(client, raw, **signing))


def _event(status, event_id, leg="PICKUP", **extra):
    return {
        "event_id": event_id,
        "order_number": f"{CODE}-{leg}",
        "status": status,
        "at": "2026-11-30T10:00:00+07:00",
        **extra,
    }


def test_an_event_is_applied_and_the_citizen_notified(http) -> None:
    answer = _post(http, _event("picked_up", "ev-1"))
    assert answer.status_code == 200
    assert json.loads(answer.body) == {
        "order_number": f"{CODE}-PICKUP",
        "status": "picked_up",
        "attempts": 0,
        "applied": True,
    }
    assert [n["notice_id"] for n in notices()] == [f"postal:{CODE}-PICKUP:picked_up"]


def test_a_replayed_callback_changes_nothing(http) -> None:
    raw = json.dumps(_event("picked_up", "ev-1")).encode()
    signed = headers("postal", raw)
    first = http.post(PATH, body=raw, headers=signed)
    again = http.post(PATH, body=raw, headers=signed)  # the same webhook-id
    resent = _post(http, _event("picked_up", "ev-1"))  # the same event, another webhook-id
    assert first.body == again.body and again.headers.get("webhook-replayed") == "true"
    assert json.loads(resent.body)["applied"] is False
    assert len(notices()) == 1


def test_handed_to_agency_is_the_dossiers_submission_time(http) -> None:
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    _post(http, _event("picked_up", "ev-1"))
    assert _post(http, _event("handed_to_agency", "ev-2")).status_code == 200
    dossier, _ = Dossiers(get_table()).get(CODE)
    assert dossier.postal_submitted_at == datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def test_two_failed_attempts_return_the_result(http) -> None:
    _post(http, _event("out_for_delivery", "d1", "DELIVERY"))
    _post(http, _event("failed_attempt", "d2", "DELIVERY"))
    _post(http, _event("out_for_delivery", "d3", "DELIVERY"))
    last = json.loads(_post(http, _event("failed_attempt", "d4", "DELIVERY")).body)
    assert last["status"] == "returned" and last["attempts"] == 2
    delivered_late = json.loads(_post(http, _event("delivered", "d5", "DELIVERY")).body)
    assert delivered_late["applied"] is False and delivered_late["status"] == "returned"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"event_id": "x"}, 400, "invalid_field"),
        ({**_event("picked_up", "x"), "extra": 1}, 400, "unknown_field"),
        (_event("lost_in_space", "x"), 400, "invalid_field"),
        ({**_event("picked_up", "x"), "at": "2026-11-30T10:00:00"}, 400, "invalid_field"),
        (_event("delivered", "x"), 422, "event_not_for_leg"),
        ({**_event("picked_up", "x"), "order_number": f"{CODE}-PICKUP-2"}, 404, "order_not_found"),
        ({**_event("picked_up", "x"), "order_number": "no-such-order"}, 404, "order_not_found"),
    ],
)
def test_bad_events_are_refused_with_stable_codes(http, body, status, code) -> None:
    answer = _post(http, body)
    assert answer.status_code == status
    assert json.loads(answer.body)["error"]["code"] == code
    assert notices() == []


def test_only_a_client_with_the_postal_scope_may_post(http) -> None:
    answer = _post(http, _event("picked_up", "ev-1"), client="back-office")
    assert answer.status_code == 403
    assert json.loads(answer.body)["error"]["code"] == "scope_not_allowed"
    unsigned = http.post(PATH, body=json.dumps(_event("picked_up", "ev-1")))
    assert unsigned.status_code == 401


def test_the_stand_ins_signature_is_the_integration_apis() -> None:
    from chalicelib.api.integration.auth import sign
    from local.standins import Postal
    from tests.conftest import INTEGRATION_SECRETS

    clients = {"local-postal": {"secrets": [INTEGRATION_SECRETS["postal"]], "scopes": ["postal"]}}
    standin = Postal({"INTEGRATION_CLIENTS": json.dumps(clients)})
    raw = b'{"status": "picked_up"}'
    signed = standin.signed_headers(raw)
    expected = sign(
        INTEGRATION_SECRETS["postal"], signed["webhook-id"], int(signed["webhook-timestamp"]), raw
    )
    assert signed["webhook-signature"] == expected and signed["x-client-id"] == "local-postal"
