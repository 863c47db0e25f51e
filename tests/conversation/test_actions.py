"""Actions are an open set: any registered kind validates and round-trips in an Outcome."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import ValidationError

from chalicelib.conversation.actions import (
    Action,
    DeleteMyData,
    GrantConsent,
    RecordUnfollow,
    WithdrawConsent,
    register_action,
    registered_kinds,
)
from chalicelib.conversation.flows.dossier import LinkDossier
from chalicelib.conversation.model import Outcome

from .conftest import T0

TODAYS_ACTIONS = [
    GrantConsent(at=T0, notice_version="2026-01"),
    WithdrawConsent(at=T0),
    DeleteMyData(at=T0),
    RecordUnfollow(at=T0),
    LinkDossier(at=T0, code="000.00.17.H12-261126-0007"),
]


def test_todays_action_kinds_keep_their_names_and_fields() -> None:
    dumped = [a.model_dump(mode="json") for a in TODAYS_ACTIONS]
    at = "2026-11-26T02:00:00Z"
    assert dumped == [
        {"kind": "grant_consent", "at": at, "notice_version": "2026-01"},
        {"kind": "withdraw_consent", "at": at},
        {"kind": "delete_my_data", "at": at},
        {"kind": "record_unfollow", "at": at},
        {"kind": "link_dossier", "at": at, "code": "000.00.17.H12-261126-0007"},
    ]
    assert registered_kinds() >= {a.kind for a in TODAYS_ACTIONS}


def test_an_outcome_with_every_kind_round_trips_through_a_json_plan() -> None:
    outcome = Outcome(session=None, actions=TODAYS_ACTIONS)
    restored = Outcome.model_validate(outcome.model_dump(mode="json"))
    assert restored == outcome
    assert [type(a) for a in restored.actions] == [type(a) for a in TODAYS_ACTIONS]


def test_an_unknown_kind_or_missing_field_does_not_validate() -> None:
    with pytest.raises(ValidationError, match="unknown action kind"):
        Outcome.model_validate({"session": None, "actions": [{"kind": "nope", "at": T0}]})
    with pytest.raises(ValidationError):
        Outcome.model_validate({"session": None, "actions": [{"kind": "link_dossier", "at": T0}]})


def test_an_unregistered_action_class_is_refused_in_an_outcome() -> None:
    class Stray(Action):
        kind: Literal["toy_stray"] = "toy_stray"

    with pytest.raises(ValidationError, match="not registered"):
        Outcome(session=None, actions=[Stray(at=T0)])


def test_a_kind_belongs_to_one_class() -> None:
    class Impostor(Action):
        kind: Literal["grant_consent"] = "grant_consent"

    with pytest.raises(ValueError, match="already registered"):
        register_action(Impostor)
    assert register_action(GrantConsent) is GrantConsent  # registering again is harmless


def test_an_action_without_a_kind_default_cannot_be_registered() -> None:
    class Nameless(Action):
        pass

    with pytest.raises(TypeError):
        register_action(Nameless)
