"""Conversation sessions: one item per Zalo user while a flow waits for input.

Item ``pk = USER#<user_id>``, ``sk = SESSION``; ``ttl`` removes abandoned sessions a day after
their last use (DynamoDB deletes lazily, so the engine itself decides on the 30-minute
timeout from ``updated_at``). Writes are conditional on ``version``: two workers never
overwrite each other's session silently.
"""

from __future__ import annotations

import json

from chalicelib.conversation.model import Session
from chalicelib.storage.table import ConditionFailed, Table

_CLEANUP_AFTER_SECONDS = 86400


class SessionConflict(Exception):
    """The stored session changed since it was read."""


class Sessions:
    """Load and save sessions (one GetItem / one PutItem or DeleteItem)."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, user_id: str) -> Session | None:
        item = self._table.get(f"USER#{user_id}", "SESSION", consistent=True)
        if not item:
            return None
        return Session.model_validate({**json.loads(item["state"]), "version": item["version"]})

    def save(self, user_id: str, session: Session | None, *, read_version: int | None) -> None:
        """Store ``session`` (or delete it when None), provided the stored version is still
        ``read_version`` (None: there was no session). Idempotent: repeating the same write
        after it succeeded (same arguments) is accepted. Raises SessionConflict otherwise."""
        pk = f"USER#{user_id}"
        expected = read_version or 0
        if session is None:
            try:
                self._table.delete(
                    pk,
                    "SESSION",
                    condition="attribute_not_exists(pk) OR version = :v",
                    values={":v": expected},
                )
            except ConditionFailed:
                raise SessionConflict(user_id) from None
            return
        state = json.dumps(session.model_dump(mode="json", exclude={"version"}), ensure_ascii=False)
        new_version = expected + 1
        # Accepted: the version read is still there, or this very write is being repeated (same
        # version and same state). A first session also needs the item to be absent.
        condition = "version = :v OR (version = :next AND #state = :state)"
        if read_version is None:
            condition = "attribute_not_exists(pk) OR (version = :next AND #state = :state)"
        try:
            self._table.put(
                {
                    "pk": pk,
                    "sk": "SESSION",
                    "state": state,
                    "version": new_version,
                    "ttl": int(session.updated_at.timestamp()) + _CLEANUP_AFTER_SECONDS,
                },
                condition=condition,
                names={"#state": "state"},
                values={":v": expected, ":next": new_version, ":state": state},
            )
        except ConditionFailed:
            raise SessionConflict(user_id) from None
