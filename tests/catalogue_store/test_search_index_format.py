"""A deploy that changes the search vocabulary or index format gets a new index on the next
import, even when no procedure changed."""

from __future__ import annotations

from chalicelib.domain.procedure import Procedure

PROCEDURES = [Procedure(code="1.001193", name="Thủ tục đăng ký khai sinh", popularity=5)]


def test_unchanged_catalogue_keeps_its_index(aws):
    from chalicelib.catalogue.store import get_store

    store = get_store()
    first = store.import_catalogue([], PROCEDURES).index_version
    assert store.import_catalogue([], PROCEDURES).index_version == first


def test_an_index_of_another_format_is_rebuilt_by_the_next_import(aws):
    from chalicelib.catalogue.search import INDEX_FORMAT
    from chalicelib.catalogue.store import get_store
    from chalicelib.storage.table import get_table

    store = get_store()
    store.import_catalogue([], PROCEDURES)
    table = get_table()
    meta = table.get("CATALOGUE", "META", consistent=True)
    table.put({**meta, "version": "built-by-an-older-deploy", "index_format": "1:old"})

    counts = store.import_catalogue([], PROCEDURES)

    assert counts.changed == 0
    meta = table.get("CATALOGUE", "META", consistent=True)
    assert meta["index_format"] == INDEX_FORMAT
    assert meta["version"] == counts.index_version != "built-by-an-older-deploy"
    assert store.search_index().search("khai sinh").hits[0].code == "1.001193"
