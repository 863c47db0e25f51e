"""The button payload grammar: ``#name`` or ``#name:arg1:arg2...``.

Payloads come back from Zalo as ordinary text (``oa.query.hide``), so a citizen can also type
one by hand. That is harmless by design: every command does only what the citizen could ask
for in words, and the engine checks consent and ownership the same way for both.

Known names and their arguments::

    #menu  #help  #cancel
    #more:<menu>[:<page>]            next page of a button menu ("Xem thêm")
    #consent:yes|no
    #flow:<flow>[:<arg>]             procedures, dossier, mine, submit, feedback, postal
    #proc:<procedure code>           details card, e.g. #proc:1.001193
    #page:procedures:<offset>[:<q>]  more search results; q is the folded query
    #dossier:<code>                  look up a dossier
    #verify:<code>                   prove to be the applicant (phone or ID number)
    #erase:yes                       confirm a personal-data deletion request
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.conversation.model import MAX_PAYLOAD_CHARS

NAMES = frozenset(
    {"menu", "help", "cancel", "more", "consent", "flow", "proc", "page", "dossier", "verify"}
    | {"erase"}
)

_PAYLOAD = re.compile(r"^\s*#([a-z]+)((?::[^:\n]*)*)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    args: tuple[str, ...] = ()

    def arg(self, index: int) -> str | None:
        """The ``index``-th argument, or None when absent or empty."""
        if index < len(self.args) and self.args[index]:
            return self.args[index]
        return None


def parse(text: str | None) -> Command | None:
    """The command in ``text``, or None when ``text`` is not a known ``#name[:args]`` string.
    Name is case-insensitive; arguments are stripped but otherwise kept as typed."""
    if not text or len(text) > MAX_PAYLOAD_CHARS:
        return None
    match = _PAYLOAD.match(text)
    if not match:
        return None
    name = match.group(1).lower()
    if name not in NAMES:
        return None
    raw_args = match.group(2)
    args = tuple(a.strip() for a in raw_args.split(":")[1:]) if raw_args else ()
    return Command(name, args)


def build(name: str, *args: object) -> str:
    """The payload string for a command. Raises ValueError for an unknown name, an argument
    containing ``:`` or a newline, or a payload longer than Zalo's 1,000 characters."""
    if name not in NAMES:
        raise ValueError(f"unknown command {name!r}")
    parts = [str(a) for a in args]
    for part in parts:
        if ":" in part or "\n" in part:
            raise ValueError("command arguments cannot contain ':' or newlines")
    payload = "#" + ":".join([name, *parts])
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise ValueError("payload too long")
    return payload
