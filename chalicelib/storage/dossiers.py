"""Dossiers in the table.

Item ``pk = DOSSIER#<code>``, ``sk = DOSSIER``: the dossier as JSON (``data``) plus the
attributes the indexes and conditions need. When a Zalo user is linked as the dossier's owner
the item carries ``gsi1pk = OWNER#<user_id>`` and ``gsi1sk = <received or created time>#<code>``
so "Hồ sơ của tôi" is one Query on ``gsi1``, newest first. Writes are conditional on
``version`` (optimistic locking): an officer update never silently overwrites another.
"""

from __future__ import annotations

from chalicelib.domain.dossier import Dossier
from chalicelib.storage.table import ConditionFailed, Table


class DossierConflict(Exception):
    """The dossier changed since it was read (or already exists, for a new one)."""


class Dossiers:
    """Load, list and save dossiers: one DynamoDB call per method."""

    def __init__(self, table: Table) -> None:
        self._table = table

    @staticmethod
    def _pk(code: str) -> str:
        return f"DOSSIER#{code}"

    def _from_item(self, item: dict) -> Dossier:
        dossier = Dossier.model_validate_json(item["data"])
        owner = item.get("owner")
        if owner:
            dossier.owner_zalo_user_id = owner
        return dossier

    def get(self, code: str) -> tuple[Dossier, int] | None:
        """The dossier with this (canonical) code and its version, or None (one GetItem)."""
        item = self._table.get(self._pk(code), "DOSSIER")
        return (self._from_item(item), int(item["version"])) if item else None

    def of_owner(self, user_id: str, limit: int) -> list[Dossier]:
        """The dossiers linked to a Zalo user, newest first (one Query on gsi1)."""
        items, _ = self._table.query(
            f"OWNER#{user_id}", index="gsi1", newest_first=True, limit=limit
        )
        return [self._from_item(item) for item in items]

    def _item(self, dossier: Dossier, version: int) -> dict:
        data = dossier.model_dump_json(exclude={"owner_zalo_user_id"})
        item = {
            "pk": self._pk(dossier.code),
            "sk": "DOSSIER",
            "data": data,
            "status": int(dossier.status),
            "version": version,
        }
        if dossier.owner_zalo_user_id:
            moment = dossier.received_at or dossier.history[0].at
            item["owner"] = dossier.owner_zalo_user_id
            item["gsi1pk"] = f"OWNER#{dossier.owner_zalo_user_id}"
            item["gsi1sk"] = f"{moment.isoformat()}#{dossier.code}"
        return item

    def add(self, dossier: Dossier) -> None:
        """Store a new dossier. Raises DossierConflict when the code is taken."""
        try:
            self._table.put(self._item(dossier, 1), condition="attribute_not_exists(pk)")
        except ConditionFailed:
            raise DossierConflict(dossier.code) from None

    def save(self, dossier: Dossier, *, read_version: int) -> int:
        """Replace the dossier if nobody changed it since ``read_version``; the new version."""
        try:
            self._table.put(
                self._item(dossier, read_version + 1),
                condition="version = :v",
                values={":v": read_version},
            )
        except ConditionFailed:
            raise DossierConflict(dossier.code) from None
        return read_version + 1

    def link_owner(self, code: str, user_id: str) -> None:
        """Link a Zalo user as the dossier's owner (after they proved to be the applicant).

        Idempotent; the last user to prove it wins. Raises DossierConflict for an unknown code."""
        found = self.get(code)
        if found is None:
            raise DossierConflict(code)
        dossier, _ = found
        moment = dossier.received_at or dossier.history[0].at
        try:
            self._table.update(
                self._pk(code),
                "DOSSIER",
                "SET #owner = :u, gsi1pk = :g, gsi1sk = :s",
                condition="attribute_exists(pk)",
                names={"#owner": "owner"},
                values={
                    ":u": user_id,
                    ":g": f"OWNER#{user_id}",
                    ":s": f"{moment.isoformat()}#{code}",
                },
            )
        except ConditionFailed:
            raise DossierConflict(code) from None
