"""Data-rights requests, recorded so that answering them can be proven (Luật 91/2025/QH15:
within 2 working days). One item per request, in a partition per calendar month (UTC):
``pk = DATA_RIGHTS#<YYYY-MM>``, ``sk = <requested at, ISO UTC ms>#<kind>#<user ref>``.

Attributes: ``kind`` (``access``, ``export``, ``erasure``, ``withdraw_consent``), ``user_ref``
(the SHA-256 of the Zalo user id, as the erasure tombstone: never the id), ``requested_at`` and
``answered_at`` (ISO UTC), ``due_by`` (the local date 2 working days after the request),
``outcome`` (a stable word: ``answered``, ``exported``, ``erased``, ``unavailable``...) and
``kept`` (how many dossiers an erasure had to keep, by law). No TTL: kept as the proof.
The items are outside the user's partition, so an erasure leaves them (and they hold nothing
that names the citizen). A month's requests are one Query (the operators' report).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from chalicelib.storage.table import ConditionFailed, Item, Table

PK_PREFIX = "DATA_RIGHTS#"


def user_ref(user_id: str) -> str:
    """The request's reference to the citizen (the erasure tombstone's hash)."""
    return hashlib.sha256(user_id.encode()).hexdigest()


def _iso(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class DataRightsLog:
    """Records and lists data-rights requests (one DynamoDB call per method and page)."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def record(
        self,
        user_id: str,
        kind: str,
        *,
        requested_at: datetime,
        answered_at: datetime,
        due_by: date,
        outcome: str,
        kept: int = 0,
    ) -> bool:
        """Record one request; a retried effect (same request time and kind) keeps the first
        record. True when written now. One conditional PutItem."""
        ref = user_ref(user_id)
        item: dict[str, Any] = {
            "pk": PK_PREFIX + requested_at.astimezone(UTC).strftime("%Y-%m"),
            "sk": f"{_iso(requested_at)}#{kind}#{ref}",
            "kind": kind,
            "user_ref": ref,
            "requested_at": _iso(requested_at),
            "answered_at": _iso(answered_at),
            "due_by": due_by.isoformat(),
            "outcome": outcome,
        }
        if kept:
            item["kept"] = kept
        try:
            self._table.put(item, condition="attribute_not_exists(pk)")
        except ConditionFailed:
            return False
        return True

    def of_month(self, month: str) -> list[Item]:
        """Every request of ``month`` (``YYYY-MM``, UTC), oldest first (Query, paged)."""
        found: list[Item] = []
        start = None
        while True:
            items, start = self._table.query(PK_PREFIX + month, start_key=start)
            found.extend(items)
            if not start:
                return found
