"""The OA token lifecycle: one refresher at a time, new pair persisted before use, alarms."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs

import pytest
import requests
import responses

from chalicelib.platform.aws import client
from chalicelib.settings import get_settings
from chalicelib.storage.table import Table, get_table
from chalicelib.storage.tokens import KmsSealer, TokenStore
from chalicelib.zalo import messages
from chalicelib.zalo.client import ZaloClient
from chalicelib.zalo.tokens import (
    TOKEN_PK,
    TOKEN_SK,
    RefreshInProgress,
    TokenManager,
    TokenMissing,
    TokenRefreshFailed,
    parse_expires_in,
)
from tests.conftest import TEST_ENV

OAUTH_URL = f"{TEST_ENV['ZALO_OAUTH_BASE']}/v4/oa/access_token"
CS_URL = f"{TEST_ENV['ZALO_API_BASE']}/v3.0/oa/message/cs"
NOW = 1_780_000_000.0
NEW_PAIR = {"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": "90000"}


def manager(clock=lambda: NOW, sleep=lambda s: None, table=None) -> TokenManager:
    return TokenManager(
        TokenStore(table or get_table(), sealer()),
        get_settings(),
        clock=clock,
        sleep=sleep,
        session=requests.Session(),
    )


class SerializedClient:
    """DynamoDB applies each conditional write atomically; moto does not when called from
    several threads at once. This wrapper restores DynamoDB's per-call atomicity."""

    _lock = threading.Lock()

    def __init__(self, client) -> None:
        self._client = client
        self.exceptions = client.exceptions

    def __getattr__(self, name):
        call = getattr(self._client, name)

        def serialized(**kwargs):
            with self._lock:
                return call(**kwargs)

        return serialized


def sealer() -> KmsSealer:
    return KmsSealer(client("kms"), get_settings().TOKEN_KMS_KEY)


def stored() -> dict:
    """The stored item with the pair decrypted (as the store reads it)."""
    return TokenStore(get_table(), sealer()).read() or {}


@pytest.fixture
def seeded(aws):
    """A stored pair, access-1/refresh-1, expiring in 25 hours."""
    manager().store_initial_pair("access-1", "refresh-1", "90000")
    return stored()


def oauth_calls() -> list:
    return [c for c in responses.calls if c.request.url == OAUTH_URL]


def test_expires_in_string_is_parsed():
    assert parse_expires_in("90000") == 90000
    assert parse_expires_in(" 3600 ") == 3600
    assert parse_expires_in(3600) == 3600
    for bad in ("", "9e4", "-5", "0", None, 1.5, True):
        with pytest.raises(ValueError):
            parse_expires_in(bad)


def test_store_initial_pair_handles_the_string_expires_in(seeded):
    assert seeded["access_token"] == "access-1"
    assert seeded["refresh_token"] == "refresh-1"
    assert seeded["expires_at"] == int(NOW) + 90000
    assert seeded["version"] == 1


def test_access_token_is_cached_in_memory_until_close_to_expiry(seeded):
    clock = [NOW]
    tokens = manager(clock=lambda: clock[0])
    assert tokens.get_access_token() == "access-1"
    manager().store_initial_pair("changed-elsewhere", "refresh-1", "90000")
    assert tokens.get_access_token() == "access-1"  # from memory: no read
    clock[0] = NOW + 90000 - 60  # close to expiry: read again
    assert tokens.get_access_token() == "changed-elsewhere"


def test_no_stored_token_means_missing(aws):
    with pytest.raises(TokenMissing):
        manager().get_access_token()
    with pytest.raises(TokenMissing):
        manager().refresh("test")


@responses.activate
def test_refresh_posts_the_v4_form_and_persists_the_new_pair(seeded):
    responses.post(OAUTH_URL, json=NEW_PAIR)
    assert manager(clock=lambda: NOW + 100).refresh("test") == "access-2"
    request = oauth_calls()[0].request
    assert request.headers["secret_key"] == "app-secret-for-tests"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body) == {
        "app_id": [TEST_ENV["ZALO_APP_ID"]],
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-1"],
    }
    item = stored()
    assert item["access_token"] == "access-2"
    assert item["refresh_token"] == "refresh-2"
    assert item["expires_at"] == int(NOW + 100) + 90000
    assert item["version"] == 2
    assert item["refreshed_at"] == int(NOW + 100)
    assert "lease_owner" not in item and "lease_until" not in item


@responses.activate
def test_new_pair_is_persisted_before_the_client_uses_it(seeded):
    seen_in_table: list[str] = []

    def send(request):
        seen_in_table.append(stored()["access_token"])
        if request.headers["access_token"] == "access-1":
            return 200, {}, '{"error": -216, "message": "invalid"}'
        return 200, {}, '{"error": 0, "data": {"message_id": "m1"}}'

    responses.add_callback(responses.POST, CS_URL, callback=send)
    responses.post(OAUTH_URL, json=NEW_PAIR)
    tokens = manager()
    client = ZaloClient(get_settings(), tokens, session=requests.Session(), sleep=lambda s: None)
    assert client.send_message("u1", messages.text("a")) == "m1"
    # When the retried send went out with access-2, the table already held access-2.
    assert seen_in_table == ["access-1", "access-2"]
    assert len(oauth_calls()) == 1


@responses.activate
def test_two_interleaved_refreshers_make_exactly_one_oauth_call(seeded):
    other = manager()
    outcome: list[object] = []

    def oauth(request):
        # While the first refresher waits on Zalo, a second one tries.
        try:
            outcome.append(other.refresh("concurrent"))
        except RefreshInProgress as exc:
            outcome.append(exc)
        return (
            200,
            {},
            '{"access_token":"access-2","refresh_token":"refresh-2","expires_in":"90000"}',
        )

    responses.add_callback(responses.POST, OAUTH_URL, callback=oauth)
    assert manager().refresh("first") == "access-2"
    assert len(oauth_calls()) == 1
    assert isinstance(outcome[0], RefreshInProgress)
    assert stored()["version"] == 2


@responses.activate
def test_concurrent_refreshers_in_threads_make_exactly_one_oauth_call(seeded):
    def oauth(request):
        time.sleep(0.3)  # a slow Zalo: the other threads find the lease taken
        return (
            200,
            {},
            '{"access_token":"access-2","refresh_token":"refresh-2","expires_in":"90000"}',
        )

    responses.add_callback(responses.POST, OAUTH_URL, callback=oauth)
    barrier = threading.Barrier(4)
    results: list[object] = []

    table = Table(get_table().name, SerializedClient(client("dynamodb")))

    def refresher():
        tokens = manager(sleep=lambda s: time.sleep(0.05), table=table)
        barrier.wait()
        try:
            results.append(tokens.refresh_after_rejection("access-1"))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=refresher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(oauth_calls()) == 1
    assert results == ["access-2"] * 4  # the losers waited for the winner's pair
    assert stored()["refresh_token"] == "refresh-2"


@responses.activate
def test_failed_refresh_keeps_the_old_pair_and_raises_the_alarm(seeded, capsys):
    responses.post(OAUTH_URL, json={"error": -14014, "error_name": "Invalid refresh token"})
    with pytest.raises(TokenRefreshFailed):
        manager().refresh("test")
    item = stored()
    assert (item["access_token"], item["refresh_token"], item["version"]) == (
        "access-1",
        "refresh-1",
        1,
    )
    assert "lease_until" not in item  # released: the next attempt is not blocked
    out = capsys.readouterr().out
    assert '"TokenRefreshFailed"' in out and "token_refresh_failed" in out
    assert "refresh-1" not in out and "access-1" not in out
    # The old access token is still handed out until it expires.
    assert manager().get_access_token() == "access-1"


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "body": "down"},
        {"json": {"access_token": "a", "refresh_token": "r", "expires_in": "soon"}},
        {"json": {"access_token": "a", "expires_in": "90000"}},
    ],
)
@responses.activate
def test_unusable_answers_are_failed_refreshes(seeded, answer):
    responses.post(OAUTH_URL, **answer)
    with pytest.raises(TokenRefreshFailed):
        manager().refresh("test")
    assert stored()["refresh_token"] == "refresh-1"


@responses.activate
def test_rejection_of_a_token_someone_already_replaced_needs_no_refresh(seeded):
    assert manager().refresh_after_rejection("some-older-token") == "access-1"
    assert oauth_calls() == []


@responses.activate
def test_lease_of_a_crashed_refresher_is_taken_over_once_expired(seeded):
    get_table().update(
        TOKEN_PK,
        TOKEN_SK,
        "SET lease_owner = :o, lease_until = :u",
        values={":o": "crashed", ":u": NOW - 1},
    )
    responses.post(OAUTH_URL, json=NEW_PAIR)
    assert manager().refresh("test") == "access-2"


@responses.activate
def test_refresh_if_due_is_a_no_op_without_a_token(aws, capsys):
    assert manager().refresh_if_due() == "no_token"
    assert oauth_calls() == []
    assert "token_refresh_skipped" in capsys.readouterr().out


@responses.activate
def test_refresh_if_due_waits_for_the_margin(seeded):
    responses.post(OAUTH_URL, json=NEW_PAIR)
    margin = get_settings().TOKEN_REFRESH_MARGIN_MINUTES * 60
    expires_at = seeded["expires_at"]
    assert manager(clock=lambda: expires_at - margin - 10).refresh_if_due() == "not_due"
    assert oauth_calls() == []
    assert manager(clock=lambda: expires_at - margin + 10).refresh_if_due() == "refreshed"
    assert len(oauth_calls()) == 1
    assert stored()["access_token"] == "access-2"


@responses.activate
def test_refresh_if_due_reports_failure_without_raising(seeded):
    responses.post(OAUTH_URL, json={"error": -14014})
    assert manager(clock=lambda: seeded["expires_at"] - 60).refresh_if_due() == "failed"


@responses.activate
def test_an_expired_stored_token_is_refreshed_before_use(seeded):
    responses.post(OAUTH_URL, json=NEW_PAIR)
    assert manager(clock=lambda: seeded["expires_at"] + 1).get_access_token() == "access-2"


ELSEWHERE = "https://elsewhere.test/collect"


@responses.activate
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed_with_the_app_secret(seeded, status):
    responses.post(OAUTH_URL, status=status, headers={"Location": ELSEWHERE})
    responses.post(ELSEWHERE, json=NEW_PAIR)
    responses.get(ELSEWHERE, json=NEW_PAIR)
    with pytest.raises(TokenRefreshFailed):
        manager().refresh("test")
    assert [c.request.url for c in responses.calls] == [OAUTH_URL]
    assert stored()["refresh_token"] == "refresh-1"
