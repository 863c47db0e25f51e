"""Agency digests: what each agency must look at on a local day.

Item ``pk = DIGEST#<agency code>``, ``sk = <YYYY-MM-DD>#<condition>#<ref>``: one entry per
dossier (or feedback item) and condition and day, written by the reminders schedule with an
unconditional put (writing it again is writing the same thing: a run fired twice or retried
leaves one entry). Attributes: ``condition`` (``due_soon``, ``overdue``, ``feedback_overdue``),
``kind`` (``dossier``, ``feedback``), ``ref`` (the dossier code or feedback id), ``title``
(the procedure's name; never personal data), ``status``, ``due_date``, ``days_late``,
``anomalies`` (anomalies the back office's history flagged), ``ttl`` (90 days).

One agency's day is one Query (``begins_with(sk, <date>#)``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.storage.table import BATCH_WRITE_LIMIT, Table

KEEP_DAYS = 90
_MAX_BATCH_ATTEMPTS = 5


@dataclass(frozen=True)
class DigestEntry:
    agency: str
    day: date
    condition: str
    kind: str
    ref: str
    title: str = ""
    status: int | None = None
    due_date: str | None = None
    days_late: int | None = None
    anomalies: int = 0

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        return data


class Digests:
    def __init__(self, table: Table) -> None:
        self._table = table

    @staticmethod
    def _pk(agency: str) -> str:
        return f"DIGEST#{agency}"

    def put_all(self, entries: list[DigestEntry]) -> int:
        """Store entries: one BatchWriteItem per 25 (unprocessed items are retried a few
        times, then raise so the run fails and is retried). Returns the calls made."""
        calls = 0
        items = [self._item(entry) for entry in entries]
        for start in range(0, len(items), BATCH_WRITE_LIMIT):
            batch = items[start : start + BATCH_WRITE_LIMIT]
            for _ in range(_MAX_BATCH_ATTEMPTS):
                calls += 1
                batch = self._table.batch_put(batch)
                if not batch:
                    break
            if batch:
                raise RuntimeError("digest entries left unprocessed by DynamoDB")
        return calls

    def _item(self, entry: DigestEntry) -> dict[str, Any]:
        expires = datetime.combine(entry.day, time(), LOCAL_TZ) + timedelta(days=KEEP_DAYS)
        return {
            "pk": self._pk(entry.agency),
            "sk": f"{entry.day.isoformat()}#{entry.condition}#{entry.ref}",
            "condition": entry.condition,
            "kind": entry.kind,
            "ref": entry.ref,
            "title": entry.title,
            "status": entry.status,
            "due_date": entry.due_date,
            "days_late": entry.days_late,
            "anomalies": entry.anomalies,
            "ttl": int(expires.timestamp()),
        }

    def of_day(self, agency: str, day: date) -> list[DigestEntry]:
        """The agency's entries of ``day``, by condition then ref (one Query per page)."""
        entries: list[DigestEntry] = []
        start = None
        while True:
            items, start = self._table.query(
                self._pk(agency), sk_prefix=f"{day.isoformat()}#", start_key=start
            )
            for item in items:
                entries.append(
                    DigestEntry(
                        agency=agency,
                        day=day,
                        condition=str(item["condition"]),
                        kind=str(item["kind"]),
                        ref=str(item["ref"]),
                        title=str(item.get("title", "")),
                        status=item.get("status"),
                        due_date=item.get("due_date"),
                        days_late=item.get("days_late"),
                        anomalies=int(item.get("anomalies", 0)),
                    )
                )
            if not start:
                return entries
