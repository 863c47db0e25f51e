"""The access log: every read of a dossier's personal data or documents through the
integration API (who: the client and the officer; which dossier; when; what).

Item ``pk = ACCESS#<code>``, ``sk = <at, ISO UTC with ms>#<random 8 hex>``, attributes
``client``, ``officer``, ``action`` (``read_dossier``), ``at``. Kept as long as the dossier's
records (no ``ttl``). The province queries one dossier's log newest first (one Query); the
officer id is the back office's own identifier, not a name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from chalicelib.storage.dossiers import feed_stamp
from chalicelib.storage.table import Table, serialize


@dataclass(frozen=True)
class AccessEntry:
    at: str
    client: str
    officer: str
    action: str


class AccessLog:
    """Writes and reads access log entries (one DynamoDB call each)."""

    def __init__(self, table: Table) -> None:
        self._table = table

    @staticmethod
    def _pk(code: str) -> str:
        return f"ACCESS#{code}"

    def record(self, code: str, *, client: str, officer: str, action: str, at: datetime) -> None:
        """Append one entry (one PutItem)."""
        stamp = feed_stamp(at)
        self._table.put(
            {
                "pk": self._pk(code),
                "sk": f"{stamp}#{secrets.token_hex(4)}",
                "client": client,
                "officer": officer,
                "action": action,
                "at": stamp,
            }
        )

    def entries(
        self, code: str, *, limit: int, after: str | None = None
    ) -> tuple[list[AccessEntry], str | None]:
        """The dossier's entries, newest first, continuing after the sort key ``after``; and
        the sort key to continue from (None at the end). One Query."""
        start = serialize({"pk": self._pk(code), "sk": after}) if after else None
        items, last_key = self._table.query(
            self._pk(code), newest_first=True, limit=limit, start_key=start
        )
        entries = [
            AccessEntry(
                at=str(i["at"]),
                client=str(i["client"]),
                officer=str(i["officer"]),
                action=str(i["action"]),
            )
            for i in items
        ]
        return entries, (str(last_key["sk"]["S"]) if last_key else None)  # raw DynamoDB form
