"""Integration API auth: Standard Webhooks signatures, clients, scopes, request replay.

Every refusal has its stable code; a replayed webhook-id gets the first answer and runs
nothing; the same id for another request, or while the first still runs, is refused."""

from __future__ import annotations

import json
import time

import pytest
from chalice.app import Response
from pydantic import BaseModel, ConfigDict

from chalicelib.api.integration import auth
from chalicelib.api.integration.auth import Client, authenticated, parse_clients
from chalicelib.api.integration.bodies import parse
from chalicelib.api.integration.responses import body_of, error, ok
from chalicelib.settings import ConfigurationError
from tests.api.integration.signing import OLD_SECRET, SECRET, request


class Counter:
    """A handler that counts its runs and answers the run number (or an error)."""

    def __init__(self, status: int = 200) -> None:
        self.runs = 0
        self.clients: list[Client] = []
        self.status = status

    def __call__(self, req, client, *args) -> Response:
        self.runs += 1
        self.clients.append(client)
        if self.status >= 400:
            return error(self.status, "some_error", "It failed.")
        return ok({"run": self.runs, "args": list(args)}, status=self.status)


def _call(handler, req, *args, scope: str | None = "dossiers"):
    response = authenticated(scope=scope)(handler)(req, *args)
    return response.status_code, body_of(response), response.headers


def _code(body) -> str:
    return body["error"]["code"]


def test_a_signed_request_reaches_the_handler_with_its_client(aws):
    handler = Counter()
    status, body, _ = _call(handler, request("POST", {"a": 1}), "code-1")
    assert (status, body) == (200, {"run": 1, "args": ["code-1"]})
    client = handler.clients[0]
    assert client.id == "back-office"
    assert client.agencies == frozenset() and client.serves("any agency")
    assert "dossiers" in client.scopes


def test_both_secrets_sign_during_a_rotation(aws):
    for secret in (SECRET, OLD_SECRET):
        handler = Counter()
        status, _, _ = _call(handler, request("POST", {"x": 1}, secret=secret))
        assert status == 200 and handler.runs == 1


def test_several_signatures_in_one_header_one_of_them_right(aws):
    req = request("POST", {"x": 1})
    right = req.headers["webhook-signature"]
    req.headers["webhook-signature"] = f"v1,AAAA v2,zzz {right} garbage"
    handler = Counter()
    assert _call(handler, req)[0] == 200


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda r: r.headers.update({"webhook-signature": "v1,AAAA"}), id="wrong"),
        pytest.param(lambda r: setattr(r, "raw_body", b'{"x": 2}'), id="body-changed"),
        pytest.param(lambda r: r.headers.update({"webhook-id": "msg_other"}), id="id-changed"),
        pytest.param(lambda r: r.headers.pop("webhook-signature"), id="unsigned"),
        pytest.param(lambda r: r.headers.pop("webhook-id"), id="no-id"),
        pytest.param(lambda r: r.headers.update({"webhook-timestamp": "abc"}), id="bad-stamp"),
        pytest.param(lambda r: r.headers.update({"webhook-signature": "v1,%%%"}), id="not-b64"),
    ],
)
def test_a_wrong_or_missing_signature_is_401_bad_signature(aws, tamper):
    req = request("POST", {"x": 1})
    tamper(req)
    handler = Counter()
    status, body, _ = _call(handler, req)
    assert (status, _code(body)) == (401, "bad_signature")
    assert handler.runs == 0


def test_another_clients_secret_does_not_sign(aws):
    from tests.api.integration.signing import NARROW_SECRET

    status, body, _ = _call(Counter(), request("POST", {"x": 1}, secret=NARROW_SECRET))
    assert (status, _code(body)) == (401, "bad_signature")


def test_a_body_that_is_not_utf8_is_refused_even_with_a_byte_exact_hmac(aws):
    import base64
    import hashlib
    import hmac

    req = request("POST", b"")
    req.raw_body = b"\xff\xfe"
    stamp, webhook_id = req.headers["webhook-timestamp"], req.headers["webhook-id"]
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{stamp}.".encode() + req.raw_body, hashlib.sha256)
    req.headers["webhook-signature"] = "v1," + base64.b64encode(mac.digest()).decode()
    status, body, _ = _call(Counter(), req)
    assert (status, _code(body)) == (401, "bad_signature")


@pytest.mark.parametrize("client", ["nobody", "", "back-office "])
def test_an_unknown_client_is_401_unknown_client(aws, client):
    req = request("POST", {"x": 1})
    req.headers["x-client-id"] = client
    handler = Counter()
    status, body, _ = _call(handler, req)
    if client.strip() == "back-office":  # headers are stripped: the same client
        assert status == 200
        return
    assert (status, _code(body)) == (401, "unknown_client")
    assert handler.runs == 0


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86400])
def test_a_timestamp_more_than_5_minutes_away_is_401_stale_timestamp(aws, offset):
    handler = Counter()
    status, body, _ = _call(handler, request("POST", {}, timestamp=int(time.time()) + offset))
    assert (status, _code(body)) == (401, "stale_timestamp")
    assert handler.runs == 0


@pytest.mark.parametrize("offset", [-290, 290])
def test_a_timestamp_within_5_minutes_is_taken(aws, offset):
    assert _call(Counter(), request("POST", {}, timestamp=int(time.time()) + offset))[0] == 200


def test_a_client_without_the_scope_is_403_scope_not_allowed(aws):
    handler = Counter()
    status, body, _ = _call(handler, request("GET", client="postal"), scope="dossiers")
    assert (status, _code(body)) == (403, "scope_not_allowed")
    assert handler.runs == 0
    assert _call(handler, request("GET", client="postal"), scope="postal")[0] == 200


def test_scopes_default_to_dossiers_and_agencies_restrict(aws):
    handler = Counter()
    assert _call(handler, request("GET", client="narrow"))[0] == 200
    client = handler.clients[0]
    assert client.scopes == frozenset({"dossiers"})
    assert client.serves("000.00.17.H12") and not client.serves("000.00.01.H12")
    assert not client.serves(None)


def test_a_replayed_webhook_id_answers_the_first_answer_and_runs_nothing(aws):
    handler = Counter(status=201)
    req = request("POST", {"x": 1}, uri_params={"code": "c"})
    first = _call(handler, req)
    again = _call(handler, req)
    assert handler.runs == 1
    assert first[:2] == again[:2] == (201, {"run": 1, "args": []})
    assert again[2].get("webhook-replayed") == "true"


def test_a_replayed_refusal_is_the_same_refusal(aws):
    handler = Counter(status=404)
    req = request("POST", {"x": 1})
    assert _call(handler, req)[:2] == _call(handler, req)[:2]
    assert handler.runs == 1


def test_the_same_webhook_id_for_another_request_is_409_webhook_id_reused(aws):
    handler = Counter()
    assert _call(handler, request("POST", {"x": 1}, webhook_id="msg_1"))[0] == 200
    status, body, _ = _call(handler, request("POST", {"x": 2}, webhook_id="msg_1"))
    assert (status, _code(body)) == (409, "webhook_id_reused")
    assert handler.runs == 1


def test_webhook_ids_are_per_client(aws):
    handler = Counter()
    assert _call(handler, request("GET", webhook_id="msg_1"))[0] == 200
    assert _call(handler, request("GET", client="narrow", webhook_id="msg_1"))[0] == 200
    assert handler.runs == 2


def test_a_request_still_running_is_409_request_in_progress(aws):
    req = request("POST", {"x": 1})
    inner: list = []

    def handler(r, client):
        inner.append(_call(Counter(), r))  # the same request arrives while this one runs
        return ok({})

    assert _call(handler, req)[0] == 200
    status, body, headers = inner[0]
    assert (status, _code(body)) == (409, "request_in_progress")
    assert int(headers["Retry-After"]) >= 1


def test_a_server_error_is_not_kept_so_the_same_request_can_be_sent_again(aws):
    calls = {"n": 0}

    def flaky(r, client):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        return ok({"n": calls["n"]})

    req = request("POST", {"x": 1})
    status, body, _ = _call(flaky, req)
    assert (status, _code(body)) == (500, "internal_error")
    assert _call(flaky, req)[:2] == (200, {"n": 2})
    assert _call(flaky, req)[:2] == (200, {"n": 2})  # kept now
    assert calls["n"] == 2


def test_an_api_error_raised_by_the_handler_is_answered_and_kept(aws):
    from chalicelib.api.errors import ApiError

    calls = {"n": 0}

    def refuse(r, client):
        calls["n"] += 1
        raise ApiError(403, "agency_not_served", "Not yours.")

    req = request("POST", {"x": 1})
    assert _call(refuse, req)[0] == 403
    status, body, _ = _call(refuse, req)
    assert (status, _code(body)) == (403, "agency_not_served")
    assert calls["n"] == 1


def test_refusals_log_no_body_and_no_secret(aws, capsys):
    req = request("POST", {"name": "Nguyễn Văn A", "phone": "0912345678"}, secret=OLD_SECRET)
    req.headers["webhook-signature"] = "v1,AAAA"
    _call(Counter(), req)
    out = capsys.readouterr().out
    assert "integration_refused" in out
    for secret_or_personal in ("Nguy", "0912345678", SECRET[6:], req.headers["webhook-id"]):
        assert secret_or_personal not in out


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("not json", "is not JSON"),
        ("[]", "JSON object"),
        (json.dumps({"a b": {"secrets": [SECRET]}}), "client ids"),
        (json.dumps({"a": {"secrets": []}}), "secrets"),
        (json.dumps({"a": {"secrets": ["plain"]}}), "whsec_"),
        (json.dumps({"a": {"secrets": ["whsec_c2hvcnQ="]}}), "16 bytes"),
        (json.dumps({"a": {"secrets": [SECRET], "scopes": ["admin"]}}), "unknown scope"),
        (json.dumps({"a": {"secrets": [SECRET], "extra": 1}}), "extra"),
    ],
)
def test_a_bad_clients_setting_is_a_configuration_error_quoting_no_secret(raw, problem):
    with pytest.raises(ConfigurationError) as raised:
        parse_clients(raw)
    assert raised.value.setting == "INTEGRATION_CLIENTS"
    assert problem in raised.value.problem
    assert SECRET[6:] not in str(raised.value)


def test_a_bad_clients_setting_answers_503_configuration_error(aws, monkeypatch):
    monkeypatch.setenv("INTEGRATION_CLIENTS", "not json")
    status, body, _ = _call(Counter(), request("GET"))
    assert (status, _code(body)) == (503, "configuration_error")
    assert body["error"]["setting"] == "INTEGRATION_CLIENTS"


def test_no_clients_configured_refuses_everyone(aws, monkeypatch):
    monkeypatch.setenv("INTEGRATION_CLIENTS", "{}")
    status, body, _ = _call(Counter(), request("GET"))
    assert (status, _code(body)) == (401, "unknown_client")


def test_signing_matches_the_standard_webhooks_library():
    from datetime import UTC, datetime

    from standardwebhooks.webhooks import Webhook

    stamp = int(time.time())
    signature = auth.sign(SECRET, "msg_1", stamp, b'{"a":1}')
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(stamp)}
    Webhook(SECRET).verify('{"a":1}', {**headers, "webhook-signature": signature})
    expected = Webhook(SECRET).sign("msg_1", datetime.fromtimestamp(stamp, tz=UTC), '{"a":1}')
    assert signature == expected


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: int
    note: str | None = None


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        (b"", "malformed_body", None),
        (b"not json", "malformed_body", None),
        (b"[1, 2]", "malformed_body", None),
        (b'{"status": 1, "surprise": true}', "unknown_field", "surprise"),
        (b'{"status": "two"}', "invalid_field", "status"),
        (b"{}", "invalid_field", "status"),
    ],
)
def test_bodies_are_refused_with_stable_codes(raw, code, field):
    from chalicelib.api.errors import ApiError
    from tests.api.integration.signing import FakeRequest

    with pytest.raises(ApiError) as raised:
        parse(FakeRequest("POST", {}, raw), Body)
    assert raised.value.code == code and raised.value.status == 400
    assert raised.value.details.get("field") == field
    assert "two" not in raised.value.message  # the value is never quoted back


def test_the_ping_route_through_the_app(aws):
    from chalice.test import Client as TestClient

    from app import app

    raw = b""
    from tests.api.integration.signing import headers

    with TestClient(app) as client:
        response = client.http.get("/integration/v1/ping", headers=headers("narrow", raw))
    assert response.status_code == 200
    assert response.json_body == {
        "client": "narrow",
        "scopes": ["dossiers"],
        "agencies": ["000.00.17.H12"],
    }
