"""Notices: what the notifier keeps for later and what it records.

- Pending notice: ``pk = USER#<id>``, ``sk = PENDING#<iso time>#<notice_id>``: ``notice_id``,
  ``kind``, ``parts`` (JSON list of the Zalo ``message`` objects still owed, in sending order;
  items kept before parts existed carry the whole ``message`` instead), ``at``, ``ttl`` (90
  days). The profile's ``pending_notices`` counts them, so an interaction needs no Query to
  know there is nothing to deliver.
- Notice record: ``pk = USER#<id>``, ``sk = NOTICE#<iso time>#<notice_id>``: ``notice_id``,
  ``kind``, ``channel``, ``message_ids``, ``error``, ``at``. Written with the notice's planned
  time, so a retried notice overwrites its own record. Never holds a message text.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from pydantic import BaseModel

from chalicelib.storage.table import ConditionFailed, Table, TransactionCancelled
from chalicelib.storage.users import PROFILE_SK, user_pk


class PendingNotice(BaseModel):
    """A notice kept for the user's next interaction."""

    sk: str
    notice_id: str
    kind: str
    parts: list[dict[str, Any]] | None = None  # None: a legacy item, see ``message``
    message: str | None = None  # legacy: the OutboundMessage JSON


class Notices:
    """Pending notices and notice records of one table."""

    def __init__(self, table: Table) -> None:
        self._table = table

    # --- pending ------------------------------------------------------------------------------

    def keep_pending(
        self,
        user_id: str,
        parts: list[dict[str, Any]],
        *,
        notice_id: str,
        kind: str,
        at: str,
        expires: int,
    ) -> bool:
        """Keep the parts still owed and count the notice on the profile, atomically and once
        (one TransactWriteItems). False when an earlier attempt kept it already."""
        try:
            self._table.transact(
                [
                    {
                        "put": {
                            "pk": user_pk(user_id),
                            "sk": f"PENDING#{at}#{notice_id}",
                            "notice_id": notice_id,
                            "kind": kind,
                            "parts": json.dumps(parts, ensure_ascii=False),
                            "at": at,
                            "ttl": expires,
                        },
                        "condition": "attribute_not_exists(pk)",
                    },
                    {
                        "update": (
                            user_pk(user_id),
                            PROFILE_SK,
                            "SET #uid = if_not_exists(#uid, :uid) ADD #pending :one",
                        ),
                        "names": {"#uid": "user_id", "#pending": "pending_notices"},
                        "values": {":uid": user_id, ":one": 1},
                    },
                ]
            )
        except TransactionCancelled as exc:
            if exc.reasons[:1] != ["ConditionalCheckFailed"]:
                raise
            return False
        return True

    def pending_count(self, user_id: str) -> int | None:
        """The profile's counter of pending notices (consistent GetItem); None without one."""
        profile = self._table.get(user_pk(user_id), PROFILE_SK, consistent=True)
        seen = profile.get("pending_notices") if profile else None
        return int(seen) if seen is not None else None

    def pending_page(
        self, user_id: str, start: dict[str, Any] | None = None
    ) -> tuple[list[PendingNotice], dict[str, Any] | None]:
        """One page of the user's pending notices, oldest first (one consistent Query)."""
        items, next_key = self._table.query(
            user_pk(user_id), sk_prefix="PENDING#", start_key=start, consistent=True
        )
        notices = [
            PendingNotice(
                sk=str(item["sk"]),
                notice_id=str(item["notice_id"]),
                kind=str(item.get("kind", "reply")),
                parts=json.loads(item["parts"]) if "parts" in item else None,
                message=item.get("message"),
            )
            for item in items
        ]
        return notices, next_key

    def remove_pending(self, user_id: str, notice: PendingNotice) -> bool:
        """Delete a pending notice; False when it was removed before (one DeleteItem)."""
        try:
            self._table.delete(user_pk(user_id), notice.sk, condition="attribute_exists(pk)")
        except ConditionFailed:
            return False
        return True

    def uncount(self, user_id: str, removed: int) -> None:
        """Take ``removed`` notices off the profile's counter (no profile: nothing to do)."""
        with contextlib.suppress(ConditionFailed):
            self._table.update(
                user_pk(user_id),
                PROFILE_SK,
                "ADD #pending :delta",
                condition="attribute_exists(pk)",
                names={"#pending": "pending_notices"},
                values={":delta": -removed},
            )

    def reset_count(self, user_id: str, *, seen: int | None = None) -> None:
        """Set the counter to 0: only while it still holds ``seen`` when given (a concurrent
        increment makes this a no-op); no profile: nothing to do."""
        condition = "attribute_exists(pk)" if seen is None else "#pending = :seen"
        values: dict[str, Any] = {":zero": 0}
        if seen is not None:
            values[":seen"] = seen
        with contextlib.suppress(ConditionFailed):
            self._table.update(
                user_pk(user_id),
                PROFILE_SK,
                "SET #pending = :zero",
                condition=condition,
                names={"#pending": "pending_notices"},
                values=values,
            )

    # --- records ------------------------------------------------------------------------------

    @staticmethod
    def record_item(
        user_id: str,
        notice_id: str,
        *,
        kind: str,
        at: str,
        channel: str,
        message_ids: list[str],
        error: str | None,
    ) -> dict[str, Any]:
        """The notice record item (for :meth:`record` or a transaction's ``put``)."""
        return {
            "pk": user_pk(user_id),
            "sk": f"NOTICE#{at}#{notice_id}",
            "notice_id": notice_id,
            "kind": kind,
            "channel": channel,
            "message_ids": message_ids,
            "error": error,
            "at": at,
            "ttl": record_expiry(at),
        }

    def record(self, item: dict[str, Any]) -> None:
        """Write a notice record built by :meth:`record_item` (one PutItem)."""
        self._table.put(item)


NOTICE_RECORD_DAYS = 90


def record_expiry(at: str) -> int:
    """When a notice record expires (epoch seconds): :data:`NOTICE_RECORD_DAYS` after ``at``
    (ISO time; naive times are read as UTC). Records are also deleted with the profile on an
    erasure request (:meth:`chalicelib.storage.users.Users.erase`)."""
    from datetime import UTC, datetime, timedelta

    when = datetime.fromisoformat(at)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int((when + timedelta(days=NOTICE_RECORD_DAYS)).timestamp())
