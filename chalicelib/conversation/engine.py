"""The conversation engine: ``handle(session, turn, lookups, settings) -> Outcome``.

Pure and deterministic: no I/O except through ``lookups``, no clock (time is ``turn.now``).
The processing layer loads the session and profile, calls :func:`handle`, performs the
returned actions, persists the returned session and sends the replies.

Order of concerns for each turn:

1. ``unfollow``: record it, say nothing.
2. An expired session (idle longer than ``settings.session_timeout`` mid-flow) is dropped and
   the first reply says so, naming what was dropped.
3. On a first interaction the personal-data notice is shown before the answer.
4. Global commands (cancel, menu, help) work from anywhere; then the active flow, if any,
   gets the message; then the message is routed by intent. Nothing ends in silence.

Flows are small classes registered in :func:`_flows` by name. A flow that needs personal data
sets ``needs_consent`` and the engine shows the consent notice instead of starting it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Protocol

from chalicelib.conversation import commands, texts
from chalicelib.conversation.commands import Command
from chalicelib.conversation.intents import Intent, Understanding, classify, find_dossier_code
from chalicelib.conversation.model import (
    Action,
    Button,
    DeleteMyData,
    EngineSettings,
    GrantConsent,
    LinkDossier,
    Lookups,
    Outcome,
    RecordUnfollow,
    Reply,
    Session,
    Turn,
    WithdrawConsent,
)
from chalicelib.conversation.replies import compose, page_buttons, short_title
from chalicelib.domain.vietnamese import fold

# Result buttons are shown full width by Zalo: long enough to tell procedures apart.
RESULT_TITLE_CHARS = 35
# Shorter free text is not worth a procedure search ("ok", "a").
_MIN_FREE_TEXT_QUERY = 4

MAIN_MENU: tuple[Button, ...] = (
    Button(title=texts.BTN_SUBMIT, payload=commands.build("flow", "submit")),
    Button(title=texts.BTN_DOSSIER, payload=commands.build("flow", "dossier")),
    Button(title=texts.BTN_PROCEDURES, payload=commands.build("flow", "procedures")),
    Button(title=texts.BTN_FEEDBACK, payload=commands.build("flow", "feedback")),
    Button(title=texts.BTN_POSTAL, payload=commands.build("flow", "postal")),
    Button(title=texts.BTN_MINE, payload=commands.build("flow", "mine")),
    Button(title=texts.BTN_HELP, payload=commands.build("help")),
)
MENUS: dict[str, tuple[Button, ...]] = {"menu": MAIN_MENU}

CONSENT_BUTTONS: tuple[Button, ...] = (
    Button(title=texts.BTN_AGREE, payload=commands.build("consent", "yes")),
    Button(title=texts.BTN_DECLINE, payload=commands.build("consent", "no")),
)
MENU_BUTTON = Button(title=texts.BTN_MENU, payload=commands.build("menu"))

SEARCH_PAGE = 5  # results fetched per page; 4 shown plus "Xem thêm" when more remain
_MAX_QUERY_CHARS = 200  # keeps "#page:procedures:<offset>:<query>" far below 1,000
_MAX_SHOWN_QUERY = 100


# --- Per-turn state ------------------------------------------------------------------------------


@dataclass
class Context:
    """Everything a flow may read or change during one turn."""

    turn: Turn
    lookups: Lookups
    settings: EngineSettings
    consented: bool
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    version: int = 0
    replies: list[Reply] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    notice_shown: bool = False

    # Saying things.
    def say(self, text: str, buttons: Sequence[Button] = ()) -> None:
        self.replies.extend(compose(text, buttons))

    def menu(self, lead: str | None = None) -> None:
        text = f"{lead}\n\n{texts.MENU_TEXT}" if lead else texts.MENU_TEXT
        self.say(text, page_buttons(MAIN_MENU, "menu", 0))

    def show_notice(self) -> None:
        s = self.settings
        self.say(texts.privacy_notice(s.centre_name, s.hotline))
        details = texts.privacy_notice_details(s.centre_name, s.hotline, s.data_region)
        self.say(details, CONSENT_BUTTONS)
        self.notice_shown = True

    def require_consent(self, title: str) -> None:
        """Explain why consent is needed; show the notice unless it is already on screen."""
        if self.notice_shown:
            self.say(texts.consent_needed(title), CONSENT_BUTTONS)
        else:
            self.say(texts.consent_needed(title))
            self.show_notice()

    # Moving between flows.
    def enter(self, flow: str, step: str, data: dict[str, Any] | None = None) -> None:
        if flow != self.flow:
            self.started_at = self.turn.now
        self.flow, self.step = flow, step
        self.data = dict(data or {})

    def end(self) -> None:
        self.flow = self.step = None
        self.data = {}
        self.started_at = None

    def title(self) -> str:
        return _title(self.flow, self.step)

    def outcome(self) -> Outcome:
        session = None
        if self.flow is not None:
            session = Session(
                flow=self.flow,
                step=self.step,
                data=self.data,
                started_at=self.started_at or self.turn.now,
                updated_at=self.turn.now,
                version=self.version,
            )
        return Outcome(session=session, replies=self.replies, actions=self.actions)


def _title(flow: str | None, step: str | None) -> str:
    if flow is None:
        return ""
    return texts.FLOW_TITLES.get(f"{flow}.{step}") or texts.FLOW_TITLES.get(flow, flow)


# --- Flows ---------------------------------------------------------------------------------------


class Flow(Protocol):
    name: str
    needs_consent: bool

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        """Begin (from a button with ``arg``, or from free text already ``understood``)."""
        ...

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        """Handle text while this flow waits in ``ctx.step``. False = not for this flow:
        the engine then routes the message by intent."""
        ...

    def prompt(self, ctx: Context) -> str:
        """The question the current step is waiting for (repeated after unusable input)."""
        ...


class ProcedureFlow:
    """Search the catalogue by keywords, page through results, show a details card."""

    name: ClassVar[str] = "procedures"
    needs_consent: ClassVar[bool] = False

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        if arg:
            self.show_card(ctx, arg)
        elif understood and understood.procedure_code:
            self.show_card(ctx, understood.procedure_code)
        elif understood and understood.intent is Intent.PROCEDURE_LOOKUP and understood.remainder:
            self.search(ctx, understood.remainder, 0, typed=ctx.turn.text)
        else:
            ctx.enter(self.name, "query")
            ctx.say(texts.ASK_PROCEDURE_QUERY)

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        if understood.intent not in (Intent.UNKNOWN, Intent.PROCEDURE_LOOKUP):
            return False
        if understood.procedure_code:
            self.show_card(ctx, understood.procedure_code)
        else:
            self.search(ctx, understood.remainder or fold(text), 0, typed=text)
        return True

    def prompt(self, ctx: Context) -> str:
        return texts.ASK_PROCEDURE_QUERY

    def search_if_found(self, ctx: Context, text: str) -> bool:
        """Free text nothing else understood is tried as words of a procedure's name (citizens
        often just type "giay phep xay dung"): True when results were found and shown."""
        query = fold(text)[:_MAX_QUERY_CHARS].strip()
        if len(query) < _MIN_FREE_TEXT_QUERY or not ctx.lookups.search_procedures(query, 0, 1).hits:
            return False
        self.search(ctx, query, 0, typed=text)
        return True

    def search(self, ctx: Context, query: str, offset: int, typed: str | None = None) -> None:
        """Results ``offset``.. for the folded ``query``; ``typed`` is what the citizen wrote
        (quoted back when nothing is found, since the folded form has no diacritics)."""
        query = fold(query)[:_MAX_QUERY_CHARS].strip()
        if not query:
            ctx.enter(self.name, "query")
            ctx.say(texts.ASK_PROCEDURE_QUERY)
            return
        page = ctx.lookups.search_procedures(query, offset, SEARCH_PAGE)
        hits = list(page.hits[:SEARCH_PAGE])
        if not hits:
            if offset > 0:
                ctx.end()
                ctx.menu(texts.NO_MORE_RESULTS)
            else:
                ctx.enter(self.name, "query")  # let the citizen try other words
                shown = " ".join((typed or query).split())[:_MAX_SHOWN_QUERY]
                ctx.say(texts.no_procedure_found(shown))
            return
        more = page.total > offset + len(hits) and len(hits) == SEARCH_PAGE
        if more:
            hits = hits[: SEARCH_PAGE - 1]
        buttons = [
            Button(
                title=short_title(
                    f"{offset + i}. {texts.procedure_short_name(hit.name)}", RESULT_TITLE_CHARS
                ),
                payload=commands.build("proc", hit.code),
            )
            for i, hit in enumerate(hits, 1)
        ]
        if more:
            next_page = commands.build("page", self.name, offset + len(hits), query)
            buttons.append(Button(title=texts.MORE_BUTTON, payload=next_page))
        ctx.end()  # paging and details are stateless: their payloads carry what they need
        ctx.say(texts.procedure_results(hits, offset, page.total), buttons)

    def show_card(self, ctx: Context, code: str) -> None:
        ctx.end()
        card = ctx.lookups.procedure_card(code)
        if card is None:
            ctx.menu(texts.procedure_not_found(code))
            return
        buttons = []
        if card.submit_in_zalo:
            payload = commands.build("flow", "submit", card.code)
            buttons.append(Button(title=texts.BTN_SUBMIT_HERE, payload=payload))
        buttons.append(
            Button(title=texts.BTN_OTHER_PROCEDURE, payload=commands.build("flow", self.name))
        )
        buttons.append(MENU_BUTTON)
        ctx.say(texts.procedure_card(card, ctx.settings.portal_url), buttons)


_PHONE = re.compile(r"^0[35789]\d{8}$")
_ID_NUMBER = re.compile(r"^(\d{12}|\d{9})$")  # căn cước; 9-digit CMND still in old records
_PROOF_NOISE = re.compile(r"[\s.\-()]")


def _parse_proof(text: str) -> tuple[str | None, str | None] | None:
    """(phone as E.164, id number) from what the citizen typed, or None if neither."""
    raw = _PROOF_NOISE.sub("", text)
    if raw.startswith("+84"):
        raw = "0" + raw[3:]
    elif raw.startswith("84") and len(raw) == 11:
        raw = "0" + raw[2:]
    if _PHONE.match(raw):
        return "+84" + raw[1:], None
    if _ID_NUMBER.match(raw):
        return None, raw
    return None


class DossierFlow:
    """Look a dossier up by code; optionally prove to be the applicant to see everything."""

    name: ClassVar[str] = "dossier"
    needs_consent: ClassVar[bool] = False  # the anonymous view is public; verify asks itself

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        code = find_dossier_code(arg) if arg else understood and understood.dossier_code
        if code:
            self.show(ctx, code)
        elif arg:
            ctx.enter(self.name, "code")
            ctx.say(texts.DOSSIER_CODE_INVALID)
        else:
            ctx.enter(self.name, "code")
            ctx.say(texts.ASK_DOSSIER_CODE)

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        if ctx.step == "verify":
            return self._on_proof(ctx, text, understood)
        if understood.dossier_code:
            self.show(ctx, understood.dossier_code)
            return True
        if understood.intent is not Intent.UNKNOWN:
            return False
        ctx.enter(self.name, "code")
        ctx.say(texts.DOSSIER_CODE_INVALID)
        return True

    def prompt(self, ctx: Context) -> str:
        if ctx.step == "verify":
            return texts.ask_applicant_proof(ctx.data.get("code", ""))
        return texts.ASK_DOSSIER_CODE

    def show(self, ctx: Context, code: str) -> None:
        view = ctx.lookups.dossier_by_code(code, ctx.turn.user_id)
        if view is None:
            ctx.enter(self.name, "code")
            ctx.say(texts.dossier_not_found(code))
            return
        ctx.end()
        if view.is_owner:
            ctx.say(texts.dossier_owner(view, ctx.settings.hotline), [MENU_BUTTON])
        else:
            verify = Button(title=texts.BTN_VERIFY, payload=commands.build("verify", view.code))
            ctx.say(texts.dossier_public(view), [verify, MENU_BUTTON])

    def begin_verify(self, ctx: Context, code: str) -> None:
        ctx.enter(self.name, "verify", {"code": code, "attempts": 0})
        ctx.say(texts.ask_applicant_proof(code))

    def _on_proof(self, ctx: Context, text: str, understood: Understanding) -> bool:
        proof = _parse_proof(text)
        if proof is None:
            if understood.intent is not Intent.UNKNOWN:
                return False
            ctx.say(texts.APPLICANT_PROOF_INVALID)
            return True
        code = str(ctx.data.get("code", ""))
        phone, id_number = proof
        view = ctx.lookups.confirm_applicant(
            code, ctx.turn.user_id, phone=phone, id_number=id_number
        )
        if view is not None:
            ctx.end()
            ctx.actions.append(LinkDossier(at=ctx.turn.now, code=view.code))
            ctx.say(texts.APPLICANT_CONFIRMED)
            owner_view = view.model_copy(update={"is_owner": True})
            ctx.say(texts.dossier_owner(owner_view, ctx.settings.hotline), [MENU_BUTTON])
            return True
        attempts = int(ctx.data.get("attempts", 0)) + 1
        left = ctx.settings.max_applicant_attempts - attempts
        if left <= 0:
            ctx.end()
            ctx.say(texts.applicant_locked(ctx.settings.hotline), [MENU_BUTTON])
        else:
            ctx.data["attempts"] = attempts
            ctx.say(texts.applicant_mismatch(left))
        return True


class MyDossiersFlow:
    """List the dossiers linked to this Zalo user."""

    name: ClassVar[str] = "mine"
    needs_consent: ClassVar[bool] = True

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        ctx.end()
        limit = ctx.settings.my_dossiers_limit
        views = ctx.lookups.dossiers_of(ctx.turn.user_id, limit)[:limit]
        if not views:
            lookup = Button(title=texts.BTN_DOSSIER, payload=commands.build("flow", "dossier"))
            ctx.say(texts.MY_DOSSIERS_EMPTY, [lookup, MENU_BUTTON])
            return
        buttons = [
            Button(title=texts.dossier_button(i), payload=commands.build("dossier", view.code))
            for i, view in enumerate(views, 1)
        ]
        ctx.say(texts.my_dossiers(views), buttons)

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        return False

    def prompt(self, ctx: Context) -> str:
        return texts.MENU_TEXT


@dataclass(frozen=True)
class UnavailableFlow:
    """An honest placeholder for a capability not built yet: says so, points to the national
    portal and the hotline, collects nothing (hence no consent needed). Replaced by a real
    flow module when the capability lands."""

    name: str
    message: Callable[[str, str], str]
    needs_consent: bool = False

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        ctx.end()
        ctx.menu(self.message(ctx.settings.portal_url, ctx.settings.hotline))

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        return False

    def prompt(self, ctx: Context) -> str:
        return texts.MENU_TEXT


@cache
def _flows() -> dict[str, Flow]:
    """The flow table. Built on first use (cold-start friendly); a new capability is one
    module with a Flow class plus one line here."""
    return {
        "procedures": ProcedureFlow(),
        "dossier": DossierFlow(),
        "mine": MyDossiersFlow(),
        "submit": UnavailableFlow("submit", texts.submission_unavailable),
        "feedback": UnavailableFlow("feedback", texts.feedback_unavailable),
        "postal": UnavailableFlow("postal", texts.postal_unavailable),
    }


_INTENT_FLOWS = {
    Intent.PROCEDURE_LOOKUP: "procedures",
    Intent.DOSSIER_LOOKUP: "dossier",
    Intent.MY_DOSSIERS: "mine",
    Intent.SUBMIT: "submit",
    Intent.FEEDBACK: "feedback",
    Intent.POSTAL: "postal",
}


# --- The entry point -----------------------------------------------------------------------------


def handle(
    session: Session | None, turn: Turn, lookups: Lookups, settings: EngineSettings
) -> Outcome:
    """Handle one turn. Deterministic for given inputs; never returns an empty reply list
    except for ``unfollow``. Exceptions from ``lookups`` propagate unchanged (the caller sends
    :func:`texts.request_failed`); no partial outcome is produced."""
    if turn.kind == "unfollow":
        return Outcome(session=None, replies=[], actions=[RecordUnfollow(at=turn.now)])

    ctx = Context(turn=turn, lookups=lookups, settings=settings, consented=turn.consented)
    if session is not None:
        ctx.version = session.version
        if session.flow is not None:
            if turn.now - session.updated_at > settings.session_timeout:
                minutes = int(settings.session_timeout.total_seconds() // 60)
                ctx.say(texts.session_expired(_title(session.flow, session.step), minutes))
            else:
                ctx.flow, ctx.step = session.flow, session.step
                ctx.data = dict(session.data)
                ctx.started_at = session.started_at
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
    else:
        if notice_due:
            ctx.show_notice()
        _on_other(ctx)
    return ctx.outcome()


def _on_text(ctx: Context, text: str, notice_due: bool) -> None:
    command = commands.parse(text)
    understood = None if command else classify(text)
    if notice_due and not _is_consent_answer(command, understood):
        ctx.show_notice()
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
    else:
        flow = _flows().get(ctx.flow) if ctx.flow else None
        if flow is not None and flow.on_text(ctx, text, understood):
            return
        _route(ctx, understood)


def _is_consent_answer(command: Command | None, understood: Understanding | None) -> bool:
    if command is not None:
        return command.name == "consent"
    return understood is not None and understood.intent in (Intent.AGREE, Intent.DECLINE)


def _route(ctx: Context, understood: Understanding) -> None:
    intent = understood.intent
    ctx.end()
    if intent in _INTENT_FLOWS:
        _start_flow(ctx, _INTENT_FLOWS[intent], None, understood)
    elif intent is Intent.AGREE:
        _grant(ctx)
    elif intent is Intent.DECLINE:
        _decline(ctx)
    elif intent is Intent.DELETE_MY_DATA:
        _confirm_erase(ctx)
    elif intent is Intent.GREETING:
        ctx.say(texts.greeting(ctx.settings.centre_name))
        ctx.menu()
    elif intent is Intent.THANKS:
        ctx.say(texts.YOU_ARE_WELCOME)
    elif not _procedures().search_if_found(ctx, ctx.turn.text or ""):
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
    elif name == "consent":
        answer = (command.arg(0) or "").lower()
        if answer == "yes":
            _grant(ctx)
        elif answer == "no":
            _decline(ctx)
        else:
            ctx.menu(texts.NOT_UNDERSTOOD)
    elif name == "flow" and command.arg(0) in _flows():
        _start_flow(ctx, command.arg(0) or "", command.arg(1), None)
    elif name == "proc" and command.arg(0):
        _procedures().show_card(ctx, command.arg(0) or "")
    elif name == "page" and command.arg(0) == "procedures":
        offset = _int(command.arg(1))
        _procedures().search(ctx, command.arg(2) or "", offset)
    elif name == "dossier":
        _dossiers().start(ctx, command.arg(0) or "", None)
    elif name == "verify":
        _verify(ctx, command.arg(0))
    elif name == "erase":
        if (command.arg(0) or "").lower() == "yes":
            ctx.end()
            ctx.actions.append(DeleteMyData(at=ctx.turn.now))
            ctx.menu(texts.ERASE_RECEIVED)
        else:
            ctx.menu(texts.ERASE_KEPT)
    else:
        ctx.end()
        ctx.menu(texts.NOT_UNDERSTOOD)


def _on_other(ctx: Context) -> None:
    """Empty text, images, files, locations, stickers, info cards: no flow uses them yet."""
    kind = ctx.turn.kind
    if kind == "text":  # empty text
        text = texts.NOT_UNDERSTOOD
    elif kind in ("image", "file", "location"):
        text = texts.attachment_not_used(kind)
    else:
        text = texts.OTHER_MESSAGE
    if ctx.flow is not None:
        flow = _flows().get(ctx.flow)
        if flow is not None:
            ctx.say(f"{text}\n{flow.prompt(ctx)}")
            ctx.enter(ctx.flow, ctx.step or "", ctx.data)  # keep waiting, refresh the timer
            return
    ctx.end()
    ctx.menu(text)


def _start_flow(ctx: Context, name: str, arg: str | None, understood: Understanding | None) -> None:
    flow = _flows()[name]
    if flow.needs_consent and not ctx.consented:
        ctx.end()
        ctx.require_consent(_title(name, None))
        return
    flow.start(ctx, arg, understood)


def _verify(ctx: Context, arg: str | None) -> None:
    code = find_dossier_code(arg) if arg else None
    if code is None:
        _dossiers().start(ctx, None, None)
        return
    if not ctx.consented:
        ctx.end()
        ctx.require_consent(_title("dossier", "verify"))
        return
    _dossiers().begin_verify(ctx, code)


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
    ctx.say(lead, page_buttons(MAIN_MENU, "menu", 0))


def _more(ctx: Context, command: Command) -> None:
    buttons = MENUS.get(command.arg(0) or "")
    page = _int(command.arg(1), default=1)
    shown = page_buttons(buttons, command.arg(0) or "", page) if buttons else []
    if shown:
        ctx.say(texts.MORE_OPTIONS, shown)
    else:
        ctx.menu()


def _grant(ctx: Context) -> None:
    if ctx.consented:
        ctx.menu(texts.CONSENT_ALREADY)
        return
    ctx.consented = True
    ctx.actions.append(GrantConsent(at=ctx.turn.now, notice_version=texts.PRIVACY_NOTICE_VERSION))
    ctx.menu(texts.CONSENT_THANKS)


def _decline(ctx: Context) -> None:
    ctx.end()
    if ctx.consented:
        ctx.consented = False
        ctx.actions.append(WithdrawConsent(at=ctx.turn.now))
        ctx.menu(texts.CONSENT_WITHDRAWN)
    else:
        ctx.menu(texts.CONSENT_DECLINED)


def _confirm_erase(ctx: Context) -> None:
    ctx.say(
        texts.ERASE_CONFIRM,
        [
            Button(title=texts.BTN_ERASE_CONFIRM, payload=commands.build("erase", "yes")),
            Button(title=texts.BTN_ERASE_KEEP, payload=commands.build("erase", "no")),
        ],
    )


def _procedures() -> ProcedureFlow:
    flow = _flows()["procedures"]
    assert isinstance(flow, ProcedureFlow)
    return flow


def _dossiers() -> DossierFlow:
    flow = _flows()["dossier"]
    assert isinstance(flow, DossierFlow)
    return flow


def _int(value: str | None, default: int = 0) -> int:
    try:
        return max(0, int(value or default))
    except ValueError:
        return default
