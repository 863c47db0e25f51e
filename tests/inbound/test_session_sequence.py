"""A citizen's ordinary sequence of messages never trips the session's optimistic lock."""

from __future__ import annotations

import time

import pytest

from chalicelib.inbound import consumer as inbound
from tests.inbound.test_processor import USER, _event, _record, _text_event


@pytest.mark.parametrize(
    "texts",
    [
        ["1", "le phi lam can cuoc bao nhieu", "huy", "giay doc than", "ho so cua toi"],
        ["tra cuu ho so", "huy", "ho so cua toi", "#consent:yes", "ho so cua toi"],
        ["giay phep xay dung", "#consent:no", "ho so cua toi", "menu"],
    ],
)
def test_every_message_of_a_sequence_is_processed_first_time(zalo, texts):
    start = int(time.time() * 1000)
    for n, text in enumerate(texts):
        raw = _text_event(text, f"seq-{n}", timestamp=start + n * 1000)
        result = inbound.consume(_event(_record(raw, message_id=f"m{n}")))
        assert result == {"batchItemFailures": []}, (n, text)
    assert zalo.texts_to(USER)
