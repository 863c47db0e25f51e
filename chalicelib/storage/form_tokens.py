"""Used web-form links: ``pk = FORM#<nonce>``, ``sk = FORM``, with the ``dossier_code`` the form
created and ``ttl`` (epoch seconds, after the link's expiry). Written once, conditionally: the
item's existence is what makes a link usable once."""

from __future__ import annotations

from chalicelib.storage.table import ConditionFailed, Table


def _key(nonce: str) -> tuple[str, str]:
    return f"FORM#{nonce}", "FORM"


class FormTokens:
    """Marks form links used."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def used(self, nonce: str) -> str | None:
        """The dossier code a used link created; None while it is unused (one consistent
        GetItem)."""
        item = self._table.get(*_key(nonce), consistent=True)
        return str(item["dossier_code"]) if item else None

    def consume(self, nonce: str, dossier_code: str, *, ttl: int) -> bool:
        """Mark the link used by ``dossier_code`` (one conditional PutItem). False when it was
        already used (by any dossier: the submission id makes it the same one)."""
        pk, sk = _key(nonce)
        try:
            self._table.put(
                {"pk": pk, "sk": sk, "dossier_code": dossier_code, "ttl": ttl},
                condition="attribute_not_exists(pk)",
            )
        except ConditionFailed:
            return False
        return True
