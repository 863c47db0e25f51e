"""The operator-only consent flow: operator secret, PKCE S256, single-use state, token stored."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from chalice import Chalice
from chalice.test import Client

from chalicelib.api import oauth
from chalicelib.root import reset_token_manager
from chalicelib.settings import reset_settings
from chalicelib.storage.table import get_table
from chalicelib.zalo.tokens import TOKEN_PK, TOKEN_SK
from tests.conftest import ROOT, TEST_ENV


def stored_pair() -> dict:
    """The stored token item, decrypted as the consumer reads it (the table holds it sealed)."""
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings
    from chalicelib.storage.tokens import KmsSealer, TokenStore

    sealer = KmsSealer(client("kms"), get_settings().TOKEN_KMS_KEY)
    return TokenStore(get_table(), sealer).read() or {}


OAUTH_URL = f"{TEST_ENV['ZALO_OAUTH_BASE']}/v4/oa/access_token"
OPERATOR = {"X-Operator-Secret": TEST_ENV["OPERATOR_SECRET"]}
PAIR = {"access_token": "access-1", "refresh_token": "refresh-1", "expires_in": "90000"}
OA = TEST_ENV["ZALO_OA_ID"]  # the Official Account this deployment serves

# Wired exactly as app.py wires them: one line each.
app = Chalice(app_name="oauth-test")


@app.route("/zalo/oauth/start", methods=["GET"])
def oauth_start():
    return oauth.start(app.current_request)


@app.route("/zalo/oauth/callback", methods=["GET"])
def oauth_callback():
    return oauth.callback(app.current_request)


@pytest.fixture
def http(aws):
    # The callback uses the container's token manager: never one built in another test's AWS.
    reset_token_manager()
    with Client(app, project_dir=str(ROOT)) as client:
        yield client.http
    reset_token_manager()


def start(http) -> dict[str, str]:
    """Run /start as the operator; the consent URL's query parameters."""
    response = http.get("/zalo/oauth/start", headers=OPERATOR)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == TEST_ENV["ZALO_OAUTH_BASE"]
    assert location.path == "/v4/oa/permission"
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def error_code(response) -> str:
    return response.json_body["error"]["code"]


def test_pkce_challenge_follows_rfc7636():
    # The example of RFC 7636 appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert oauth.code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert 43 <= len(oauth.new_verifier()) <= 128


@pytest.mark.parametrize("headers", [{}, {"X-Operator-Secret": "wrong"}])
def test_start_without_the_operator_secret_is_forbidden(http, headers):
    response = http.get("/zalo/oauth/start", headers=headers)
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert TEST_ENV["OPERATOR_SECRET"].encode() not in response.body


def test_start_is_disabled_while_operator_secret_is_empty(http, monkeypatch):
    # Only outside the deployed stages: there an empty secret is a configuration error.
    monkeypatch.setattr("chalicelib.settings.STRICT_STAGES", frozenset())
    monkeypatch.setenv("OPERATOR_SECRET", "")
    reset_settings()
    response = http.get("/zalo/oauth/start", headers={"X-Operator-Secret": ""})
    assert response.status_code == 403
    assert error_code(response) == "flow_disabled"


def test_start_redirects_with_a_challenge_matching_the_stored_verifier(http):
    params = start(http)
    assert params["app_id"] == TEST_ENV["ZALO_APP_ID"]
    # The test client applies the stage's variables from .chalice/config.json.
    assert params["redirect_uri"].endswith("/api/zalo/oauth/callback")
    item = get_table().get(f"OAUTH#{params['state']}", "OAUTH")
    assert oauth.code_challenge(item["verifier"]) == params["code_challenge"]
    assert "=" not in params["code_challenge"]
    assert item["ttl"] == item["expires_at"]
    assert 590 <= item["ttl"] - time.time() <= 600


@responses.activate
def test_callback_exchanges_the_code_with_the_verifier_and_stores_the_pair(http):
    responses.post(OAUTH_URL, json=PAIR)
    params = start(http)
    verifier = get_table().get(f"OAUTH#{params['state']}", "OAUTH")["verifier"]
    response = http.get(f"/zalo/oauth/callback?code=auth-code&state={params['state']}&oa_id={OA}")
    assert response.status_code == 200
    assert response.json_body["status"] == "connected"
    form = parse_qs(responses.calls[0].request.body)
    assert form == {
        "app_id": [TEST_ENV["ZALO_APP_ID"]],
        "grant_type": ["authorization_code"],
        "code": ["auth-code"],
        "code_verifier": [verifier],
    }
    assert responses.calls[0].request.headers["secret_key"] == TEST_ENV["ZALO_APP_SECRET"]
    raw = get_table().get(TOKEN_PK, TOKEN_SK, consistent=True)
    assert "access_token" not in raw and "access-1" not in repr(raw)  # sealed with KMS
    stored = stored_pair()
    assert (stored["access_token"], stored["refresh_token"]) == ("access-1", "refresh-1")
    for secret in (b"access-1", b"refresh-1", verifier.encode(), b"auth-code"):
        assert secret not in response.body


@responses.activate
def test_state_is_single_use(http):
    responses.post(OAUTH_URL, json=PAIR)
    state = start(http)["state"]
    first = http.get(f"/zalo/oauth/callback?code=c1&state={state}&oa_id={OA}")
    again = http.get(f"/zalo/oauth/callback?code=c2&state={state}&oa_id={OA}")
    assert first.status_code == 200
    assert again.status_code == 400
    assert error_code(again) == "invalid_state"
    assert len(responses.calls) == 1


@pytest.mark.parametrize("query", ["code=c&state=never-issued", "code=c", "state="])
def test_unknown_or_missing_state_is_refused(http, query):
    response = http.get(f"/zalo/oauth/callback?{query}")
    assert response.status_code == 400
    assert error_code(response) == "invalid_state"


@responses.activate
def test_expired_state_is_refused(http, monkeypatch):
    state = start(http)["state"]
    monkeypatch.setattr(oauth, "_clock", lambda: time.time() + 601)
    response = http.get(f"/zalo/oauth/callback?code=c&state={state}")
    assert error_code(response) == "invalid_state"
    assert len(responses.calls) == 0


@responses.activate
def test_failed_exchange_answers_a_stable_code_and_stores_nothing(http, capsys):
    responses.post(OAUTH_URL, json={"error": -14019, "error_name": "Invalid code"})
    state = start(http)["state"]
    response = http.get(f"/zalo/oauth/callback?code=secret-code&state={state}&oa_id={OA}")
    assert response.status_code == 502
    assert error_code(response) == "exchange_failed"
    assert get_table().get(TOKEN_PK, TOKEN_SK) is None
    out = capsys.readouterr().out
    assert "secret-code" not in out and TEST_ENV["ZALO_APP_SECRET"] not in out


@responses.activate
@pytest.mark.parametrize("oa_param", ["&oa_id=3880000000000000999", "&oa_id=", ""])
def test_callback_for_another_official_account_is_refused_and_stores_nothing(http, oa_param):
    responses.post(OAUTH_URL, json=PAIR)
    state = start(http)["state"]
    response = http.get(f"/zalo/oauth/callback?code=auth-code&state={state}{oa_param}")
    assert response.status_code == 400
    assert error_code(response) == "wrong_official_account"
    assert len(responses.calls) == 0  # the code is not even exchanged
    assert get_table().get(TOKEN_PK, TOKEN_SK, consistent=True) is None
    again = http.get(f"/zalo/oauth/callback?code=auth-code&state={state}&oa_id={OA}")
    assert error_code(again) == "invalid_state"  # the consent must be started again


@responses.activate
def test_callback_accepts_any_official_account_when_none_is_configured(http, monkeypatch, capsys):
    # Only outside the deployed stages: there an empty ZALO_OA_ID is a configuration error.
    monkeypatch.setattr("chalicelib.settings.STRICT_STAGES", frozenset())
    monkeypatch.setenv("ZALO_OA_ID", "")
    reset_settings()
    responses.post(OAUTH_URL, json=PAIR)
    state = start(http)["state"]
    response = http.get(f"/zalo/oauth/callback?code=auth-code&state={state}&oa_id=999")
    assert response.status_code == 200
    assert stored_pair()["access_token"] == "access-1"
    warnings = [line for line in capsys.readouterr().out.splitlines() if '"WARNING"' in line]
    assert any("oauth_oa_id_not_checked" in line for line in warnings)
