"""Dossiers.change: a citizen's read-modify-write, conditional on the version, retried on a
concurrent change, moving the dossier in the back office's feed (gsi2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture
def stored(aws):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import sample_dossiers

    dossier = sample_dossiers(datetime.now(tz=UTC))[1]  # status 5
    Dossiers(get_table()).add(dossier)
    return Dossiers(get_table()), dossier.code


def test_a_change_is_written_with_the_feed_attributes(stored) -> None:
    from chalicelib.storage.table import get_table

    dossiers, code = stored
    moment = datetime(2026, 12, 2, 3, 4, 5, 678000, tzinfo=UTC)
    changed = dossiers.change(code, lambda d: d.note_event("x", moment, "citizen:zalo"), now=moment)
    assert changed is not None and changed.history[-1].event == "x"
    item = get_table().get(f"DOSSIER#{code}", "DOSSIER")
    assert item["version"] == 2
    # One stamp format for every writer of the feed (storage/dossiers.py feed_stamp).
    assert item["gsi2pk"] == "FEED" and item["gsi2sk"] == f"2026-12-02T03:04:05.678Z#{code}"
    assert item["updated_at"] == "2026-12-02T03:04:05.678Z"
    # Nothing to change: no write.
    assert dossiers.change(code, lambda d: False) is not None
    assert get_table().get(f"DOSSIER#{code}", "DOSSIER")["version"] == 2
    assert dossiers.change("000.00.17.H12-261123-9999", lambda d: True) is None


def test_a_concurrent_change_is_re_read_and_applied_again(stored) -> None:
    dossiers, code = stored
    seen = []

    def mutate(dossier) -> bool:
        seen.append(dossier.history[-1].event)
        if len(seen) == 1:  # an officer writes between our read and our write
            other, version = dossiers.get(code)
            other.note_event("officer", datetime.now(tz=UTC) - timedelta(hours=1), "officer-1")
            dossiers.save(other, read_version=version)
        return dossier.note_event("citizen", datetime.now(tz=UTC), "citizen:zalo")

    result = dossiers.change(code, mutate)
    assert seen == ["", "officer"]  # the second attempt saw the officer's entry
    assert [h.event for h in result.history][-2:] == ["officer", "citizen"]
    assert [h.event for h in dossiers.get(code)[0].history][-2:] == ["officer", "citizen"]
