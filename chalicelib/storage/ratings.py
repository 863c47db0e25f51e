"""Satisfaction ratings and their monthly aggregates per agency.

- rating: ``pk = DOSSIER#<code>``, ``sk = RATING``: ``score``, ``time``, ``contacts``,
  ``attitude``, ``comment``, ``rated_at`` (ISO), ``agency``, ``month`` (the local month of the
  dossier's first rating; a replacement counts in the same month), ``version``. One per
  dossier; no Zalo id (only the linked owner can rate, checked when rating).
- aggregate: ``pk = RATINGS#<agency code>``, ``sk = <YYYY-MM>``: counters ``count``,
  ``score_sum``, ``score_1``..``score_5``, ``time_early``/``time_on_time``/``time_late``,
  ``contacts_1``..``contacts_3``, ``attitude_good``/``fair``/``poor``, ``comments``.

A rating and the adjustment of its aggregate are one TransactWriteItems: the rating put is
conditional on the version read (or on not existing), the aggregate gets ``ADD`` of the
difference between the new and the replaced rating. A rating applied twice (a retried effect)
finds its own ``rated_at`` and changes nothing; an older rating than the stored one (events out
of order) is ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.rating import Rating, adjustment, month_of
from chalicelib.storage.table import Table, TransactionCancelled

_ATTEMPTS = 3


class Ratings:
    def __init__(self, table: Table) -> None:
        self._table = table

    @staticmethod
    def _pk(code: str) -> str:
        return f"DOSSIER#{code}"

    def get(self, code: str) -> Rating | None:
        """The dossier's rating (one consistent GetItem)."""
        item = self._table.get(self._pk(code), "RATING", consistent=True)
        return _rating(item) if item else None

    def rate(self, code: str, agency: str, rating: Rating) -> bool:
        """Store ``rating`` for dossier ``code`` of ``agency``, replacing an earlier one, and
        adjust the month's aggregate exactly once. True when it changed something. One
        GetItem and one TransactWriteItems (again on a concurrent write)."""
        for attempt in range(_ATTEMPTS):
            item = self._table.get(self._pk(code), "RATING", consistent=True)
            old = _rating(item) if item else None
            if old is not None and old.rated_at >= rating.rated_at:
                return False  # this one (a retried effect) or a later one is stored
            month = str(item["month"]) if item else month_of(rating.rated_at)
            version = int(item["version"]) if item else 0
            put: dict[str, Any] = {
                "put": {
                    "pk": self._pk(code),
                    "sk": "RATING",
                    "agency": agency,
                    "month": month,
                    "version": version + 1,
                    **rating.model_dump(mode="json"),
                },
                "condition": "attribute_not_exists(pk)" if item is None else "version = :v",
            }
            if item is not None:
                put["values"] = {":v": version}
            delta = adjustment(old, rating)
            operations = [put]
            if delta:
                names = {f"#c{i}": name for i, name in enumerate(delta)}
                values = {f":c{i}": delta[name] for i, name in enumerate(delta)}
                operations.append(
                    {
                        "update": (
                            f"RATINGS#{agency}",
                            month,
                            "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(delta))),
                        ),
                        "names": names,
                        "values": values,
                    }
                )
            try:
                self._table.transact(operations)
                return True
            except TransactionCancelled as cancelled:
                retry = {"ConditionalCheckFailed", "TransactionConflict"} & set(cancelled.reasons)
                if not retry or attempt + 1 == _ATTEMPTS:
                    raise
        return False

    def month(self, agency: str, month: str) -> dict[str, int]:
        """The agency's counters for ``month`` (``YYYY-MM``); empty when nobody rated."""
        item = self._table.get(f"RATINGS#{agency}", month)
        if not item:
            return {}
        return {k: int(v) for k, v in item.items() if k not in ("pk", "sk")}


def _rating(item: dict[str, Any]) -> Rating:
    return Rating(
        score=int(item["score"]),
        time=item.get("time"),
        contacts=item.get("contacts"),
        attitude=item.get("attitude"),
        comment=str(item.get("comment", "")),
        rated_at=datetime.fromisoformat(str(item["rated_at"])),
    )
