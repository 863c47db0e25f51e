"""The conversation engine: ``handle(session, turn, lookups, settings) -> Outcome``.

Pure and deterministic: no I/O except through ``lookups``, no clock (time is ``turn.now``).
The processing layer loads the session and profile, calls :func:`handle`, performs the
returned actions, persists the returned session and sends the replies.

The engine keeps only what is global; everything else belongs to a flow
(:mod:`chalicelib.conversation.flows`, gathered in a :class:`FlowRegistry`). Each turn:

1. ``unfollow``: record it, say nothing.
2. An expired session (idle longer than ``settings.session_timeout`` mid-flow) is dropped and
   the first reply says so, naming what was dropped.
3. On a first interaction the greeting and the personal-data notice come first; a request
   typed then (or one that needs consent later) waits in the session and goes on after
   "Đồng ý" (:meth:`Context.hold_for_consent`, the privacy flow sets ``ctx.resume``).
4. Global commands (cancel, menu, help, more, ``#flow:<name>``) work from anywhere; another
   command goes to the flow that declares it. Free text goes to the active flow, if any, then
   is routed by intent to the flow that owns the intent. Photos, files, a location and
   submitted user info go to the active flow's handler. Nothing ends in silence.

A flow that needs personal data sets ``needs_consent`` and the engine shows the consent
notice instead of starting it.
"""

from __future__ import annotations

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import RecordUnfollow
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MAIN_MENU, Context, Flow, FlowRegistry
from chalicelib.conversation.flows import default_flows
from chalicelib.conversation.intents import Intent, Understanding
from chalicelib.conversation.model import EngineSettings, Lookups, Outcome, Session, Turn
from chalicelib.conversation.replies import page_buttons
from chalicelib.domain.vietnamese import fold


def handle(
    session: Session | None,
    turn: Turn,
    lookups: Lookups,
    settings: EngineSettings,
    flows: FlowRegistry | None = None,
) -> Outcome:
    """Handle one turn with ``flows`` (default: :func:`default_flows`). Deterministic for
    given inputs; never returns an empty reply list except for ``unfollow``. Exceptions from
    ``lookups`` propagate unchanged (the caller sends :func:`texts.request_failed`); no
    partial outcome is produced."""
    if turn.kind == "unfollow":
        return Outcome(session=None, replies=[], actions=[RecordUnfollow(at=turn.now)])

    registry = flows or default_flows()
    ctx = Context(
        turn=turn, lookups=lookups, settings=settings, flows=registry, consented=turn.consented
    )
    if session is not None:
        ctx.version = session.version
        if session.flow is not None:
            if turn.now - session.updated_at > settings.session_timeout:
                minutes = int(settings.session_timeout.total_seconds() // 60)
                title = registry.title(session.flow, session.step)
                ctx.say(texts.session_expired(title, minutes))
            else:
                ctx.flow, ctx.step = session.flow, session.step
                ctx.data = dict(session.data)
                ctx.started_at = session.started_at
    if ctx.flow is None and turn.awaiting and turn.kind in ("text", "image", "file"):
        name, _, arg = turn.awaiting.partition(":")
        waiting = registry.get(name)
        if waiting is not None and arg:
            waiting.resume(ctx, arg)  # the back office asked: this message is the answer
    notice_due = turn.first_interaction and not turn.consented

    if turn.kind in ("follow", "chatnow"):
        lead = texts.stopped(ctx.title()) if ctx.flow else None
        ctx.end()
        ctx.say(texts.greeting(settings.centre_name))
        if notice_due:
            ctx.show_notice()
        ctx.menu(lead)
    elif turn.kind == "text" and turn.text and turn.text.strip():
        _on_text(ctx, turn.text, notice_due)
        if ctx.resume is not None:  # "Đồng ý" to a notice that interrupted a request
            pending, ctx.resume = ctx.resume, None
            _on_text(ctx, pending, False)
    else:
        if notice_due:
            ctx.show_notice()
        _on_content(ctx)
    return ctx.outcome()


def _on_text(ctx: Context, text: str, notice_due: bool) -> None:
    command = commands.parse(text, ctx.flows.command_names)
    understood = None if command else ctx.flows.classify(text)
    if notice_due and not _is_consent_answer(command, understood):
        # First words: the greeting, then the notice; the request waits for the answer.
        ctx.end()
        ctx.say(texts.greeting(ctx.settings.centre_name))
        ctx.show_notice()
        small_talk = understood is not None and understood.intent in (
            Intent.GREETING,
            Intent.THANKS,
        )
        if not small_talk:
            ctx.hold_for_consent()
        return
    if command is not None:
        _on_command(ctx, command)
        return
    assert understood is not None
    intent = understood.intent
    if intent is Intent.CANCEL:
        _cancel(ctx)
    elif intent is Intent.MENU:
        _menu(ctx)
    elif intent is Intent.HELP:
        _help(ctx)
    elif ctx.flow is None and fold(text).strip(" .!?") in MORE_PHRASES:
        # The "Xem thêm" button's title typed instead of tapped: the main menu's next page.
        more = commands.parse(commands.build("more", MAIN_MENU, 1), ("more",))
        assert more is not None
        _more(ctx, more)
    else:
        flow = ctx.flows.get(ctx.flow)
        if flow is not None and flow.on_text(ctx, text, understood):
            return
        _route(ctx, understood)


# Typed (folded) forms of the main menu's "Xem thêm" button outside any flow.
MORE_PHRASES = frozenset({"xem them", "cac muc khac", "muc khac", "them muc", "xem them muc"})


def _is_consent_answer(command: Command | None, understood: Understanding | None) -> bool:
    """An answer to the notice itself: the notice is not shown again in front of it."""
    if command is not None:
        return command.name == "consent"
    return understood is not None and understood.intent in (Intent.AGREE, Intent.DECLINE)


def _route(ctx: Context, understood: Understanding) -> None:
    ctx.end()
    flow = ctx.flows.for_intent(understood.intent)
    if flow is not None:
        _start(ctx, flow, None, understood)
    elif understood.intent is Intent.GREETING:
        ctx.say(texts.greeting(ctx.settings.centre_name))
        ctx.menu()
    elif understood.intent is Intent.THANKS:
        ctx.say(texts.YOU_ARE_WELCOME)
    elif not ctx.flows.free_text(ctx, ctx.turn.text or ""):
        ctx.menu(texts.NOT_UNDERSTOOD)


def _on_command(ctx: Context, command: Command) -> None:
    name = command.name
    if name == "menu":
        _menu(ctx)
    elif name == "help":
        _help(ctx)
    elif name == "cancel":
        _cancel(ctx)
    elif name == "more":
        _more(ctx, command)
    elif name == "flow":
        flow = ctx.flows.get(command.arg(0))
        if flow is None:
            ctx.not_understood()
        else:
            _start(ctx, flow, command.arg(1), None)
    else:
        owner = ctx.flows.for_command(name)
        if owner is None:  # parse() only knows registered names; kept for safety
            ctx.not_understood()
        else:
            owner.on_command(ctx, command)


def _on_content(ctx: Context) -> None:
    """Empty text, photos, files, a location, submitted user info, stickers: the active flow
    decides; without one the citizen hears why it is not used, with the menu."""
    flow = ctx.flows.get(ctx.flow)
    if flow is None:
        text = ctx.unusable_input()
        ctx.end()
        ctx.menu(text)
        return
    turn = ctx.turn
    if turn.kind in ("image", "file"):
        flow.on_attachments(ctx, turn.attachments)
    elif turn.kind == "location":
        flow.on_location(ctx, turn.location)
    elif turn.kind == "submit_info":
        flow.on_user_info(ctx, turn.user_info)
    else:
        flow.ask_again(ctx)


def _start(ctx: Context, flow: Flow, arg: str | None, understood: Understanding | None) -> None:
    if flow.needs_consent and not ctx.consented:
        ctx.end()
        ctx.require_consent(flow.title_of(None))
        return
    flow.start(ctx, arg, understood)


def _cancel(ctx: Context) -> None:
    if ctx.flow is None:
        ctx.menu(texts.NOTHING_TO_CANCEL)
        return
    title = ctx.title()
    ctx.end()
    ctx.menu(texts.cancelled(title))


def _menu(ctx: Context) -> None:
    lead = texts.stopped(ctx.title()) if ctx.flow else None
    ctx.end()
    ctx.menu(lead)


def _help(ctx: Context) -> None:
    help_text = texts.help_text(ctx.settings.hotline, ctx.settings.portal_url)
    lead = f"{texts.stopped(ctx.title())}\n\n{help_text}" if ctx.flow else help_text
    ctx.end()
    ctx.say(lead, page_buttons(ctx.flows.menu, MAIN_MENU, 0))


def _more(ctx: Context, command: Command) -> None:
    """``#more:<menu>:<page>``: the main menu is the one menu long enough to page."""
    page = _int(command.arg(1), default=1)
    shown = page_buttons(ctx.flows.menu, MAIN_MENU, page) if command.arg(0) == MAIN_MENU else []
    if shown:
        ctx.say(texts.MORE_OPTIONS, shown)
    else:
        ctx.menu()


def _int(value: str | None, default: int = 0) -> int:
    try:
        return max(0, int(value or default))
    except ValueError:
        return default
