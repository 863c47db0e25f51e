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


def test_profile_and_session_are_read_together_and_nothing_else(sessions):
    from datetime import timedelta

    from chalicelib.storage.users import Users

    table = get_table()
    Users(table).touch("u", NOW)
    sessions.save("u", _session("code"), read_version=None)
    for sk in ("NOTICE#2026#n1", "PENDING#2026#n2"):
        table.put({"pk": "USER#u", "sk": sk, "notice_id": "n"})
    profile, session = sessions.get_with_profile("u")
    assert profile.user_id == "u" and profile.last_interaction_at == NOW
    assert session.step == "code" and session.version == 1
    assert sessions.get_with_profile("nobody") == (None, None)
    # The interaction written with a plan: only when newer than the one recorded.
    write, first = Users.touch_write("u", NOW + timedelta(seconds=1), profile)
    assert write is not None and first is False
    assert Users.touch_write("u", NOW, profile) == (None, False)  # a late delivery
    assert Users.touch_write("new", NOW, None)[1] is True


def test_a_session_write_in_a_transaction_is_refused_over_a_changed_version(sessions):
    from chalicelib.storage.table import TransactionCancelled

    sessions.save("u", _session("code"), read_version=None)
    sessions.save("u", _session("verify"), read_version=1)
    with pytest.raises(TransactionCancelled):
        get_table().transact([sessions.write("u", _session("other"), read_version=1)])
    get_table().transact([sessions.write("u", None, read_version=2)])
    assert sessions.get("u") is None
