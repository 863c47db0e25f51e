"""The procedure catalogue in storage, and the search index the chat uses.

Items (single table):

- ``pk = PROC#<code>``, ``sk = PROC``: a procedure as JSON with its content hash;
  ``gsi1pk = CATALOGUE#PROC``, ``gsi1sk = <code>`` lists them for index rebuilds.
- ``pk = AGENCY#<code>``, ``sk = AGENCY``: an agency, likewise ``gsi1pk = CATALOGUE#AGENCY``.
- ``pk = CATALOGUE``, ``sk = META``: the current search index version and its S3 key.

The search index is one immutable S3 object (``catalogue/search-index-<version>.json``).
A Lambda container loads it once and afterwards checks the META item at most every
``refresh_seconds``: a search costs no AWS call at all most of the time, at most one GetItem,
and one S3 GetObject only after the catalogue changed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.catalogue.importer import content_hash
from chalicelib.domain.agency import Agency
from chalicelib.domain.procedure import Procedure
from chalicelib.platform.container import cached
from chalicelib.storage.table import BATCH_WRITE_LIMIT, Table

_BATCH_ATTEMPTS = 8  # tries per batch while DynamoDB leaves items unprocessed

INDEX_PREFIX = "catalogue/search-index-"


@dataclass
class ImportCounts:
    """What an import did. Running the same import twice gives ``changed == 0`` the second
    time."""

    written: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    corrected: list[tuple[str, str]] = field(default_factory=list)  # channel rules applied
    index_version: str | None = None

    @property
    def changed(self) -> int:
        return self.written


class CatalogueStore:
    """Procedures, agencies and the search index."""

    def __init__(
        self,
        table: Table,
        s3: Any,
        bucket: str,
        *,
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._table = table
        self._s3 = s3
        self._bucket = bucket
        self._refresh = refresh_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._index: Any = None
        self._index_version: str | None = None
        self._checked_at = float("-inf")

    # --- reads (request path) ---------------------------------------------------------------
    def procedure(self, code: str) -> Procedure | None:
        """One procedure by national code (one GetItem)."""
        item = self._table.get(f"PROC#{code}", "PROC")
        return Procedure.model_validate_json(item["data"]) if item else None

    def agency(self, code: str) -> Agency | None:
        """One agency by identifier code (one GetItem)."""
        item = self._table.get(f"AGENCY#{code}", "AGENCY")
        return Agency.model_validate_json(item["data"]) if item else None

    def search_index(self) -> Any:
        """The current search index (see module docstring for its cost). Raises LookupError
        when no catalogue was imported yet."""
        now = self._clock()
        if self._index is not None and now - self._checked_at < self._refresh:
            return self._index
        with self._lock:
            if self._index is not None and now - self._checked_at < self._refresh:
                return self._index
            meta = self._table.get("CATALOGUE", "META")
            if meta is None:
                raise LookupError("the procedure catalogue has not been imported")
            if meta["version"] != self._index_version:
                from chalicelib.catalogue.search import SearchIndex

                body = self._s3.get_object(Bucket=self._bucket, Key=meta["index_key"])["Body"]
                self._index = SearchIndex.from_dict(json.loads(body.read()))
                self._index_version = meta["version"]
            self._checked_at = now
            return self._index

    # --- writes (operator import) -----------------------------------------------------------
    def _stored_hashes(self, kind: str) -> dict[str, str]:
        """Code -> content hash of every stored record of ``kind`` (paged Query on gsi1)."""
        hashes: dict[str, str] = {}
        start = None
        while True:
            items, start = self._table.query(f"CATALOGUE#{kind}", index="gsi1", start_key=start)
            hashes.update((item["gsi1sk"], item["hash"]) for item in items)
            if not start:
                return hashes

    def _write_changed(self, kind: str, records: Iterable[tuple[str, Any]]) -> tuple[int, int]:
        """Write the records whose content hash differs from the stored one, 25 per
        BatchWriteItem (retrying what DynamoDB left unprocessed). Returns (written, unchanged).

        The stored hashes come from the index (eventually consistent): a record written a
        moment ago may be written again, with the same content, which changes nothing."""
        stored = self._stored_hashes(kind)
        prefix = "PROC" if kind == "PROC" else "AGENCY"
        changed, unchanged = [], 0
        for code, model in records:
            digest = content_hash(model)
            if stored.get(code) == digest:
                unchanged += 1
                continue
            changed.append(
                {
                    "pk": f"{prefix}#{code}",
                    "sk": prefix,
                    "data": model.model_dump_json(),
                    "hash": digest,
                    "gsi1pk": f"CATALOGUE#{kind}",
                    "gsi1sk": code,
                }
            )
        for start in range(0, len(changed), BATCH_WRITE_LIMIT):
            pending = changed[start : start + BATCH_WRITE_LIMIT]
            for attempt in range(_BATCH_ATTEMPTS):
                pending = self._table.batch_put(pending)
                if not pending:
                    break
                self._sleep(min(0.05 * 2**attempt, 2.0))
            if pending:
                raise RuntimeError(f"{len(pending)} catalogue items left unwritten (throttled)")
        return len(changed), unchanged

    def import_catalogue(
        self, agencies: Iterable[Agency], procedures: Iterable[Procedure]
    ) -> ImportCounts:
        """Store agencies and procedures, then rebuild the search index if anything changed.

        Idempotent: unchanged records are not written (their content hash is compared with the
        stored one first), and an unchanged catalogue keeps its index version. Cost: one Query
        page per ~1 MB of stored records, one BatchWriteItem per 25 changed records."""
        counts = ImportCounts()
        for kind, records in (
            ("AGENCY", [(a.code, a) for a in agencies]),
            ("PROC", [(p.code, p) for p in procedures]),
        ):
            written, unchanged = self._write_changed(kind, records)
            counts.written += written
            counts.unchanged += unchanged
        counts.index_version = self.rebuild_index(force=counts.changed > 0)
        return counts

    def all_procedures(self) -> list[Procedure]:
        """Every procedure, by code (paged Query on gsi1: for index rebuilds, not requests)."""
        found: list[Procedure] = []
        start = None
        while True:
            items, start = self._table.query("CATALOGUE#PROC", index="gsi1", start_key=start)
            found.extend(Procedure.model_validate_json(item["data"]) for item in items)
            if not start:
                return found

    def rebuild_index(self, *, force: bool = False) -> str:
        """Build the search index from stored procedures, upload it, point META at it.
        Returns the index version (a hash of its content)."""
        from chalicelib.catalogue.search import INDEX_FORMAT, build_index

        meta = self._table.get("CATALOGUE", "META", consistent=True)
        # A deploy that changes the index format or the search vocabulary rebuilds it too.
        if meta and not force and meta.get("index_format") == INDEX_FORMAT:
            version: str = meta["version"]
            return version
        index = build_index(self.all_procedures())
        body = json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode()
        version = hashlib.sha256(body).hexdigest()[:16]
        if meta and meta["version"] == version:
            return version
        key = f"{INDEX_PREFIX}{version}.json"
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="application/json")
        self._table.put(
            {
                "pk": "CATALOGUE",
                "sk": "META",
                "version": version,
                "index_key": key,
                "index_format": INDEX_FORMAT,
                "updated_at": int(time.time()),
            }
        )
        return version


@cached
def get_store() -> CatalogueStore:
    """The store wired to the app's table and bucket (cached per container)."""
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings
    from chalicelib.storage.table import get_table

    return CatalogueStore(get_table(), client("s3"), get_settings().DOCUMENTS_BUCKET)
