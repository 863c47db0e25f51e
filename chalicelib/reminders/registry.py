"""The registry of due-item handlers, one per kind of the sparse due index (``dossier`` here;
``postal`` and ``feedback`` register theirs the same way: a module with ``@handler("<kind>")``
imported by :func:`chalicelib.reminders.handlers.default_handlers`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.storage.table import Item

# (item, run: chalicelib.reminders.runner.Run) -> None
Handler = Callable[[Item, Any], None]
_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler of due items of ``kind`` (one per kind)."""

    def register(function: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not function:
            raise ValueError(f"two reminder handlers for {kind!r}")
        _HANDLERS[kind] = function
        return function

    return register


def registered() -> dict[str, Handler]:
    """The handlers registered so far, by kind."""
    return dict(_HANDLERS)
