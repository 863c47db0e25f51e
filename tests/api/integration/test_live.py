"""Officers' side of the live conversations, against moto: the inbox, one conversation with its
messages and file links, a reply that reaches the citizen once (a retried request too), a
close that lifts the bot's silence and tells the citizen; refusals with stable codes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.api.integration import live as api
from chalicelib.conversation import texts
from chalicelib.inbound.consumer import consume
from chalicelib.notify import outbox
from chalicelib.root import get_live_conversations
from tests.api.integration.signing import request
from tests.inbound import conftest as inbound_fixtures
from tests.inbound import test_handoff as chat_side
from tests.inbound.test_handoff import AGENCY, BASE, USER, _pointer
from tests.inbound.test_outbox import _as_record, _received

# The chat side's fixtures: a wired system on moto, a citizen who consented.
zalo = inbound_fixtures.zalo
chat = chat_side.chat

NOW = BASE + timedelta(hours=1)


@pytest.fixture
def opened(request, monkeypatch):
    chat = request.getfixturevalue("chat")
    monkeypatch.setattr(api, "_now", lambda: NOW)
    chat.text("gap can bo")
    chat.text("Tôi hỏi về hồ sơ xây dựng")
    (conversation,), _ = get_live_conversations().inbox(AGENCY, "open", limit=5)
    return chat, conversation.ref


def _body(response) -> dict:
    body = response.body
    return json.loads(body) if isinstance(body, (str, bytes)) else body


def _deliver_queued() -> int:
    """Hand what the outbox queued to the consumer, as Lambda would; how many there were."""
    messages = _received()
    for message in messages:
        assert consume({"Records": [_as_record(message)]}) == {"batchItemFailures": []}
    return len(messages)


def test_the_inbox_lists_open_conversations_newest_first(opened) -> None:
    _, ref = opened
    answer = api.list_conversations(request("GET", query_params={"agency": AGENCY}))
    assert answer.status_code == 200
    body = _body(answer)
    assert [c["ref"] for c in body["conversations"]] == [ref]
    first = body["conversations"][0]
    assert first["state"] == "open" and first["idle"] is False and first["messages"] == 1
    assert "user_id" not in first
    closed = api.list_conversations(request("GET", query_params={"state": "closed"}))
    assert _body(closed)["conversations"] == []


def test_query_parameters_as_chalice_hands_them(opened) -> None:
    from chalice.app import MultiDict

    params = MultiDict({"agency": [AGENCY], "state": ["open"], "limit": ["5"]})
    answer = api.list_conversations(request("GET", query_params=params))
    assert answer.status_code == 200, _body(answer)
    assert len(_body(answer)["conversations"]) == 1


def test_one_conversation_shows_its_messages_and_file_links(opened) -> None:
    from tests.documents import samples

    chat, ref = opened
    chat.cdn.files["https://zdn.vn/giay-phep.pdf"] = samples.pdf()
    chat._send(
        {
            "event_name": "user_send_file",
            "message": {
                "text": "",
                "attachments": [
                    {
                        "type": "file",
                        "payload": {"url": "https://zdn.vn/giay-phep.pdf", "name": "gp.pdf"},
                    }
                ],
            },
        }
    )
    answer = api.get_conversation(request("GET", uri_params={"ref": ref}), ref)
    assert answer.status_code == 200
    messages = _body(answer)["messages"]
    assert [m["from"] for m in messages] == ["citizen", "citizen"]
    assert messages[0]["text"] == "Tôi hỏi về hồ sơ xây dựng"
    file = messages[1]["file"]
    assert file["content_type"] == "application/pdf" and file["name"] == "gp.pdf"
    assert file["url"].startswith("https://") and "X-Amz-Signature" in file["url"]


def test_an_officer_reply_reaches_the_citizen_once_even_when_the_request_is_retried(
    opened, monkeypatch
) -> None:
    chat, ref = opened
    body = {"officer": "cb.nguyen", "text": "Chào Ông/Bà, hồ sơ cần thêm bản vẽ."}
    signed = request("POST", body, uri_params={"ref": ref}, webhook_id="msg_reply_1")
    # The first attempt stores the reply, then the queue fails: 500, nothing recorded as done.
    real_queue = outbox.Outbox.queue
    monkeypatch.setattr(outbox.Outbox, "queue", lambda self, notice: 1 / 0)
    assert api.reply(signed, ref).status_code == 500
    monkeypatch.setattr(outbox.Outbox, "queue", real_queue)
    first = api.reply(signed, ref)
    again = api.reply(signed, ref)  # replayed: the first answer, nothing done
    assert first.status_code == again.status_code == 201
    assert _body(first) == _body(again)
    assert again.headers.get("webhook-replayed") == "true"
    assert _deliver_queued() == 1
    sent = chat.zalo.texts_to(USER)
    assert sent.count(texts.live_officer_reply(body["text"])) == 1
    detail = _body(api.get_conversation(request("GET", uri_params={"ref": ref}), ref))
    officer = [m for m in detail["messages"] if m["from"] == "officer"]
    assert len(officer) == 1 and officer[0]["officer"] == "cb.nguyen"
    assert detail["officers"] == ["cb.nguyen"]
    # The citizen is still talking to the officer: the bot stays silent.
    assert chat.text("cảm ơn, tôi sẽ bổ sung") == []


def test_closing_lifts_the_silence_and_tells_the_citizen(opened) -> None:
    chat, ref = opened
    signed = request("POST", {"officer": "cb.tran"}, uri_params={"ref": ref})
    answer = api.close(signed, ref)
    assert answer.status_code == 200
    body = _body(answer)
    assert body["state"] == "closed" and body["closed_by"] == "officer:cb.tran"
    assert body["closed_now"] is True
    assert _pointer() is None
    assert _deliver_queued() == 1
    assert texts.LIVE_ENDED_BY_OFFICER in chat.zalo.texts_to(USER)
    assert chat.text("tra cứu hồ sơ") != []  # the bot answers again
    # Closing again changes nothing and tells nobody again; replying is refused.
    again = api.close(request("POST", {"officer": "cb.le"}, uri_params={"ref": ref}), ref)
    assert _body(again)["closed_now"] is False and _body(again)["closed_by"] == "officer:cb.tran"
    assert _deliver_queued() == 0
    refused = api.reply(
        request("POST", {"officer": "cb.le", "text": "x"}, uri_params={"ref": ref}), ref
    )
    assert refused.status_code == 409
    assert _body(refused)["error"]["code"] == "conversation_closed"


def test_an_idle_conversation_takes_no_reply(opened, monkeypatch) -> None:
    _, ref = opened
    monkeypatch.setattr(api, "_now", lambda: NOW + timedelta(hours=25))
    listed = _body(api.list_conversations(request("GET")))
    assert listed["conversations"][0]["idle"] is True
    refused = api.reply(
        request("POST", {"officer": "cb.le", "text": "x"}, uri_params={"ref": ref}), ref
    )
    assert _body(refused)["error"]["code"] == "conversation_closed"
    assert _received() == []


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        (
            lambda ref: api.list_conversations(request("GET", query_params={"agency": "x"})),
            400,
            "invalid_agency",
        ),
        (
            lambda ref: api.list_conversations(request("GET", query_params={"state": "new"})),
            400,
            "invalid_state",
        ),
        (
            lambda ref: api.list_conversations(request("GET", query_params={"limit": "0"})),
            400,
            "invalid_limit",
        ),
        (
            lambda ref: api.list_conversations(request("GET", query_params={"cursor": "!!"})),
            400,
            "invalid_cursor",
        ),
        (
            lambda ref: api.get_conversation(request("GET"), "L261202-00000000"),
            404,
            "conversation_not_found",
        ),
        (
            lambda ref: api.reply(request("POST", {"officer": "a b", "text": "x"}), ref),
            400,
            "invalid_field",
        ),
        (
            lambda ref: api.reply(request("POST", {"officer": "a", "text": ""}), ref),
            400,
            "invalid_field",
        ),
        (
            lambda ref: api.close(request("POST", {"officer": "a", "x": 1}), ref),
            400,
            "unknown_field",
        ),
        (
            lambda ref: api.list_conversations(request("GET", client="narrow")),
            403,
            "scope_not_allowed",
        ),
    ],
)
def test_bad_requests_get_a_stable_code_and_change_nothing(opened, call, status, code) -> None:
    _, ref = opened
    answer = call(ref)
    assert answer.status_code == status
    assert _body(answer)["error"]["code"] == code
    assert _pointer() is not None
    assert _received() == []


def test_a_client_of_another_agency_neither_lists_nor_opens_it(opened, monkeypatch) -> None:
    from chalicelib.settings import reset_settings
    from tests.conftest import INTEGRATION_CLIENTS, INTEGRATION_SECRETS

    _, ref = opened
    secret = INTEGRATION_SECRETS["narrow"]
    other = {"secrets": [secret], "agencies": ["000.00.18.H12"], "scopes": ["feedback"]}
    monkeypatch.setenv("INTEGRATION_CLIENTS", json.dumps({**INTEGRATION_CLIENTS, "other": other}))
    reset_settings()
    listed = api.list_conversations(request("GET", client="other", secret=secret))
    assert listed.status_code == 403
    assert _body(listed)["error"]["code"] == "agency_not_served"
    shown = api.get_conversation(request("GET", client="other", secret=secret), ref)
    assert shown.status_code == 403
    closed = api.close(request("POST", {"officer": "x"}, client="other", secret=secret), ref)
    assert _body(closed)["error"]["code"] == "agency_not_served"
    assert _pointer() is not None
