"""OAuth consent states: ``pk = OAUTH#<state>``, ``sk = OAUTH``, with the PKCE ``verifier``,
``expires_at`` and ``ttl`` (epoch seconds). Single use: taking a state deletes it."""

from __future__ import annotations

from chalicelib.storage.table import ConditionFailed, Table


def _key(state: str) -> tuple[str, str]:
    return f"OAUTH#{state}", "OAUTH"


class OAuthStates:
    """Keeps and consumes the consent flow's states."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def put(self, state: str, verifier: str, *, expires_at: int) -> None:
        """Keep a new state (one PutItem; refuses to overwrite: ConditionFailed)."""
        pk, sk = _key(state)
        self._table.put(
            {"pk": pk, "sk": sk, "verifier": verifier, "expires_at": expires_at, "ttl": expires_at},
            condition="attribute_not_exists(pk)",
        )

    def take(self, state: str) -> tuple[str, int] | None:
        """The verifier and expiry kept for ``state``, deleting it so that only one caller ever
        gets them (a consistent GetItem and a conditional DeleteItem); None when unknown or
        already taken. Expiry is the caller's to check (DynamoDB's TTL deletes late)."""
        pk, sk = _key(state)
        item = self._table.get(pk, sk, consistent=True)
        if not item or not item.get("verifier"):
            return None
        try:
            self._table.delete(pk, sk, condition="attribute_exists(pk)")
        except ConditionFailed:
            return None
        return str(item["verifier"]), int(item.get("expires_at", 0))
