"""Zalo user profiles: late and out-of-order events never move state backwards; consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.storage.table import get_table
from chalicelib.storage.users import ConsentRequired, UserProfile, Users, in_window

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
USER = "8400000000000000001"


@pytest.fixture
def users(aws) -> Users:
    return Users(get_table())


def test_unknown_user_has_no_profile(users):
    assert users.get(USER) is None


def test_first_touch_is_the_first_interaction(users):
    profile, first = users.touch(USER, T0)
    assert first is True
    assert profile.user_id == USER
    assert profile.first_seen_at == T0
    assert profile.last_interaction_at == T0
    assert users.get(USER) == profile


def test_later_touch_moves_last_interaction_forward(users):
    users.touch(USER, T0)
    profile, first = users.touch(USER, T0 + timedelta(hours=1))
    assert first is False
    assert profile.first_seen_at == T0
    assert profile.last_interaction_at == T0 + timedelta(hours=1)


def test_out_of_order_touch_never_moves_last_interaction_back(users):
    users.touch(USER, T0 + timedelta(hours=2))
    profile, first = users.touch(USER, T0)  # delivered an hour late
    assert first is False
    assert profile.last_interaction_at == T0 + timedelta(hours=2)
    assert users.get(USER).last_interaction_at == T0 + timedelta(hours=2)


def test_the_first_event_touched_again_is_still_first_but_no_other_event_is(users):
    # A first event whose processing failed before its plan was saved is touched again on
    # retry: it must still count as first, or the personal-data notice would be lost. (A
    # completed event never reaches touch twice: its job is done.)
    assert users.touch(USER, T0)[1] is True
    assert users.touch(USER, T0)[1] is True
    assert users.touch(USER, T0 + timedelta(seconds=1))[1] is False
    assert users.touch(USER, T0)[1] is False


def test_naive_datetimes_are_refused(users):
    with pytest.raises(ValueError):
        users.touch(USER, datetime(2026, 5, 1, 8, 0))


def test_follow_state_is_out_of_order_safe(users):
    users.set_followed(USER, False, T0 + timedelta(minutes=5))  # unfollow
    profile = users.set_followed(USER, True, T0)  # the earlier follow arrives late
    assert profile.followed is False
    assert profile.followed_changed_at == T0 + timedelta(minutes=5)
    profile = users.set_followed(USER, True, T0 + timedelta(minutes=10))
    assert profile.followed is True


def test_phone_is_refused_without_consent(users):
    users.touch(USER, T0)
    with pytest.raises(ConsentRequired):
        users.set_phone(USER, "+84912345678")
    assert users.get(USER).phone is None


def test_phone_is_stored_after_consent(users):
    users.grant_consent(USER, T0)
    profile = users.set_phone(USER, "+84912345678")
    assert profile.phone == "+84912345678"
    assert profile.consent_at == T0


@pytest.mark.parametrize("phone", ["0912345678", "84912345678", "+84 912", ""])
def test_phone_must_be_e164(users, phone):
    users.grant_consent(USER, T0)
    with pytest.raises(ValueError):
        users.set_phone(USER, phone)


def test_erasure_removes_consent_and_phone_and_keeps_timestamps(users):
    users.touch(USER, T0)
    users.set_followed(USER, True, T0)
    users.grant_consent(USER, T0)
    users.set_phone(USER, "+84912345678")
    profile = users.erase_personal_data(USER)
    assert profile.phone is None and profile.consent_at is None
    assert profile.last_interaction_at == T0 and profile.followed is True
    raw = get_table().get(f"USER#{USER}", "PROFILE")
    assert "phone" not in raw and "consent_at" not in raw
    with pytest.raises(ConsentRequired):
        users.set_phone(USER, "+84912345678")


def test_erasure_of_an_unknown_user_creates_nothing(users):
    assert users.erase_personal_data(USER) is None
    assert users.get(USER) is None


def test_window_is_measured_from_the_last_interaction():
    profile = UserProfile(user_id=USER, last_interaction_at=T0)
    assert in_window(profile, T0 + timedelta(days=6, hours=23), 7)
    assert not in_window(profile, T0 + timedelta(days=7), 7)
    assert not in_window(UserProfile(user_id=USER), T0, 7)
    assert not in_window(None, T0, 7)
