"""Parsing JSON from strangers, with its nesting and its number of containers bounded before
the parser runs.

Python's ``json`` recurses once per level: 2,000 nested brackets raise ``RecursionError`` (not a
``ValueError``), deep enough to look like an outage to a caller that only expects bad JSON; and
a 256 KB body of 60,000 small arrays costs it about 100 ms. Both are measured first by a linear
pre-scan of the raw bytes that never recurses and runs in C loops (``bytes.count``,
``replace``, ``split``, ``translate``); a body with few brackets, as every real Zalo event,
skips it altogether.
"""

from __future__ import annotations

import json
from typing import Any

# Zalo's events nest 4 levels deep (event > message > attachments > item > payload) and hold a
# handful of arrays and objects.
MAX_DEPTH = 32
MAX_CONTAINERS = 1000

# Brackets, quotes and backslashes are ASCII, and UTF-8 never uses an ASCII byte inside a
# multi-byte character, so the scan works on the raw bytes.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


class Unbounded(ValueError):
    """The text nests deeper, or holds more arrays and objects, than allowed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "too_deep" or "too_many_containers"


def _structure(raw: bytes) -> bytes:
    """The brackets of ``raw`` that stand outside strings, ``{}`` written as ``[]``."""
    if b"\\" in raw:
        # Escapes pair up left to right: first ``\\``, then what could end a string early.
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    if b'"' in raw:
        raw = b"".join(raw.split(b'"')[0::2])  # even pieces lie outside strings
    return raw.translate(None, _NOT_BRACKETS).translate(_ONE_KIND)


def check(raw: bytes, max_depth: int = MAX_DEPTH, max_containers: int = MAX_CONTAINERS) -> None:
    """Raise :class:`Unbounded` unless the JSON ``raw`` (UTF-8) nests arrays and objects at most
    ``max_depth`` levels deep and holds at most ``max_containers`` of them.

    Brackets inside strings do not count. Unbalanced brackets (not JSON) pass when they stay
    within both bounds: the parser refuses them. Linear in the size of ``raw``."""
    if raw.count(b"[") + raw.count(b"{") <= min(max_depth, max_containers):
        return
    brackets = _structure(raw)
    if brackets.count(b"[") > max_containers:
        raise Unbounded("too_many_containers")
    depth = deepest = 0
    for byte in brackets:  # at most 2 x max_containers steps
        depth += 1 if byte == 0x5B else -1
        if depth > deepest:
            deepest = depth
            if deepest > max_depth:
                raise Unbounded("too_deep")


def loads(raw: bytes, max_depth: int = MAX_DEPTH, max_containers: int = MAX_CONTAINERS) -> Any:
    """``json.loads`` of the UTF-8 ``raw``, refusing it before parsing when :func:`check` does.

    Raises ValueError: :class:`Unbounded`, ``UnicodeDecodeError`` or ``json.JSONDecodeError``;
    never ``RecursionError``."""
    check(raw, max_depth, max_containers)
    return json.loads(raw.decode("utf-8"))
