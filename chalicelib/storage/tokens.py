"""The OA token pair and its refresh lease: one item, ``pk = ZALO#TOKEN``, ``sk = OA``.

Attributes: ``access_token``, ``refresh_token``, ``expires_at`` (epoch seconds), ``version``
(+1 per stored pair), ``refreshed_at``, and ``lease_owner``/``lease_until`` while a refresh runs
(the lease of :class:`chalicelib.storage.idempotency.Lease`, the one lease mechanism). The
rules for using it are in :mod:`chalicelib.zalo.tokens`; this module only knows the layout.
"""

from __future__ import annotations

import time

from chalicelib.storage.idempotency import Lease
from chalicelib.storage.table import ConditionFailed, Item, Table

TOKEN_PK = "ZALO#TOKEN"  # noqa: S105 - a key, not a secret
TOKEN_SK = "OA"  # noqa: S105
# Longer than one OAuth call can take (connect + read timeouts), so a live holder never loses
# it; short enough that a crashed holder blocks refreshes for a minute at most.
LEASE_SECONDS = 60

_NAMES = {
    "#access": "access_token",
    "#refresh": "refresh_token",
    "#expires": "expires_at",
    "#version": "version",
    "#refreshed": "refreshed_at",
}
_STORE = (
    "SET #access = :access, #refresh = :refresh, #expires = :expires, #refreshed = :now, "
    "#version = :next REMOVE #lease_owner, #lease_until"
)


class LeaseTaken(Exception):
    """Someone else holds the refresh lease, nothing is stored, or the access token to replace
    is no longer the stored one. ``current`` is the item as it is (None when absent)."""

    def __init__(self, current: Item | None) -> None:
        super().__init__("token lease not taken")
        self.current = current


class StaleVersion(Exception):
    """A newer pair was stored meanwhile: the pair in hand must not overwrite it."""


class TokenStore:
    """Reads and writes the token item (one DynamoDB call per method)."""

    def __init__(self, table: Table, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self._table = table
        self._lease = Lease(
            table, owner="lease_owner", until="lease_until", seconds=lease_seconds, clock=time.time
        )

    def read(self) -> Item | None:
        """The stored item when it holds an access token (consistent GetItem)."""
        item = self._table.get(TOKEN_PK, TOKEN_SK, consistent=True)
        return item if item and item.get("access_token") else None

    def take_refresh_lease(self, *, now: float, replacing: str | None = None) -> tuple[str, Item]:
        """Take the refresh lease on a stored pair; with ``replacing``, only while that access
        token is still the stored one. The owner id and the item. Raises LeaseTaken."""
        condition = "attribute_exists(#refresh)"
        values: dict[str, object] = {}
        if replacing is not None:
            condition += " AND #access = :replacing"
            values[":replacing"] = replacing
        try:
            return self._lease.take(
                TOKEN_PK, TOKEN_SK, condition=condition, names=_NAMES, values=values, now=now
            )
        except ConditionFailed as failed:
            raise LeaseTaken(failed.item or self.read()) from None

    def store_refreshed(
        self, access: str, refresh: str, *, expires_at: int, now: int, owner: str, version: int
    ) -> Item:
        """Store the refreshed pair as ``version + 1`` and drop the lease: while ``owner``
        holds the lease, or failing that while ``version`` is still the stored one (the lease
        ran out during a slow call, but nobody stored a newer pair). Raises StaleVersion."""
        values = {
            ":access": access,
            ":refresh": refresh,
            ":expires": expires_at,
            ":now": now,
            ":next": version + 1,
        }
        try:
            return self._lease.write(TOKEN_PK, TOKEN_SK, owner, _STORE, names=_NAMES, values=values)
        except ConditionFailed:
            pass
        try:
            return self._table.update(
                TOKEN_PK,
                TOKEN_SK,
                _STORE,
                condition="#version = :version",
                names={**_NAMES, "#lease_owner": "lease_owner", "#lease_until": "lease_until"},
                values={**values, ":version": version},
            )
        except ConditionFailed:
            raise StaleVersion(version) from None

    def release_lease(self, owner: str) -> None:
        """Give the refresh lease up without a new pair (a failed refresh)."""
        self._lease.release(TOKEN_PK, TOKEN_SK, owner)

    def store_initial(self, access: str, refresh: str, *, expires_at: int, now: int) -> Item:
        """Store a pair obtained by consent, replacing any previous one and any stale lease."""
        return self._table.update(
            TOKEN_PK,
            TOKEN_SK,
            "SET #access = :access, #refresh = :refresh, #expires = :expires, "
            "#refreshed = :now, #version = if_not_exists(#version, :zero) + :one "
            "REMOVE #lease_owner, #lease_until",
            names={**_NAMES, "#lease_owner": "lease_owner", "#lease_until": "lease_until"},
            values={
                ":access": access,
                ":refresh": refresh,
                ":expires": expires_at,
                ":now": now,
                ":zero": 0,
                ":one": 1,
            },
        )
