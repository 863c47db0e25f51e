"""Actions: the side effects a conversation turn asks for, as an open set of pydantic models.

Every action is a frozen model deriving from :class:`Action` with a ``kind`` Literal, declared
beside the flow that emits it (the global ones, consent and unfollow, are declared here) and
registered with :func:`register_action` when its module is imported (importing
:mod:`chalicelib.conversation.flows`, as the engine does, imports every flow). :data:`AnyAction`
validates any registered kind from a dict (``{"kind": ..., ...}``) and dumps each action with
all of its own fields, so an :class:`~chalicelib.conversation.model.Outcome` round-trips
through ``model_dump(mode="json")`` / ``model_validate`` (the processor persists its plan).

The effect side (performing an action) lives in the processing layer, keyed by ``kind``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
)


class Action(BaseModel):
    """Base of every action. ``at`` is the time of the turn that asked for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    at: AwareDatetime


A = TypeVar("A", bound=Action)

_REGISTRY: dict[str, type[Action]] = {}


def register_action(cls: type[A]) -> type[A]:
    """Register ``cls`` under its ``kind`` default (usable as a class decorator).
    Raises TypeError when ``cls`` has no string ``kind`` default, ValueError when another
    class already holds that kind. Registering the same class twice is harmless."""
    kind = cls.model_fields["kind"].default
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{cls.__name__} needs a default for its kind Literal")
    existing = _REGISTRY.get(kind)
    if existing is not None and existing is not cls:
        raise ValueError(f"action kind {kind!r} is already registered by {existing.__name__}")
    _REGISTRY[kind] = cls
    return cls


def unregister_action(kind: str) -> None:
    """Forget ``kind`` (tests that register a toy action clean up with this)."""
    _REGISTRY.pop(kind, None)


def registered_kinds() -> frozenset[str]:
    """Every action kind that validates now. A flow's kinds are registered when its module is
    imported: importing :mod:`chalicelib.conversation.flows` (as the engine does) loads all."""
    return frozenset(_REGISTRY)


def _action_type(kind: str) -> type[Action] | None:
    return _REGISTRY.get(kind)


def _validate_action(value: object) -> Action:
    if isinstance(value, Action):
        if _action_type(value.kind) is not type(value):
            raise ValueError(f"action kind {value.kind!r} is not registered")
        return value
    if not isinstance(value, dict):
        raise ValueError("an action is an object with a kind")
    kind = value.get("kind")
    cls = _action_type(kind) if isinstance(kind, str) else None
    if cls is None:
        # A flow's kinds exist once its module is imported (chalicelib.conversation.flows).
        raise ValueError(f"unknown action kind {kind!r}")
    return cls.model_validate(value)


def _dump_action(value: Action, info: SerializationInfo) -> dict[str, Any]:
    return value.model_dump(mode=info.mode)


AnyAction = Annotated[
    Action,
    PlainValidator(_validate_action),
    PlainSerializer(_dump_action, when_used="always"),
]
"""Any registered action: validates by ``kind``, dumps every field of the concrete class."""


# --- Global actions (not owned by one flow) -----------------------------------------------------


@register_action
class GrantConsent(Action):
    """Record that the citizen agreed to the personal-data notice ``notice_version`` at ``at``."""

    kind: Literal["grant_consent"] = "grant_consent"
    notice_version: str


@register_action
class WithdrawConsent(Action):
    """Record that the citizen withdrew consent: collect nothing personal from now on."""

    kind: Literal["withdraw_consent"] = "withdraw_consent"


@register_action
class DeleteMyData(Action):
    """A data-subject erasure request (Luật 91/2025/QH15): answer within 2 working days.
    Dossiers themselves stay archived as the records law requires."""

    kind: Literal["delete_my_data"] = "delete_my_data"


@register_action
class RecordUnfollow(Action):
    """The citizen unfollowed the OA: stop free-form messages, keep what the law requires."""

    kind: Literal["record_unfollow"] = "record_unfollow"
