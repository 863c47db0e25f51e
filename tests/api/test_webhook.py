"""POST /zalo/webhook: only verified events reach the queue, and every caller gets 200 {}."""

from __future__ import annotations

import base64
import json

import pytest
from chalice.test import Client

from app import app
from chalicelib.platform.aws import client
from chalicelib.zalo import signature
from tests.conftest import ROOT, TEST_ENV, fixture_event

USER_EVENTS = [
    "user_send_text",
    "user_send_text_no_diacritics",
    "user_send_image",
    "user_send_file",
    "user_send_location",
    "follow",
    "unfollow",
    "user_submit_info_old",
    "user_submit_info_new",
    "user_click_chatnow",
]


def _queued() -> list[dict]:
    url = client("sqs").get_queue_url(
        QueueName=TEST_ENV.get("INBOUND_QUEUE", "camau-zalo-inbound.fifo")
    )["QueueUrl"]
    messages = []
    while True:
        got = (
            client("sqs")
            .receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=60
            )
            .get("Messages", [])
        )
        if not got:
            return messages
        messages.extend(got)


def _post(http, raw: bytes, headers: dict[str, str]):
    return http.post(
        "/zalo/webhook", body=raw, headers={"Content-Type": "application/json", **headers}
    )


FIXTURE_TIME = 1764140000  # the reference fixtures were signed at this time (epoch seconds)


@pytest.fixture(autouse=True)
def _at_fixture_time(monkeypatch):
    """The reference fixtures are signed with fixed timestamps: receive them as if just sent."""
    from chalicelib.api import webhook

    monkeypatch.setattr(webhook, "_clock", lambda: FIXTURE_TIME + 60)


@pytest.fixture
def http(aws):
    with Client(app, project_dir=str(ROOT), stage_name="dev") as c:
        yield c.http


@pytest.mark.parametrize("name", USER_EVENTS)
def test_signed_fixture_is_queued_once_with_user_as_group(http, name):
    raw, sig = fixture_event(name)
    response = _post(http, raw, {"X-ZEvent-Signature": sig})
    assert response.status_code == 200
    assert json.loads(response.body) == {}
    messages = _queued()
    assert len(messages) == 1
    assert messages[0]["Body"].encode() == raw
    assert messages[0]["Attributes"]["MessageGroupId"] == "2468000000000000001"


@pytest.mark.parametrize("header_name", ["x-zevent-signature", "X-ZEVENT-SIGNATURE"])
def test_header_name_in_any_case_and_signature_without_mac_prefix(http, header_name):
    raw, sig = fixture_event("user_send_text")
    response = _post(http, raw, {header_name: sig.removeprefix("mac=")})
    assert response.status_code == 200
    assert len(_queued()) == 1


def test_same_event_delivered_twice_at_once_is_queued_once(http):
    raw, sig = fixture_event("user_send_text")
    _post(http, raw, {"X-ZEvent-Signature": sig})
    _post(http, raw, {"X-ZEvent-Signature": sig})
    assert len(_queued()) == 1


def _tampered(raw: bytes) -> bytes:
    return raw.replace("tra cứu hồ sơ".encode(), "tra cứu hồ sơ khác".encode())


@pytest.mark.parametrize(
    "case",
    ["forged", "tampered", "unsigned", "wrong_secret", "empty_signature", "timestamp_changed"],
)
def test_unverified_requests_have_no_effect_and_get_200_empty(http, case, caplog):
    raw, sig = fixture_event("user_send_text")
    body = json.loads(raw)
    headers = {"X-ZEvent-Signature": sig}
    if case == "forged":
        headers = {"X-ZEvent-Signature": "mac=" + "0" * 64}
    elif case == "tampered":
        raw = _tampered(raw)
    elif case == "unsigned":
        headers = {}
    elif case == "wrong_secret":
        headers = {
            "X-ZEvent-Signature": signature.header_value(
                TEST_ENV["ZALO_APP_ID"], raw, body["timestamp"], "not-the-secret"
            )
        }
    elif case == "empty_signature":
        headers = {"X-ZEvent-Signature": ""}
    elif case == "timestamp_changed":
        raw = raw.replace(b"1764140000000", b"1764140000001")
    response = _post(http, raw, headers)
    assert response.status_code == 200
    assert json.loads(response.body) == {}
    assert _queued() == []


def test_rejection_is_logged_without_the_body(http, capsys):
    raw, _ = fixture_event("user_send_text")
    _post(http, raw, {"X-ZEvent-Signature": "mac=" + "1" * 64})
    out = capsys.readouterr().out
    assert "webhook_rejected" in out
    assert "bad_signature" in out
    assert "tra cứu" not in out and "2468000000000000001" not in out


def test_oversized_request_is_rejected_before_anything_else(http):
    body = {"event_name": "user_send_text", "timestamp": "1", "pad": "x" * 300_000}
    raw = json.dumps(body).encode()
    sig = signature.header_value(TEST_ENV["ZALO_APP_ID"], raw, "1", TEST_ENV["ZALO_OA_SECRET_KEY"])
    response = _post(http, raw, {"X-ZEvent-Signature": sig})
    assert response.status_code == 200
    assert _queued() == []


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1,2]", b'{"event_name":"x"}', b"\xff\xfe"])
def test_malformed_bodies_are_rejected(http, raw):
    response = _post(http, raw, {"X-ZEvent-Signature": "mac=" + "0" * 64})
    assert response.status_code == 200
    assert _queued() == []


@pytest.mark.parametrize("name", ["oa_send_text_echo", "user_seen_message"])
def test_echoes_and_receipts_are_acknowledged_but_never_queued(http, name):
    raw, sig = fixture_event(name)
    response = _post(http, raw, {"X-ZEvent-Signature": sig})
    assert response.status_code == 200
    assert _queued() == []


def test_base64_encoded_body_is_decoded_before_verification(aws):
    raw, sig = fixture_event("user_send_text")
    # The API Gateway proxy event, as Lambda receives it.
    event = {
        "resource": "/zalo/webhook",
        "path": "/zalo/webhook",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "X-ZEvent-Signature": sig},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/zalo/webhook",
            "httpMethod": "POST",
            "path": "/api/zalo/webhook",
            "stage": "api",
            "requestId": "r-1",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": base64.b64encode(raw).decode(),
        "isBase64Encoded": True,
    }
    result = app(event, None)
    assert result["statusCode"] == 200
    assert len(_queued()) == 1


def test_queue_failure_answers_503_so_zalo_redelivers(http, monkeypatch):
    from chalicelib.api import webhook

    def broken(*args, **kwargs):
        raise RuntimeError("sqs down")

    monkeypatch.setattr(webhook, "_inbound_queue_url", broken)
    raw, sig = fixture_event("user_send_text")
    response = _post(http, raw, {"X-ZEvent-Signature": sig})
    assert response.status_code == 503


@pytest.mark.parametrize(
    ("offset", "queued"),
    [(0, 1), (7 * 86400 - 60, 1), (7 * 86400 + 60, 0), (-2 * 3600, 0), (-30 * 60, 1)],
)
def test_a_signed_event_too_old_or_from_the_future_is_a_replay(http, monkeypatch, offset, queued):
    from chalicelib.api import webhook

    raw, sig = fixture_event("user_send_text")
    signed_at = int(json.loads(raw)["timestamp"]) / 1000
    monkeypatch.setattr(webhook, "_clock", lambda: signed_at + offset)
    response = _post(http, raw, {"X-ZEvent-Signature": sig})
    assert response.status_code == 200 and json.loads(response.body) == {}
    assert len(_queued()) == queued
