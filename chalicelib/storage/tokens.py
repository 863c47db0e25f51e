"""The OA token pair and its refresh lease: one item, ``pk = ZALO#TOKEN``, ``sk = OA``.

Attributes: ``sealed`` (the pair, encrypted with the KMS key of its own, ``TOKEN_KMS_KEY``:
binary ciphertext of ``{"access_token": ..., "refresh_token": ...}`` under the encryption
context ``{"item": "ZALO#TOKEN/OA"}``), ``access_hash`` (SHA-256 of the access token, so that a
refresh can be conditional on the token it replaces without storing it), ``expires_at`` (epoch
seconds), ``version`` (+1 per stored pair), ``refreshed_at``, and ``lease_owner``/
``lease_until`` while a refresh runs (the lease of :class:`chalicelib.storage.idempotency.Lease`,
the one lease mechanism). Read access to the table alone does not reveal the tokens; only the
functions whose role may ``kms:Decrypt`` with that key (the consumer, the refresh schedule) read
them, and the API function (the OAuth callback) may only encrypt a new pair.

Items written before the encryption hold ``access_token``/``refresh_token`` in clear: the first
read re-writes them sealed (conditional on the same version, so a concurrent refresh wins).

Methods return the item with ``access_token`` and ``refresh_token`` in clear (decrypted, or
known because they were just written); the rules for using it are in :mod:`chalicelib.zalo.tokens`.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Protocol

from chalicelib.storage.idempotency import Lease
from chalicelib.storage.table import ConditionFailed, Item, Table

TOKEN_PK = "ZALO#TOKEN"  # noqa: S105 - a key, not a secret
TOKEN_SK = "OA"  # noqa: S105
# Longer than one OAuth call can take (connect + read timeouts), so a live holder never loses
# it; short enough that a crashed holder blocks refreshes for a minute at most.
LEASE_SECONDS = 60

_CONTEXT = {"item": f"{TOKEN_PK}/{TOKEN_SK}"}
_NAMES = {
    "#sealed": "sealed",
    "#ahash": "access_hash",
    "#expires": "expires_at",
    "#version": "version",
    "#refreshed": "refreshed_at",
}
_CLEAR = {"#access": "access_token", "#refresh": "refresh_token"}
_LEASE = {"#lease_owner": "lease_owner", "#lease_until": "lease_until"}
_STORE = (
    "SET #sealed = :sealed, #ahash = :ahash, #expires = :expires, #refreshed = :now, "
    "#version = :next REMOVE #lease_owner, #lease_until, #access, #refresh"
)


class Sealer(Protocol):
    """Encrypts and decrypts the pair (:class:`KmsSealer`)."""

    def seal(self, plaintext: bytes) -> bytes: ...

    def unseal(self, ciphertext: bytes) -> bytes: ...


class KmsSealer:
    """KMS Encrypt/Decrypt with the token key (one call each; the pair is far below KMS's
    4 KB limit, so no envelope key is needed)."""

    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self._key_id = key_id

    def seal(self, plaintext: bytes) -> bytes:
        answer = self._kms.encrypt(
            KeyId=self._key_id, Plaintext=plaintext, EncryptionContext=_CONTEXT
        )
        return bytes(answer["CiphertextBlob"])

    def unseal(self, ciphertext: bytes) -> bytes:
        # KeyId pins the key: a ciphertext of any other key is refused.
        answer = self._kms.decrypt(
            KeyId=self._key_id, CiphertextBlob=ciphertext, EncryptionContext=_CONTEXT
        )
        return bytes(answer["Plaintext"])


def access_hash(access_token: str) -> str:
    """What the item keeps to recognise an access token (conditions), never the token."""
    return hashlib.sha256(access_token.encode()).hexdigest()


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

    def __init__(
        self, table: Table, sealer: Sealer, *, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self._table = table
        self._sealer = sealer
        self._lease = Lease(
            table, owner="lease_owner", until="lease_until", seconds=lease_seconds, clock=time.time
        )

    def _seal(self, access: str, refresh: str) -> dict[str, Any]:
        plaintext = json.dumps({"access_token": access, "refresh_token": refresh}).encode()
        return {":sealed": self._sealer.seal(plaintext), ":ahash": access_hash(access)}

    def _open(self, item: Item | None) -> Item | None:
        """The item with the pair in clear (one Decrypt), or None without a pair."""
        if not item:
            return None
        sealed = item.get("sealed")
        if sealed is None:
            return item if item.get("access_token") else None
        pair = json.loads(self._sealer.unseal(bytes(sealed)))
        return {**item, **pair}

    @staticmethod
    def _with_pair(item: Item, access: str, refresh: str) -> Item:
        return {**item, "access_token": access, "refresh_token": refresh}

    def read(self) -> Item | None:
        """The stored item when it holds a pair (consistent GetItem, one Decrypt); a pair
        still in clear is sealed and re-written first (one UpdateItem, one Encrypt)."""
        item = self._table.get(TOKEN_PK, TOKEN_SK, consistent=True)
        if item and item.get("sealed") is None and item.get("access_token"):
            return self._migrate(item)
        return self._open(item)

    def _migrate(self, item: Item) -> Item | None:
        access, refresh = str(item["access_token"]), str(item["refresh_token"])
        try:
            stored = self._table.update(
                TOKEN_PK,
                TOKEN_SK,
                "SET #sealed = :sealed, #ahash = :ahash REMOVE #access, #refresh",
                condition="#version = :version AND #access = :access",
                names={**_NAMES, **_CLEAR},
                values={
                    **self._seal(access, refresh),
                    ":version": item.get("version", 0),
                    ":access": access,
                },
            )
        except ConditionFailed:  # refreshed or migrated meanwhile: read what is there now
            return self._open(self._table.get(TOKEN_PK, TOKEN_SK, consistent=True))
        return self._with_pair(stored, access, refresh)

    def take_refresh_lease(self, *, now: float, replacing: str | None = None) -> tuple[str, Item]:
        """Take the refresh lease on a stored pair; with ``replacing``, only while that access
        token is still the stored one. The owner id and the item. Raises LeaseTaken."""
        condition = "attribute_exists(#sealed)"
        values: dict[str, object] = {}
        if replacing is not None:
            condition += " AND #ahash = :replacing"
            values[":replacing"] = access_hash(replacing)
        try:
            owner, item = self._lease.take(
                TOKEN_PK, TOKEN_SK, condition=condition, names=_NAMES, values=values, now=now
            )
        except ConditionFailed as failed:
            raise LeaseTaken(self._open(failed.item) or self.read()) from None
        opened = self._open(item)
        if opened is None:  # the condition guarantees a pair
            raise LeaseTaken(None)
        return owner, opened

    def store_refreshed(
        self, access: str, refresh: str, *, expires_at: int, now: int, owner: str, version: int
    ) -> Item:
        """Store the refreshed pair as ``version + 1`` and drop the lease: while ``owner``
        holds the lease, or failing that while ``version`` is still the stored one (the lease
        ran out during a slow call, but nobody stored a newer pair). Raises StaleVersion."""
        values = {
            **self._seal(access, refresh),
            ":expires": expires_at,
            ":now": now,
            ":next": version + 1,
        }
        names = {**_NAMES, **_CLEAR}
        try:
            item = self._lease.write(TOKEN_PK, TOKEN_SK, owner, _STORE, names=names, values=values)
            return self._with_pair(item, access, refresh)
        except ConditionFailed:
            pass
        try:
            item = self._table.update(
                TOKEN_PK,
                TOKEN_SK,
                _STORE,
                condition="#version = :version",
                names={**names, **_LEASE},
                values={**values, ":version": version},
            )
        except ConditionFailed:
            raise StaleVersion(version) from None
        return self._with_pair(item, access, refresh)

    def release_lease(self, owner: str) -> None:
        """Give the refresh lease up without a new pair (a failed refresh)."""
        self._lease.release(TOKEN_PK, TOKEN_SK, owner)

    def store_initial(self, access: str, refresh: str, *, expires_at: int, now: int) -> Item:
        """Store a pair obtained by consent, replacing any previous one and any stale lease
        (one Encrypt, one UpdateItem; nothing is decrypted)."""
        item = self._table.update(
            TOKEN_PK,
            TOKEN_SK,
            "SET #sealed = :sealed, #ahash = :ahash, #expires = :expires, "
            "#refreshed = :now, #version = if_not_exists(#version, :zero) + :one "
            "REMOVE #lease_owner, #lease_until, #access, #refresh",
            names={**_NAMES, **_CLEAR, **_LEASE},
            values={
                **self._seal(access, refresh),
                ":expires": expires_at,
                ":now": now,
                ":zero": 0,
                ":one": 1,
            },
        )
        return self._with_pair(item, access, refresh)
