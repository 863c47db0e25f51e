"""Dossiers in the table.

Item ``pk = DOSSIER#<code>``, ``sk = DOSSIER``: the dossier as JSON (``data``) plus the
attributes the indexes and conditions need. When a Zalo user is linked as the dossier's owner
the item carries ``gsi1pk = OWNER#<user_id>`` and ``gsi1sk = <received or created time>#<code>``
so "Hồ sơ của tôi" is one Query on ``gsi1``, newest first. Writes are conditional on
``version`` (optimistic locking): an officer update never silently overwrites another.
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.dossier import Dossier
from chalicelib.storage.table import ConditionFailed, Table

# Attempts to prove being a dossier's applicant (phone or ID number), per day: per Zalo user and
# dossier, and per dossier over all users, so codes cannot be used to guess phone numbers.
PROOF_ATTEMPTS_PER_USER = 5
PROOF_ATTEMPTS_PER_DOSSIER = 20
_PROOF_WINDOW_SECONDS = 86400


class DossierConflict(Exception):
    """The dossier changed since it was read (or already exists, for a new one)."""


class Dossiers:
    """Load, list and save dossiers: one DynamoDB call per method."""

    def __init__(self, table: Table) -> None:
        self._table = table

    @staticmethod
    def _pk(code: str) -> str:
        return f"DOSSIER#{code}"

    def _from_item(self, item: dict[str, Any]) -> Dossier:
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

    def _item(self, dossier: Dossier, version: int) -> dict[str, Any]:
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

    def link_owner(self, code: str, user_id: str) -> bool:
        """Link a Zalo user as the dossier's owner (after they proved to be the applicant).

        Idempotent. A dossier already linked to another Zalo user is left as it is (False):
        moving it is an officer's decision, never a side effect of a correct guess. Unknown
        codes are False too. One GetItem and one UpdateItem."""
        found = self.get(code)
        if found is None:
            return False
        dossier, _ = found
        moment = dossier.received_at or dossier.history[0].at
        try:
            self._table.update(
                self._pk(code),
                "DOSSIER",
                "SET #owner = :u, gsi1pk = :g, gsi1sk = :s",
                condition="attribute_exists(pk) AND (attribute_not_exists(#owner) OR #owner = :u)",
                names={"#owner": "owner"},
                values={
                    ":u": user_id,
                    ":g": f"OWNER#{user_id}",
                    ":s": f"{moment.isoformat()}#{code}",
                },
            )
        except ConditionFailed:
            return False
        return True

    def unlink_owner(self, user_id: str) -> int:
        """Unlink every dossier of a Zalo user (a data-subject erasure or a withdrawn consent).
        The dossiers themselves stay (records law). One Query per page of 25, one UpdateItem
        per dossier; returns how many were unlinked."""
        unlinked = 0
        start = None
        while True:
            items, start = self._table.query(
                f"OWNER#{user_id}", index="gsi1", limit=25, start_key=start
            )
            for item in items:
                try:
                    self._table.update(
                        item["pk"],
                        "DOSSIER",
                        "REMOVE #owner, gsi1pk, gsi1sk",
                        condition="#owner = :u",
                        names={"#owner": "owner"},
                        values={":u": user_id},
                    )
                    unlinked += 1
                except ConditionFailed:
                    pass  # relinked meanwhile: not this user's any more
            if not start:
                return unlinked

    def allow_proof_attempt(self, code: str, user_id: str, now: float) -> bool:
        """Count one attempt to prove being the applicant of ``code``; False when the user's or
        the dossier's allowance for the day (UTC) is used up (the attempt must then not be
        checked). Two conditional UpdateItems on per-day counters that expire by ttl."""
        import hashlib

        day = int(now // _PROOF_WINDOW_SECONDS)
        user_ref = hashlib.sha256(user_id.encode()).hexdigest()[:16]
        for sk, allowance in (
            (f"PROOF#{day}#{user_ref}", PROOF_ATTEMPTS_PER_USER),
            (f"PROOF#{day}", PROOF_ATTEMPTS_PER_DOSSIER),
        ):
            try:
                self._table.update(
                    self._pk(code),
                    sk,
                    "ADD #tries :one SET #ttl = :expires",
                    condition="attribute_not_exists(#tries) OR #tries < :allowance",
                    names={"#tries": "tries", "#ttl": "ttl"},
                    values={
                        ":one": 1,
                        ":expires": (day + 2) * _PROOF_WINDOW_SECONDS,
                        ":allowance": allowance,
                    },
                )
            except ConditionFailed:
                return False
        return True
