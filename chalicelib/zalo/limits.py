"""Zalo's limits on one OA message, in one place (the conversation's reply model, the message
builders and the notifier all check against these)."""

from __future__ import annotations

MAX_TEXT_CHARS = 2000  # characters of one text message
MAX_BUTTONS = 5  # buttons on one message
MAX_PAYLOAD_CHARS = 1000  # characters of an oa.query button payload
