"""A notice whose send failed gives its lease up at once, so a retry seconds later sends it."""

from __future__ import annotations

import pytest
import responses

from chalicelib.notify.model import OutboundMessage
from chalicelib.settings import reset_settings
from chalicelib.zalo.client import ZaloUnavailable
from tests.notify.test_notifier import CS_URL, USER, make_notifier, ok, recent_user, sent

__all__ = ["recent_user"]  # the fixture


@responses.activate
def test_a_retry_right_after_a_failed_send_calls_zalo_again(recent_user, monkeypatch):
    monkeypatch.setenv("HTTP_MAX_RETRIES", "0")
    reset_settings()
    responses.post(CS_URL, status=503)
    with pytest.raises(ZaloUnavailable):
        make_notifier(lease_seconds=90).send(USER, OutboundMessage(text="a"), notice_id="n1")
    responses.post(CS_URL, json=ok("m1"))

    result = make_notifier(lease_seconds=90).send(USER, OutboundMessage(text="a"), notice_id="n1")

    assert result.message_ids == ["m1"]
    assert len(sent()) == 2
