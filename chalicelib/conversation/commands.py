"""The button payload grammar: ``#name`` or ``#name:arg1:arg2...``.

Payloads come back from Zalo as ordinary text (``oa.query.hide``), so a citizen can also type
one by hand. That is harmless by design: every command does only what the citizen could ask
for in words, and the engine checks consent and ownership the same way for both.

The engine's own names (:data:`GLOBAL_NAMES`)::

    #menu  #help  #cancel
    #more:<menu>[:<page>]            next page of a button menu ("Xem thêm")
    #flow:<flow>[:<arg>]             start a registered flow, e.g. #flow:dossier

Every other name belongs to the flow that declares it in its ``commands`` (the flow registry
gathers them), for example::

    #consent:yes|no  #erase:yes      privacy
    #proc:<procedure code>           procedures: details card, e.g. #proc:1.001193
    #page:procedures:<offset>[:<q>]  procedures: more search results; q is the folded query
    #dossier:<code>  #verify:<code>  dossier: look up; prove to be the applicant
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from chalicelib.conversation.model import MAX_PAYLOAD_CHARS

GLOBAL_NAMES = frozenset({"menu", "help", "cancel", "more", "flow"})

_NAME = re.compile(r"^[a-z]+$")
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


def parse(text: str | None, known: Collection[str]) -> Command | None:
    """The command in ``text``, or None when ``text`` is not a ``#name[:args]`` string whose
    name is in ``known`` (the registry's command names). Name is case-insensitive; arguments
    are stripped but otherwise kept as typed."""
    if not text or len(text) > MAX_PAYLOAD_CHARS:
        return None
    match = _PAYLOAD.match(text)
    if not match:
        return None
    name = match.group(1).lower()
    if name not in known:
        return None
    raw_args = match.group(2)
    args = tuple(a.strip() for a in raw_args.split(":")[1:]) if raw_args else ()
    return Command(name, args)


def build(name: str, *args: object) -> str:
    """The payload string for a command. Raises ValueError for a name that is not lower-case
    letters, an argument containing ``:`` or a newline, or a payload longer than Zalo's 1,000
    characters. (Whether a flow handles the name is the flow registry's check.)"""
    if not _NAME.match(name):
        raise ValueError(f"invalid command name {name!r}")
    parts = [str(a) for a in args]
    for part in parts:
        if ":" in part or "\n" in part:
            raise ValueError("command arguments cannot contain ':' or newlines")
    payload = "#" + ":".join([name, *parts])
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise ValueError("payload too long")
    return payload
