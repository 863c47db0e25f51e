"""Files stored for a chat submission in progress (issue 11).

Item ``pk = DRAFT#<draft_id>``, ``sk = FILE#<ref>``: one per accepted file, written by the
``receive_document`` effect; ``ttl`` removes it a day later (the file itself sits under the
expiring ``uploads/`` prefix until the dossier keeps it). Read with one Query when the dossier
is created. No personal data: keys, sizes, digests, the sanitised file name, the component.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.submission import DraftDocument
from chalicelib.storage.documents import StoredFile
from chalicelib.storage.table import Table

_KEEP_SECONDS = 86400


class DraftFiles:
    def __init__(self, table: Table) -> None:
        self._table = table

    def has(self, draft_id: str, ref: str) -> bool:
        return self._table.get(f"DRAFT#{draft_id}", f"FILE#{ref}", consistent=True) is not None

    def record(
        self, draft_id: str, ref: str, stored: StoredFile, component: tuple[str, str], at: datetime
    ) -> None:
        self._table.put(
            {
                "pk": f"DRAFT#{draft_id}",
                "sk": f"FILE#{ref}",
                "key": stored.key,
                "size": stored.size,
                "sha256": stored.sha256,
                "content_type": stored.content_type,
                "name": stored.name,
                "component_code": component[0],
                "component_name": component[1],
                "at": at.isoformat(),
                "ttl": int(at.timestamp()) + _KEEP_SECONDS,
            }
        )

    def get(self, draft_id: str, ref: str) -> DraftDocument | None:
        """One stored file of the draft, or None (one consistent GetItem)."""
        item = self._table.get(f"DRAFT#{draft_id}", f"FILE#{ref}", consistent=True)
        return None if item is None else _document(item)

    def files(self, draft_id: str) -> list[DraftDocument]:
        """The draft's stored files in the order they were received."""
        items, _ = self._table.query(f"DRAFT#{draft_id}", sk_prefix="FILE#", consistent=True)
        items.sort(key=lambda item: str(item["at"]))
        return [_document(i) for i in items]


def _document(i: dict[str, Any]) -> DraftDocument:
    return DraftDocument(
        component_code=str(i["component_code"]),
        component_name=str(i["component_name"]),
        key=str(i["key"]),
        name=str(i["name"]),
        content_type=str(i["content_type"]),
        size=int(i["size"]),
        sha256=str(i["sha256"]),
    )
