"""What SQS accepts: bodies escaped into its character set, group ids hashed into theirs."""

from __future__ import annotations

import json

import pytest

from chalicelib.platform import sqs_message

REFUSED = ["\x00", "\x08", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
ACCEPTED = ["\t", "\n", "\r", " ", "ệ", "\ud7ff", "\ue000", "\ufffd", "🙂", "\U0010ffff"]


@pytest.mark.parametrize("char", REFUSED)
def test_characters_sqs_refuses_are_detected(char):
    assert not sqs_message.is_acceptable_body(f"a{char}b")


@pytest.mark.parametrize("char", ACCEPTED)
def test_characters_sqs_accepts_are_accepted(char):
    assert sqs_message.is_acceptable_body(f"a{char}b")


def test_json_with_refused_characters_is_escaped_into_the_same_json():
    # Text decoded from UTF-8 holds no surrogates: the other refused characters, raw.
    value = {"text": "hồ sơ \x00\x08\x1f\ufffe\uffff 🙂", "id": "\uffff"}
    text = json.dumps(value, ensure_ascii=False)
    body = sqs_message.json_body(text)
    assert sqs_message.is_acceptable_body(body)
    assert json.loads(body) == value
    assert "hồ sơ" in body and "🙂" in body  # only what SQS refuses is escaped


def test_lone_surrogates_reach_json_only_as_escapes_which_sqs_accepts():
    text = '{"text": "a\\ud800b\\udfff"}'
    assert json.loads(text) == {"text": "a\ud800b\udfff"}
    assert sqs_message.json_body(text) is text


def test_acceptable_json_is_sent_unchanged():
    text = json.dumps({"text": "tra cứu hồ sơ 🙂"}, ensure_ascii=False)
    assert sqs_message.json_body(text) is text


@pytest.mark.parametrize(
    "key", ["2468000000000000001", "", "người dùng", "\ud800", "x" * 10_000, "a b\tc"]
)
def test_group_ids_are_accepted_and_stable(key):
    group = sqs_message.group_id(key)
    assert sqs_message.is_acceptable_group_id(group)
    assert group == sqs_message.group_id(key)


@pytest.mark.parametrize("value", ["", "x" * 129, "người", "a b", "a\tb"])
def test_group_ids_sqs_refuses_are_detected(value):
    assert not sqs_message.is_acceptable_group_id(value)
