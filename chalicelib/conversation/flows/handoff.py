"""A live conversation with an officer ("Gặp cán bộ", issue 14).

Starting the flow opens a conversation in the officer inbox (the ``open_live`` effect: the
conversation item and a pointer on the citizen). From then on the engine does not see the
citizen's messages: the processor finds the pointer in the Query it makes for every event and
asks :func:`route_live` instead, which forwards texts, locations and files (``forward_live_file``
effect, the same document checks as dossiers) and stays silent, except:

- outside office hours the citizen is told once per off-hours period when someone will
  answer (the period is named by its end, :meth:`OfficeHours.next_opening`);
- "kết thúc" (or "ket thuc", "thoát", "hủy", "menu", typed alone, any case and diacritics)
  or a tap on one of the bot's buttons ends the conversation (``close_live``) and the engine
  takes the message as usual ("kết thúc" shows the menu);
- after ``idle`` (24 hours) without activity from either side the conversation has ended:
  the next message closes it (``close_live``, reason ``idle``), says so and goes to the engine.

Officers answer and close through the integration API (:mod:`chalicelib.api.integration.live`);
their replies go out through the outbox.

Pure, like every flow: time is the turn's, office hours are handed in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action, register_action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import Context, Flow
from chalicelib.conversation.intents import Phrases, Understanding
from chalicelib.conversation.model import Button, Reply, Turn
from chalicelib.domain.calendar import LOCAL_TZ
from chalicelib.domain.office_hours import OfficeHours
from chalicelib.domain.vietnamese import fold

HANDOFF = "handoff"
END_COMMAND = "live"
END_BUTTON = Button(title=texts.BTN_END_LIVE, payload=commands.build(END_COMMAND, "end"))
# Typed alone (folded, punctuation ignored), these end the conversation; inside a sentence they
# are forwarded like any other words.
_CLOSING_WORDS = frozenset(
    {
        "ket thuc",
        "ketthuc",
        "ket thuc tro chuyen",
        "ket thuc cuoc tro chuyen",
        "ket thuc chat",
        "thoat",
        "huy",
        "menu",
        "menu chinh",
        "end",
        "exit",
        "stop",
    }
)


@register_action
class OpenLive(Action):
    """Open the live conversation ``ref`` in the officer inbox and point the citizen at it."""

    kind: Literal["open_live"] = "open_live"
    ref: str


@register_action
class CloseLive(Action):
    """Close the live conversation ``ref`` and lift the citizen's pointer (``reason``: the
    citizen ended it, or it was idle too long)."""

    kind: Literal["close_live"] = "close_live"
    ref: str
    reason: Literal["citizen", "idle"]


@register_action
class ForwardLiveFile(Action):
    """Fetch a file the citizen sent during the conversation ``ref``, check it like a dossier
    document and store it as the message ``message_id`` (exactly once per message id)."""

    kind: Literal["forward_live_file"] = "forward_live_file"
    ref: str
    message_id: str
    url: str
    declared_type: str = ""
    name: str = ""


def live_ref(user_id: str, at: datetime) -> str:
    """The conversation's reference officers see: ``L<local YYMMDD>-<8 hex>``, derived from the
    citizen and the moment (a decided plan keeps it)."""
    digest = hashlib.sha256(f"{user_id}|{at.isoformat()}".encode()).hexdigest()[:8]
    return f"L{at.astimezone(LOCAL_TZ):%y%m%d}-{digest}"


def message_id(user_id: str, at: datetime, what: str) -> str:
    """A message's id within its conversation, derived from the turn (same turn, same id)."""
    return hashlib.sha256(f"{user_id}|{at.isoformat()}|{what}".encode()).hexdigest()[:16]


class HandoffFlow(Flow):
    """ "Gặp cán bộ": opens the conversation at once; the rest happens in :func:`route_live`."""

    name = HANDOFF
    title = texts.HANDOFF_TITLE
    menu_title = texts.BTN_HANDOFF
    menu_rank = 60
    needs_consent = True  # the conversation keeps what the citizen writes and sends
    commands = frozenset({END_COMMAND})
    # fmt: off
    phrases = (
        Phrases(HANDOFF, False, (
            "gap can bo", "gap can bo tu van", "noi chuyen voi can bo", "noi chuyen voi nguoi",
            "noi chuyen voi nguoi that", "gap nguoi that", "tu van vien", "can bo tu van",
            "gap tu van vien", "chat voi can bo", "lien he can bo", "gap nhan vien",
            "noi chuyen voi nhan vien", "nhan vien tu van", "ket noi can bo",
            "muon gap can bo", "cho gap can bo", "tro chuyen voi can bo")),
    )
    # fmt: on

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        ctx.end()
        ref = live_ref(ctx.turn.user_id, ctx.turn.now)
        ctx.actions.append(OpenLive(at=ctx.turn.now, ref=ref))
        ctx.say(texts.live_opened(), [END_BUTTON])

    def on_command(self, ctx: Context, command: Command) -> None:
        """``#live:end`` with no conversation open (it ended already)."""
        ctx.end()
        ctx.menu(texts.LIVE_NOT_OPEN)


# --- While a conversation is open --------------------------------------------------------------


class LiveView(BaseModel):
    """The citizen's open conversation as the router needs it (from the user's pointer)."""

    model_config = ConfigDict(frozen=True)

    ref: str
    last_activity_at: AwareDatetime
    away_until: str | None = None


class ForwardedText(BaseModel):
    """A text or a location to store in the conversation with the plan."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class LiveTurn:
    """What a turn does to an open conversation.

    ``lifted`` None: the conversation goes on; store ``message``, perform ``actions`` (files),
    send ``replies`` (none, or the away message), remember ``away_until``. ``lifted`` set: the
    conversation ends (``actions`` holds the ``close_live``); ``replies`` say so, and the
    engine then handles ``engine_text`` (or the turn as it is, when None)."""

    lifted: Literal["citizen", "idle"] | None = None
    actions: list[Action] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    message: ForwardedText | None = None
    away_until: str | None = None
    engine_text: str | None = None


def _closing(text: str) -> bool:
    folded = " ".join(fold(text).replace(".", " ").replace("!", " ").split())
    return folded in _CLOSING_WORDS


def route_live(
    turn: Turn,
    live: LiveView,
    *,
    hours: OfficeHours,
    idle: timedelta,
    command_names: frozenset[str],
) -> LiveTurn | None:
    """The turn of a citizen whose conversation ``live`` is open; None when the engine should
    take the turn as usual with the conversation left open (an unfollow). ``command_names``:
    the payload names of the bot's buttons (the flow registry's), whose tap ends it."""
    if turn.kind == "unfollow":
        return None
    close_reply = Reply(text=texts.LIVE_ENDED_BY_CITIZEN)
    if turn.now - live.last_activity_at > idle:
        return LiveTurn(
            lifted="idle",
            actions=[CloseLive(at=turn.now, ref=live.ref, reason="idle")],
            replies=[Reply(text=texts.LIVE_ENDED_IDLE)],
        )
    # Text, or the words of another message kind (a link's): forwarded as they are.
    text = (turn.text or "").strip() if turn.kind in ("text", "other") else ""
    command = commands.parse(text, command_names) if text.startswith("#") else None
    if command is not None:
        # A tap on one of the bot's buttons (or its payload typed): the citizen left the chat.
        to_engine = commands.build("menu") if command.name == END_COMMAND else text
        return LiveTurn(
            lifted="citizen",
            actions=[CloseLive(at=turn.now, ref=live.ref, reason="citizen")],
            replies=[close_reply],
            engine_text=to_engine,
        )
    if text and _closing(text):
        return LiveTurn(
            lifted="citizen",
            actions=[CloseLive(at=turn.now, ref=live.ref, reason="citizen")],
            replies=[close_reply],
            engine_text=commands.build("menu"),
        )
    routed = LiveTurn()
    if text:
        routed.message = ForwardedText(id=message_id(turn.user_id, turn.now, "text"), text=text)
    elif turn.kind == "location" and turn.location is not None:
        routed.message = ForwardedText(
            id=message_id(turn.user_id, turn.now, "location"),
            latitude=turn.location.latitude,
            longitude=turn.location.longitude,
        )
    elif turn.kind in ("image", "file"):
        for index, attachment in enumerate(turn.attachments):
            if attachment.url:
                routed.actions.append(
                    ForwardLiveFile(
                        at=turn.now,
                        ref=live.ref,
                        message_id=message_id(turn.user_id, turn.now, f"file{index}"),
                        url=attachment.url,
                        declared_type=attachment.type,
                        name=attachment.name or "",
                    )
                )
    forwarded = routed.message is not None or bool(routed.actions)
    if not forwarded:
        if turn.kind in ("follow", "chatnow"):
            return routed  # opening the chat window: nothing to forward, nothing to say
        routed.replies.append(Reply(text=texts.LIVE_CONTENT_NOT_FORWARDED, buttons=[END_BUTTON]))
        return routed
    if not hours.is_open(turn.now):
        opening = hours.next_opening(turn.now)
        period = opening.isoformat()
        if live.away_until != period:
            routed.away_until = period
            routed.replies.append(
                Reply(text=texts.live_away(opening, turn.now), buttons=[END_BUTTON])
            )
    return routed


def away_period(hours: OfficeHours, at: datetime) -> str | None:
    """The off-hours period ``at`` falls in (its end, ISO), or None during office hours: the
    ``open_live`` effect records it so the first message does not repeat the away notice."""
    if hours.is_open(at):
        return None
    return hours.next_opening(at).isoformat()
