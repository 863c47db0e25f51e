"""Sessions are written only over the version that was read; repeats are harmless."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.conversation.model import Session
from chalicelib.storage.sessions import SessionConflict, Sessions
from chalicelib.storage.table import get_table

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _session(step: str) -> Session:
    return Session(flow="dossier", step=step, started_at=NOW, updated_at=NOW)


@pytest.fixture
def sessions(aws):
    return Sessions(get_table())


def test_a_session_round_trips_with_its_version(sessions):
    sessions.save("u", _session("code"), read_version=None)
    loaded = sessions.get("u")
    assert loaded.step == "code" and loaded.version == 1


def test_repeating_the_same_write_is_accepted(sessions):
    sessions.save("u", _session("code"), read_version=None)
    sessions.save("u", _session("code"), read_version=None)
    assert sessions.get("u").version == 1


def test_a_first_session_never_overwrites_one_another_event_wrote(sessions):
    sessions.save("u", _session("code"), read_version=None)
    with pytest.raises(SessionConflict):
        sessions.save("u", _session("other"), read_version=None)


def test_a_stale_version_is_refused_and_the_current_one_accepted(sessions):
    sessions.save("u", _session("a"), read_version=None)
    sessions.save("u", _session("b"), read_version=1)
    with pytest.raises(SessionConflict):
        sessions.save("u", _session("c"), read_version=1)
    sessions.save("u", None, read_version=2)
    assert sessions.get("u") is None
