"""What real SQS accepts in a message, which moto does not check.

SQS refuses a message body holding any character outside ``#x9 | #xA | #xD | #x20-#xD7FF |
#xE000-#xFFFD | #x10000-#x10FFFF`` (so U+FFFE, U+FFFF and lone surrogates are refused), and a
FIFO message group id longer than 128 characters or outside printable ASCII. A message refused
for its content is refused on every retry: the event it carries would be lost. Everything sent
is therefore made acceptable first: JSON bodies by escaping the refused characters (the JSON
means the same, and the consumer's ``json.loads`` decodes the escapes), group ids by hashing.
"""

from __future__ import annotations

import hashlib
import re

MAX_MESSAGE_BYTES = 262_144  # body and message attributes together
MAX_GROUP_ID_CHARS = 128

_REFUSED = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_GROUP_ID = re.compile(r"[!-~]{1,128}")  # printable ASCII: letters, digits and punctuation


def is_acceptable_body(text: str) -> bool:
    """Whether SQS accepts ``text`` as a message body (characters only; size is separate)."""
    return _REFUSED.search(text) is None


def is_acceptable_group_id(value: str) -> bool:
    """Whether SQS accepts ``value`` as a FIFO message group (or deduplication) id."""
    return _GROUP_ID.fullmatch(value) is not None


def json_body(text: str) -> str:
    """The JSON ``text`` with every character SQS refuses written as a ``\\uXXXX`` escape.

    ``text`` must be JSON that ``json.loads`` accepted, decoded from UTF-8 (so it holds no raw
    surrogate: JSON carries those as escapes, which SQS accepts). Then a refused character can
    only stand inside a string (JSON allows none elsewhere, nor after a backslash), where its
    escape means the same character: ``json.loads(json_body(text)) == json.loads(text)``.
    Unchanged (the same object) when nothing needs escaping, the usual case. Every refused
    character is in the Basic Multilingual Plane, so one escape each suffices."""
    if is_acceptable_body(text):
        return text
    return _REFUSED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def attributes_size(attributes: dict[str, dict[str, str]]) -> int:
    """The bytes message ``attributes`` count towards :data:`MAX_MESSAGE_BYTES` (name, data
    type and value of each, as SQS counts them)."""
    return sum(
        len(name.encode()) + len(a["DataType"].encode()) + len(a.get("StringValue", "").encode())
        for name, a in attributes.items()
    )


def group_id(key: str) -> str:
    """A FIFO message group id for ``key`` (any string, a Zalo user id for example): the hex
    SHA-256 of its UTF-8 bytes, 64 characters SQS always accepts; equal keys, equal groups."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
