"""Builders of the ``message`` objects that ``POST /v3.0/oa/message/cs`` accepts.

Each builder returns a plain dict ready for :meth:`ZaloClient.send_message` and raises
ValueError, naming the limit, for anything Zalo would refuse with -201: texts over 2,000
characters, more than 5 buttons, unknown button types, query payloads over 1,000 characters.
Splitting long texts is the caller's job (``chalicelib.conversation.replies.split_text``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.zalo.limits import MAX_BUTTONS, MAX_TEXT_CHARS
from chalicelib.zalo.limits import MAX_PAYLOAD_CHARS as MAX_QUERY_PAYLOAD_CHARS

QUERY_TYPES = frozenset({"oa.query.hide", "oa.query.show"})
BUTTON_TYPES = QUERY_TYPES | {"oa.open.url", "oa.open.phone"}


def _check_text(value: str, what: str = "text") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    if len(value) > MAX_TEXT_CHARS:
        raise ValueError(f"{what} has {len(value)} characters; Zalo accepts {MAX_TEXT_CHARS}")
    return value


def text(value: str) -> dict[str, Any]:
    """A plain text message (newlines are kept; markdown is not rendered)."""
    return {"text": _check_text(value)}


def button(title: str, payload: Any, type: str = "oa.query.hide") -> dict[str, Any]:
    """One validated button.

    ``oa.query.hide``/``oa.query.show``: ``payload`` is the string sent back when tapped
    (at most 1,000 characters); ``oa.open.url``: ``{"url": ...}``; ``oa.open.phone``:
    ``{"phone_code": ...}``."""
    if type not in BUTTON_TYPES:
        raise ValueError(f"button type {type!r} is not one of {sorted(BUTTON_TYPES)}")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("button title must be a non-empty string")
    if type in QUERY_TYPES:
        if not isinstance(payload, str) or not payload:
            raise ValueError(f"{type} payload must be a non-empty string")
        if len(payload) > MAX_QUERY_PAYLOAD_CHARS:
            raise ValueError(
                f"{type} payload has {len(payload)} characters; "
                f"Zalo accepts {MAX_QUERY_PAYLOAD_CHARS}"
            )
    else:
        key = "url" if type == "oa.open.url" else "phone_code"
        if not isinstance(payload, Mapping) or not payload.get(key):
            raise ValueError(f"{type} payload must be an object with {key!r}")
        payload = dict(payload)
    return {"title": title, "type": type, "payload": payload}


def text_with_buttons(value: str, buttons: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A text with up to 5 buttons. Each button is a mapping ``{title, payload, type?}``
    (type defaults to ``oa.query.hide``) and is validated as in :func:`button`."""
    _check_text(value)
    if len(buttons) > MAX_BUTTONS:
        raise ValueError(f"{len(buttons)} buttons; Zalo accepts at most {MAX_BUTTONS}")
    built = [
        button(b.get("title", ""), b.get("payload"), b.get("type") or "oa.query.hide")
        for b in buttons
    ]
    if not built:
        return text(value)
    return {"text": value, "attachment": {"type": "template", "payload": {"buttons": built}}}


def image(url: str | None = None, attachment_id: str | None = None) -> dict[str, Any]:
    """An image, from a public URL or an already uploaded attachment id (exactly one)."""
    if bool(url) == bool(attachment_id):
        raise ValueError("give exactly one of url or attachment_id")
    element: dict[str, Any] = {"media_type": "image"}
    if url:
        element["url"] = url
    else:
        element["attachment_id"] = attachment_id
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "media", "elements": [element]},
        }
    }


def file(token: str) -> dict[str, Any]:
    """A file, by the token :meth:`ZaloClient.upload_file` returned."""
    if not token:
        raise ValueError("file token must be non-empty")
    return {"attachment": {"type": "file", "payload": {"token": token}}}


def request_user_info(title: str, subtitle: str, image_url: str) -> dict[str, Any]:
    """The card asking the user to share name, phone and address (answered by a
    ``user_submit_info`` event)."""
    _check_text(title, "title")
    _check_text(subtitle, "subtitle")
    if not image_url:
        raise ValueError("image_url must be non-empty")
    return {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "request_user_info",
                "elements": [{"title": title, "subtitle": subtitle, "image_url": image_url}],
            },
        }
    }
