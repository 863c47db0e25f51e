"""What a conversation flow is, the per-turn context it works on, and the registry of flows.

A flow is one module under :mod:`chalicelib.conversation.flows` with one :class:`Flow`
subclass. It declares its name, title, menu entry, the phrases and commands that start it and
whether it needs consent; it overrides only the handlers it needs (text, commands,
attachments, a location, submitted user info), the others answer sensibly by default.

:class:`FlowRegistry` derives everything the engine used to keep in tables (the main menu,
intent -> flow, command -> flow, titles, the phrase table of the classifier) from its flows,
and refuses two flows claiming the same name, intent or command.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.intents import (
    GLOBAL_PHRASES,
    Classifier,
    Phrases,
    Understanding,
    find_dossier_code,
)
from chalicelib.conversation.model import (
    Attachment,
    Button,
    DossierView,
    EngineSettings,
    Location,
    Lookups,
    Outcome,
    Reply,
    Session,
    Turn,
    UserInfo,
)
from chalicelib.conversation.replies import compose, page_buttons

MAIN_MENU = "menu"  # the menu's name in "#more:<menu>:<page>"
HELP_BUTTON = Button(title=texts.BTN_HELP, payload=commands.build("help"))
MENU_BUTTON = Button(title=texts.BTN_MENU, payload=commands.build("menu"))
PRIVACY_FLOW, CONSENT_STEP = "privacy", "consent"  # where a request waits for the answer
CONSENT_BUTTONS: tuple[Button, ...] = (
    Button(title=texts.BTN_AGREE, payload=commands.build("consent", "yes")),
    Button(title=texts.BTN_DECLINE, payload=commands.build("consent", "no")),
)


# --- Per-turn state ------------------------------------------------------------------------------


@dataclass
class Context:
    """Everything a flow may read or change during one turn."""

    turn: Turn
    lookups: Lookups
    settings: EngineSettings
    flows: FlowRegistry
    consented: bool
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    version: int = 0
    replies: list[Reply] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    notice_shown: bool = False
    resume: str | None = None  # a request the notice interrupted, to run after "Đồng ý"

    # Saying things.
    def say(self, text: str, buttons: Sequence[Button] = ()) -> None:
        self.replies.extend(compose(text, buttons))

    def menu(self, lead: str | None = None) -> None:
        text = f"{lead}\n\n{texts.MENU_TEXT}" if lead else texts.MENU_TEXT
        self.say(text, page_buttons(self.flows.menu, MAIN_MENU, 0))

    def not_understood(self) -> None:
        self.end()
        self.menu(texts.NOT_UNDERSTOOD)

    def show_notice(self) -> None:
        s = self.settings
        self.say(texts.privacy_notice(s.centre_name, s.hotline))
        details = texts.privacy_notice_details(s.centre_name, s.hotline, s.data_region)
        self.say(details, CONSENT_BUTTONS)
        self.notice_shown = True

    def require_consent(self, title: str) -> None:
        """Explain why consent is needed; show the notice unless it is already on screen.
        The request is remembered and goes on after "Đồng ý" (:meth:`hold_for_consent`)."""
        if self.notice_shown:
            self.say(texts.consent_needed(title), CONSENT_BUTTONS)
        else:
            self.say(texts.consent_needed(title))
            self.show_notice()
        self.hold_for_consent()

    def hold_for_consent(self) -> None:
        """Remember this turn's text (a message or a button's command) in the session while
        the notice waits for an answer; the privacy flow runs it after "Đồng ý"."""
        text = self.turn.text if self.turn.kind == "text" else None
        if text and text.strip():
            self.enter(PRIVACY_FLOW, CONSENT_STEP, {"pending": text})

    def own_dossiers(self, keep: Callable[[DossierView], bool]) -> list[DossierView]:
        """The citizen's own dossiers (newest first, as "Hồ sơ của tôi" lists them) that
        ``keep`` accepts: the candidates a flow acting on one of them offers as buttons."""
        views = self.lookups.dossiers_of(self.turn.user_id, self.settings.my_dossiers_limit)
        return [view for view in views if keep(view)]

    def unusable_input(self) -> str:
        """Why this turn's content cannot be used (empty text, a photo, a file, a location,
        a sticker or an information card where nothing takes one)."""
        kind = self.turn.kind
        if kind == "text":  # empty text
            return texts.NOT_UNDERSTOOD
        if kind in ("image", "file", "location"):
            return texts.attachment_not_used(kind)
        return texts.OTHER_MESSAGE

    # Moving between flows.
    def enter(self, flow: str, step: str, data: Mapping[str, Any] | None = None) -> None:
        if flow != self.flow:
            self.started_at = self.turn.now
        self.flow, self.step = flow, step
        self.data = dict(data or {})

    def end(self) -> None:
        self.flow = self.step = None
        self.data = {}
        self.started_at = None

    def title(self) -> str:
        return self.flows.title(self.flow, self.step)

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


# --- Flows ---------------------------------------------------------------------------------------


def named_dossier(arg: str | None, understood: Understanding | None) -> str | None:
    """The dossier code a flow was started for: in its command's argument (a button), else in
    the words that started it."""
    if arg:
        return find_dossier_code(arg)
    return understood.dossier_code if understood else None


class Flow(ABC):
    """One conversation flow. Subclasses set the declarations and override ``start`` and any
    handler they need; every handler has a default that never ends in silence.

    Handlers run with ``ctx.flow``/``ctx.step`` set when the flow is waiting for input (the
    ``on_*`` handlers) or whatever was active before (``start``, ``on_command``).
    """

    name: str
    """Unique; the session's ``flow`` and the ``#flow:<name>`` payload."""
    title: str = ""
    """What the flow is called when cancelled or expired (from texts); defaults to ``name``."""
    step_titles: Mapping[str, str] = MappingProxyType({})
    """A more precise title for some steps, e.g. ``{"verify": "Xác nhận chủ hồ sơ"}``."""
    menu_title: str | None = None
    """Its main-menu button title; None = not in the menu."""
    menu_rank: int = 100
    """Place in the main menu (lower first); "Trợ giúp" always comes last."""
    available: bool = True
    """False for an honest placeholder: it answers, but no menu entry and no button leads to it."""
    phrases: tuple[Phrases, ...] = ()
    """Free-text phrases that start the flow (each group names an intent this flow owns)."""
    commands: frozenset[str] = frozenset()
    """Payload names this flow handles in :meth:`on_command` (besides ``#flow:<name>``)."""
    needs_consent: bool = False
    """Starting it collects personal data: the engine asks for consent first."""

    @abstractmethod
    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        """Begin (from a button with ``arg``, or from free text already ``understood``)."""

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        """Text while this flow waits in ``ctx.step``. False = not for this flow: the engine
        then routes the message by intent."""
        return False

    def on_command(self, ctx: Context, command: Command) -> None:
        """A payload named in :attr:`commands`. Default: start with its first argument."""
        self.start(ctx, command.arg(0), None)

    def on_attachments(self, ctx: Context, attachments: Sequence[Attachment]) -> None:
        """Photos or files sent while this flow waits. Default: say they are not used here
        and ask the step's question again."""
        self.ask_again(ctx)

    def on_location(self, ctx: Context, location: Location | None) -> None:
        """A location shared while this flow waits. Default: as for attachments."""
        self.ask_again(ctx)

    def on_user_info(self, ctx: Context, info: UserInfo | None) -> None:
        """Zalo's information card answered while this flow waits. Default: as above."""
        self.ask_again(ctx)

    def resume(self, ctx: Context, arg: str) -> None:
        """The back office waits for this citizen's answer about ``arg`` (``Turn.awaiting``)
        and no flow is active: take the turn (enter a step). Default: do nothing."""
        return None

    def on_free_text(self, ctx: Context, text: str) -> bool:
        """A last chance for text no phrase understood (no flow active). True = handled."""
        return False

    def prompt(self, ctx: Context) -> str:
        """The question the current step is waiting for (repeated after unusable input)."""
        return texts.MENU_TEXT

    def ask_current(self, ctx: Context) -> None:
        """Ask the current step's question: another flow handed control back to this one
        (``ctx.flow``/``ctx.step``/``ctx.data`` already set). Default: the prompt alone."""
        ctx.say(self.prompt(ctx))

    def ask_again(self, ctx: Context) -> None:
        """Say why this turn's content is not used, repeat the question, keep waiting."""
        ctx.say(f"{ctx.unusable_input()}\n{self.prompt(ctx)}")
        ctx.enter(self.name, ctx.step or "", ctx.data)  # keep waiting, refresh the timer

    def title_of(self, step: str | None) -> str:
        return (step and self.step_titles.get(step)) or self.title or self.name


F = TypeVar("F", bound=Flow)


class FlowRegistry:
    """The flows of one engine, and every table derived from them. Immutable once built."""

    def __init__(self, flows: Iterable[Flow]) -> None:
        self._flows: dict[str, Flow] = {}
        self._by_intent: dict[str, Flow] = {}
        self._by_command: dict[str, Flow] = {}
        global_intents = {group.intent for group in GLOBAL_PHRASES}
        for flow in flows:
            if flow.name in self._flows:
                raise ValueError(f"two flows are named {flow.name!r}")
            self._flows[flow.name] = flow
            for group in flow.phrases:
                owner = self._by_intent.get(group.intent)
                if group.intent in global_intents or (owner is not None and owner is not flow):
                    raise ValueError(f"intent {group.intent!r} of {flow.name!r} is taken")
                self._by_intent[group.intent] = flow
            for name in flow.commands:
                if name in commands.GLOBAL_NAMES or name in self._by_command:
                    raise ValueError(f"command {name!r} of {flow.name!r} is taken")
                self._by_command[name] = flow
        self.command_names: frozenset[str] = commands.GLOBAL_NAMES | frozenset(self._by_command)
        shown = sorted(
            (f for f in self._flows.values() if f.available and f.menu_title),
            key=lambda f: f.menu_rank,
        )
        self.menu: tuple[Button, ...] = (
            *(
                Button(title=f.menu_title or f.name, payload=commands.build("flow", f.name))
                for f in shown
            ),
            HELP_BUTTON,
        )
        self._classifier = Classifier(
            [*GLOBAL_PHRASES, *(g for f in self._flows.values() for g in f.phrases)]
        )

    def with_flows(self, *flows: Flow) -> FlowRegistry:
        """A new registry: these flows plus ``flows`` (the way tests plug a flow in)."""
        return FlowRegistry([*self._flows.values(), *flows])

    def __contains__(self, name: object) -> bool:
        return name in self._flows

    def get(self, name: str | None) -> Flow | None:
        return self._flows.get(name) if name else None

    def find(self, cls: type[F]) -> F:
        """The registered flow of type ``cls``. Raises LookupError when none is."""
        for flow in self._flows.values():
            if isinstance(flow, cls):
                return flow
        raise LookupError(cls.__name__)

    def available(self, name: str) -> bool:
        """Whether a working flow ``name`` is registered (buttons may lead to it)."""
        flow = self._flows.get(name)
        return flow is not None and flow.available

    def for_intent(self, intent: str) -> Flow | None:
        return self._by_intent.get(intent)

    def for_command(self, name: str) -> Flow | None:
        return self._by_command.get(name)

    def classify(self, text: str | None) -> Understanding:
        return self._classifier.classify(text)

    def title(self, flow: str | None, step: str | None) -> str:
        if flow is None:
            return ""
        found = self._flows.get(flow)
        return found.title_of(step) if found else flow

    def free_text(self, ctx: Context, text: str) -> bool:
        """Offer text nothing understood to each flow in turn; True when one handled it."""
        return any(flow.on_free_text(ctx, text) for flow in self._flows.values())
