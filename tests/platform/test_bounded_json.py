"""Parsing JSON from strangers: nesting and size of structure are bounded before parsing."""

from __future__ import annotations

import json

import pytest

from chalicelib.platform import bounded_json
from chalicelib.platform.bounded_json import MAX_CONTAINERS, MAX_DEPTH, Unbounded


def _reason(raw: bytes) -> str | None:
    try:
        bounded_json.check(raw)
    except Unbounded as exc:
        return exc.reason
    return None


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "[" * n + "]" * n,
        lambda n: '{"a":' * n + "1" + "}" * n,
        lambda n: '[{"a":' * (n // 2) + ("[]" if n % 2 else "1") + "}]" * (n // 2),
    ],
    ids=["arrays", "objects", "both"],
)
def test_nesting_up_to_the_limit_passes_and_one_more_level_does_not(make):
    assert _reason(make(MAX_DEPTH).encode()) is None
    assert json.loads(make(MAX_DEPTH)) is not None
    assert _reason(make(MAX_DEPTH + 1).encode()) == "too_deep"


def test_thousands_of_levels_raise_a_value_error_never_a_recursion_error():
    for raw in (b"[" * 2000 + b"]" * 2000, b"[" * 200_000, b'{"a":' * 50_000):
        with pytest.raises(ValueError):
            bounded_json.loads(raw)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"a": "[" * 500 + '\\"[[[' + "{" * 500, "b": ["]]]", '"', "\\"]})
    assert bounded_json.loads(text.encode()) == json.loads(text)


def test_an_escaped_backslash_ends_a_string_where_json_does():
    # "x\\" ends after the two backslashes: the brackets that follow are structure.
    raw = b'{"a":"x\\\\",' + b'"b":' + b"[" * 40 + b"]" * 40 + b"}"
    assert _reason(raw) == "too_deep"


def test_more_containers_than_any_event_holds_is_refused():
    flat = "[" + ",".join(["[]"] * MAX_CONTAINERS) + "]"
    assert _reason(flat.encode()) == "too_many_containers"
    fewer = "[" + ",".join(["[]"] * (MAX_CONTAINERS - 1)) + "]"
    assert bounded_json.loads(fewer.encode()) == json.loads(fewer)


def test_a_real_event_parses_as_json_does(tmp_path):
    from tests.conftest import fixture_event

    raw, _ = fixture_event("user_send_location")
    assert bounded_json.loads(raw) == json.loads(raw)


@pytest.mark.parametrize("raw", [b"", b"not json", b"\xff\xfe", b"[1,", b"[" * 10])
def test_what_is_not_json_is_a_value_error(raw):
    with pytest.raises(ValueError):
        bounded_json.loads(raw)
