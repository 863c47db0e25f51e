"""The sparse due index (``gsi3``): items carrying ``gsi3pk = DUE`` and
``gsi3sk = <YYYY-MM-DD>#<kind>#<ref>``, the date being the next LOCAL date on which the
reminders schedule must look at the item. Each repository writes the attributes on its own
items (dossiers, postal orders, feedback items) and removes them when nothing can become due.

Reading it costs what is due, not what is stored: one Query per page of items dated on or
before a day, never a Scan.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.storage.table import Item, Table

DUE_PK = "DUE"


class DueIndex:
    """Pages of due items, oldest date first."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def page(
        self, through: date, *, limit: int, start_key: dict[str, Any] | None = None
    ) -> tuple[list[Item], dict[str, Any] | None]:
        """Items due on or before ``through`` (one Query on gsi3), and where to go on."""
        return self._table.query(
            DUE_PK,
            index="gsi3",
            sk_between=("0000", f"{through.isoformat()}#\uffff"),
            limit=limit,
            start_key=start_key,
        )


def kind_of(item: Item) -> str:
    """The kind a due item's sort key names (``dossier``, ``postal``, ``feedback``…)."""
    parts = str(item.get("gsi3sk", "")).split("#", 2)
    return parts[1] if len(parts) == 3 else ""
