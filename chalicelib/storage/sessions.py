"""Conversation sessions: one item per Zalo user while a flow waits for input.

Read with the user's profile in one Query (:meth:`Sessions.get_with_profile`) when an event
is decided.

Item ``pk = USER#<user_id>``, ``sk = SESSION``; ``ttl`` removes abandoned sessions a day after
their last use (DynamoDB deletes lazily, so the engine itself decides on the 30-minute
timeout from ``updated_at``). Writes are conditional on ``version``: two workers never
overwrite each other's session silently.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.conversation.model import Session
from chalicelib.storage.conversations import POINTER_SK, LivePointer
from chalicelib.storage.table import ConditionFailed, Item, Table
from chalicelib.storage.users import PROFILE_SK, UserProfile, user_pk

_CLEANUP_AFTER_SECONDS = 86400


def _session(item: Item) -> Session:
    return Session.model_validate({**json.loads(item["state"]), "version": item["version"]})


class SessionConflict(Exception):
    """The stored session changed since it was read."""


class Sessions:
    """Load and save sessions (one GetItem / one PutItem or DeleteItem, or a part of a
    transaction)."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, user_id: str) -> Session | None:
        item = self._table.get(f"USER#{user_id}", "SESSION", consistent=True)
        return _session(item) if item else None

    def get_with_profile(self, user_id: str) -> tuple[UserProfile | None, Session | None]:
        """The user's profile and session in one consistent Query: their sort keys
        (``PROFILE``, ``SESSION``) bound a range no other item of the partition falls in but the
        live-conversation pointer (``NOTICE#``, ``PENDING#`` sort before ``PROFILE``)."""
        profile, session, _ = self.read_for_event(user_id)
        return profile, session

    def read_for_event(
        self, user_id: str
    ) -> tuple[UserProfile | None, Session | None, LivePointer | None]:
        """:meth:`get_with_profile` plus the pointer to the user's open live conversation
        (``PROFILE#LIVE``, :mod:`chalicelib.storage.conversations`), whose sort key lies in
        the same range: still one consistent Query."""
        items, _ = self._table.query(
            user_pk(user_id), sk_between=(PROFILE_SK, "SESSION"), consistent=True
        )
        profile = session = live = None
        for item in items:
            if item["sk"] == PROFILE_SK:
                profile = UserProfile.from_item(item, user_id)
            elif item["sk"] == "SESSION":
                session = _session(item)
            elif item["sk"] == POINTER_SK:
                live = LivePointer.from_item(item)
        return profile, session, live

    def save(self, user_id: str, session: Session | None, *, read_version: int | None) -> None:
        """Store ``session`` (or delete it when None), provided the stored version is still
        ``read_version`` (None: there was no session). Idempotent: repeating the same write
        after it succeeded (same arguments) is accepted. Raises SessionConflict otherwise."""
        op = self.write(user_id, session, read_version=read_version)
        try:
            if "delete" in op:
                pk, sk = op["delete"]
                self._table.delete(pk, sk, condition=op["condition"], values=op["values"])
            else:
                self._table.put(
                    op["put"], condition=op["condition"], names=op["names"], values=op["values"]
                )
        except ConditionFailed:
            raise SessionConflict(user_id) from None

    @staticmethod
    def write(user_id: str, session: Session | None, *, read_version: int | None) -> dict[str, Any]:
        """The write :meth:`save` makes, as a :meth:`Table.transact` operation, to record it
        atomically with other writes (a refused condition there is a SessionConflict too)."""
        pk = f"USER#{user_id}"
        expected = read_version or 0
        if session is None:
            return {
                "delete": (pk, "SESSION"),
                "condition": "attribute_not_exists(pk) OR version = :v",
                "values": {":v": expected},
            }
        state = json.dumps(session.model_dump(mode="json", exclude={"version"}), ensure_ascii=False)
        new_version = expected + 1
        # Accepted: the version read is still there, or this very write is being repeated (same
        # version and same state). A first session also needs the item to be absent.
        condition = "version = :v OR (version = :next AND #state = :state)"
        if read_version is None:
            condition = "attribute_not_exists(pk) OR (version = :next AND #state = :state)"
        return {
            "put": {
                "pk": pk,
                "sk": "SESSION",
                "state": state,
                "version": new_version,
                "ttl": int(session.updated_at.timestamp()) + _CLEANUP_AFTER_SECONDS,
            },
            "condition": condition,
            "names": {"#state": "state"},
            "values": {":v": expected, ":next": new_version, ":state": state},
        }
