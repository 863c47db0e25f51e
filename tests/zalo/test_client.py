"""The OA Open API client: errors in HTTP 200 bodies, retries, token refresh, endpoints.

Also the message builders it sends (chalicelib/zalo/messages.py)."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from chalicelib.settings import get_settings, reset_settings
from chalicelib.zalo import messages
from chalicelib.zalo.client import (
    InvalidRequest,
    OutsideWindow,
    TokenRejected,
    ZaloApiError,
    ZaloClient,
    ZaloUnavailable,
)
from tests.conftest import TEST_ENV

API = TEST_ENV["ZALO_API_BASE"]
CS_URL = f"{API}/v3.0/oa/message/cs"
OK = {"error": 0, "message": "Success", "data": {"message_id": "mid-1", "user_id": "u1"}}


class FakeTokens:
    """A token source that counts refreshes."""

    def __init__(self) -> None:
        self.token = "old-access-token"
        self.rejected: list[str] = []

    def get_access_token(self) -> str:
        return self.token

    def refresh_after_rejection(self, rejected_token: str) -> str:
        self.rejected.append(rejected_token)
        self.token = "new-access-token"
        return self.token


@pytest.fixture
def tokens() -> FakeTokens:
    return FakeTokens()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(tokens, sleeps) -> ZaloClient:
    return ZaloClient(
        get_settings(), tokens, session=requests.Session(), sleep=sleeps.append, jitter=lambda: 0.5
    )


def _sent_body(call) -> dict:
    return json.loads(call.request.body)


@responses.activate
def test_send_message_posts_json_with_access_token_header(client):
    responses.post(CS_URL, json=OK)
    message_id = client.send_message("u1", messages.text("Xin chào"))
    assert message_id == "mid-1"
    request = responses.calls[0].request
    assert request.headers["access_token"] == "old-access-token"
    assert "Authorization" not in request.headers
    assert _sent_body(responses.calls[0]) == {
        "recipient": {"user_id": "u1"},
        "message": {"text": "Xin chào"},
    }


@pytest.mark.parametrize("code", [-216, -220])
@responses.activate
def test_rejected_token_triggers_exactly_one_refresh_and_one_retry(client, tokens, code):
    responses.post(CS_URL, json={"error": code, "message": "access token invalid"})
    responses.post(CS_URL, json=OK)
    assert client.send_message("u1", messages.text("a")) == "mid-1"
    assert tokens.rejected == ["old-access-token"]
    assert len(responses.calls) == 2
    assert responses.calls[1].request.headers["access_token"] == "new-access-token"


@responses.activate
def test_token_rejected_again_after_refresh_raises_without_second_refresh(client, tokens):
    responses.post(CS_URL, json={"error": -216, "message": "invalid"})
    responses.post(CS_URL, json={"error": -216, "message": "invalid"})
    responses.post(CS_URL, json=OK)
    with pytest.raises(TokenRejected):
        client.send_message("u1", messages.text("a"))
    assert len(tokens.rejected) == 1
    assert len(responses.calls) == 2


@responses.activate
def test_rate_limited_is_retried_with_growing_backoff_then_succeeds(client, sleeps):
    responses.post(CS_URL, json={"error": -32, "message": "rate limit"})
    responses.post(CS_URL, json={"error": -32, "message": "rate limit"})
    responses.post(CS_URL, json=OK)
    assert client.send_message("u1", messages.text("a")) == "mid-1"
    assert len(responses.calls) == 3
    assert len(sleeps) == 2
    assert 0 < sleeps[0] < sleeps[1] <= 8


@responses.activate
def test_rate_limit_that_persists_gives_up_after_max_retries(client, sleeps):
    for _ in range(10):
        responses.post(CS_URL, json={"error": -32, "message": "rate limit"})
    with pytest.raises(ZaloUnavailable) as raised:
        client.send_message("u1", messages.text("a"))
    assert raised.value.code == -32
    assert len(responses.calls) == get_settings().HTTP_MAX_RETRIES + 1
    assert len(sleeps) == get_settings().HTTP_MAX_RETRIES


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@responses.activate
def test_server_errors_are_retried(client, sleeps, status):
    responses.post(CS_URL, status=status, body="upstream down")
    responses.post(CS_URL, json=OK)
    assert client.send_message("u1", messages.text("a")) == "mid-1"
    assert len(responses.calls) == 2
    assert len(sleeps) == 1


@responses.activate
def test_network_errors_are_retried(client, sleeps):
    responses.post(CS_URL, body=requests.ConnectionError("reset"))
    responses.post(CS_URL, body=requests.Timeout("slow"))
    responses.post(CS_URL, json=OK)
    assert client.send_message("u1", messages.text("a")) == "mid-1"
    assert len(sleeps) == 2


@responses.activate
def test_invalid_parameter_is_never_retried(client, sleeps, tokens):
    responses.post(CS_URL, json={"error": -201, "message": "param invalid"})
    responses.post(CS_URL, json=OK)
    with pytest.raises(InvalidRequest) as raised:
        client.send_message("u1", messages.text("a"))
    assert raised.value.code == -201
    assert len(responses.calls) == 1
    assert sleeps == [] and tokens.rejected == []


@responses.activate
def test_http_200_with_an_error_code_raises(client):
    responses.post(CS_URL, json={"error": -213, "message": "user has not followed OA"})
    with pytest.raises(ZaloApiError) as raised:
        client.send_message("u1", messages.text("a"))
    assert raised.value.code == -213
    assert type(raised.value) is ZaloApiError
    assert len(responses.calls) == 1


@responses.activate
def test_error_code_sent_as_a_string_is_still_an_error(client):
    responses.post(CS_URL, json={"error": "-213", "message": "user has not followed OA"})
    with pytest.raises(ZaloApiError):
        client.send_message("u1", messages.text("a"))


@pytest.mark.parametrize("code", [-230, -232])
@responses.activate
def test_outside_the_window_raises_a_typed_error(client, code):
    responses.post(CS_URL, json={"error": code, "message": "not interacted in 7 days"})
    with pytest.raises(OutsideWindow) as raised:
        client.send_message("u1", messages.text("a"))
    assert raised.value.code == code


@responses.activate
def test_client_errors_other_than_5xx_are_not_retried(client, sleeps):
    responses.post(CS_URL, status=404, body="not found")
    with pytest.raises(ZaloApiError) as raised:
        client.send_message("u1", messages.text("a"))
    assert raised.value.http_status == 404
    assert sleeps == []


@responses.activate
def test_template_to_user(client):
    responses.post(f"{API}/v3.0/oa/message/template", json=OK)
    assert client.send_template_to_user("u1", "T1", {"code": "X"}) == "mid-1"
    assert _sent_body(responses.calls[0]) == {
        "user_id": "u1",
        "template_id": "T1",
        "template_data": {"code": "X"},
    }


@responses.activate
def test_template_to_phone_goes_to_the_template_api(client):
    url = f"{TEST_ENV['ZALO_TEMPLATE_API_BASE']}/message/template"
    responses.post(url, json={"error": 0, "message": "ok", "data": {"msg_id": "z1"}})
    assert client.send_template_to_phone("84912345678", "T1", {"a": 1}, "notice-1") == "z1"
    body = _sent_body(responses.calls[0])
    assert body == {
        "phone": "84912345678",
        "template_id": "T1",
        "template_data": {"a": 1},
        "tracking_id": "notice-1",
    }
    assert responses.calls[0].request.headers["access_token"] == "old-access-token"


@responses.activate
def test_template_to_phone_in_development_mode(monkeypatch, tokens):
    monkeypatch.setenv("ZALO_TEMPLATE_MODE", "development")
    reset_settings()
    client = ZaloClient(get_settings(), tokens, session=requests.Session(), sleep=lambda s: None)
    url = f"{TEST_ENV['ZALO_TEMPLATE_API_BASE']}/message/template"
    responses.post(url, json={"error": 0, "message": "ok", "data": {"msg_id": "z1"}})
    client.send_template_to_phone("84912345678", "T1", {}, "t")
    assert _sent_body(responses.calls[0])["mode"] == "development"


@responses.activate
def test_template_to_phone_refreshes_on_its_own_token_error(client, tokens):
    url = f"{TEST_ENV['ZALO_TEMPLATE_API_BASE']}/message/template"
    responses.post(url, json={"error": -124, "message": "access token invalid"})
    responses.post(url, json={"error": 0, "message": "ok", "data": {"msg_id": "z1"}})
    assert client.send_template_to_phone("84912345678", "T1", {}, "t") == "z1"
    assert tokens.rejected == ["old-access-token"]


def test_template_to_phone_refuses_numbers_not_in_84_form(client):
    with pytest.raises(ValueError):
        client.send_template_to_phone("0912345678", "T1", {}, "t")


@responses.activate
def test_upload_file_sends_multipart_field_file(client):
    responses.post(
        f"{API}/v2.0/oa/upload/file", json={"error": 0, "message": "ok", "data": {"token": "ft"}}
    )
    token = client.upload_file(b"%PDF-1.4 test", "giay-tiep-nhan.pdf", "application/pdf")
    assert token == "ft"
    request = responses.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="giay-tiep-nhan.pdf"' in request.body
    assert b"%PDF-1.4 test" in request.body


@responses.activate
def test_tokens_and_texts_never_reach_the_logs(client, capsys):
    responses.post(CS_URL, json={"error": -216, "message": "invalid"})
    responses.post(CS_URL, json={"error": -32, "message": "rate"})
    responses.post(CS_URL, json={"error": -213, "message": "not follower"})
    with pytest.raises(ZaloApiError):
        client.send_message("u1", messages.text("Số CCCD 012345678901"))
    out = capsys.readouterr().out
    assert "zalo_token_rejected" in out  # the logs were captured at all
    for secret in ("old-access-token", "new-access-token", "012345678901"):
        assert secret not in out


# --- message builders ----------------------------------------------------------------------


def test_text_over_2000_characters_is_refused():
    messages.text("a" * 2000)
    with pytest.raises(ValueError, match="2000"):
        messages.text("a" * 2001)


def test_more_than_5_buttons_is_refused():
    buttons = [{"title": f"B{i}", "payload": f"#p{i}"} for i in range(6)]
    with pytest.raises(ValueError, match="at most 5"):
        messages.text_with_buttons("Chọn", buttons)


def test_buttons_of_every_type():
    built = messages.text_with_buttons(
        "Chọn",
        [
            {"title": "Tra cứu", "payload": "#lookup"},
            {"title": "Hiện", "payload": "hello", "type": "oa.query.show"},
            {
                "title": "Cổng",
                "payload": {"url": "https://dichvucong.gov.vn"},
                "type": "oa.open.url",
            },
            {"title": "Gọi", "payload": {"phone_code": "02903822822"}, "type": "oa.open.phone"},
        ],
    )
    assert built["text"] == "Chọn"
    payload = built["attachment"]["payload"]
    assert built["attachment"]["type"] == "template"
    assert [b["type"] for b in payload["buttons"]] == [
        "oa.query.hide",
        "oa.query.show",
        "oa.open.url",
        "oa.open.phone",
    ]
    assert payload["buttons"][2]["payload"] == {"url": "https://dichvucong.gov.vn"}


@pytest.mark.parametrize(
    "button",
    [
        {"title": "x", "payload": "p" * 1001},
        {"title": "x", "payload": "p", "type": "oa.open.sms.unknown"},
        {"title": "x", "payload": "https://a", "type": "oa.open.url"},
        {"title": "", "payload": "p"},
    ],
)
def test_invalid_buttons_are_refused(button):
    with pytest.raises(ValueError):
        messages.text_with_buttons("t", [button])


def test_media_file_and_request_user_info_shapes():
    assert messages.image(url="https://x/a.png")["attachment"]["payload"] == {
        "template_type": "media",
        "elements": [{"media_type": "image", "url": "https://x/a.png"}],
    }
    assert messages.image(attachment_id="att")["attachment"]["payload"]["elements"][0] == {
        "media_type": "image",
        "attachment_id": "att",
    }
    with pytest.raises(ValueError):
        messages.image()
    assert messages.file("tok") == {"attachment": {"type": "file", "payload": {"token": "tok"}}}
    card = messages.request_user_info("Chia sẻ thông tin", "Để nhận kết quả", "https://x/i.png")
    assert card["attachment"]["payload"]["template_type"] == "request_user_info"
    assert card["attachment"]["payload"]["elements"] == [
        {
            "title": "Chia sẻ thông tin",
            "subtitle": "Để nhận kết quả",
            "image_url": "https://x/i.png",
        }
    ]


ELSEWHERE = "https://elsewhere.test/collect"


@responses.activate
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed_with_the_access_token(client, status):
    responses.post(CS_URL, status=status, headers={"Location": ELSEWHERE})
    responses.post(ELSEWHERE, json=OK)
    responses.get(ELSEWHERE, json=OK)
    with pytest.raises(ZaloApiError):
        client.send_message("u1", messages.text("Xin chào"))
    assert [c.request.url for c in responses.calls] == [CS_URL]
