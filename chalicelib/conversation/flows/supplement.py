"""Supplement in the chat ("Bổ sung hồ sơ", issue 12): the owner of a dossier in status 5
sends the missing documents, one item of the supplement list at a time.

Entry: the "Bổ sung hồ sơ" button of the owner's dossier view (``#supp:<code>``, also on the
back office's status-5 notice: :func:`supplement_button`), or the phrase "bổ sung hồ sơ".
Pure like every flow: each photo or file becomes a ``receive_supplement`` action, whose
effect downloads it through the same checks as a submission, notes the upload for erasure and
attaches it to the dossier (its component = the supplement item) without changing the status;
the last item answered gives one ``finish_supplement`` action, whose effect notes "supplement
received through Zalo" in the dossier's history. Every effect happens once per Zalo event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action, register_action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow, named_dossier
from chalicelib.conversation.flows.withdrawal import withdraw_button
from chalicelib.conversation.intents import Intent, Phrases, Understanding
from chalicelib.conversation.model import Attachment, Button, DossierView
from chalicelib.domain.vietnamese import fold

SUPPLEMENT_STATUS = 5
COMMAND = "supp"
_DONE_WORDS = frozenset({"xong", "da xong", "xong roi", "het", "het roi", "du roi", "done"})


@register_action
class ReceiveSupplement(Action):
    """Download ``url`` (a Zalo CDN attachment), check it as a submission's file and attach it
    to dossier ``code`` as a document of supplement item ``item`` (once per ``ref``)."""

    kind: Literal["receive_supplement"] = "receive_supplement"
    code: str
    ref: str
    url: str
    declared_type: str = ""
    name: str = ""
    item: str


@register_action
class FinishSupplement(Action):
    """The owner has answered the supplement list: note it in the dossier's history (the status
    stays; the back office decides)."""

    kind: Literal["finish_supplement"] = "finish_supplement"
    code: str
    items: list[str]


def supplement_button(code: str) -> Button:
    """The button that starts the supplement of dossier ``code`` (owner view, status-5
    notice)."""
    return Button(title=texts.BTN_SUPPLEMENT, payload=commands.build(COMMAND, code))


def supplement_ref(code: str, user_id: str, url: str) -> str:
    """One file's reference: the same attachment delivered twice is stored once."""
    return hashlib.sha256(f"supp|{code}|{user_id}|{url}".encode()).hexdigest()[:24]


class SupplementFlow(Flow):
    name = "supplement"
    title = texts.SUPPLEMENT_TITLE
    needs_consent = True
    # fmt: off
    phrases = (Phrases("supplement", False, (
        "bo sung ho so", "nop bo sung", "bo sung giay to", "gui bo sung", "nop ho so bo sung",
        "gui giay to bo sung")),)
    # fmt: on
    commands = frozenset({COMMAND})

    # --- entering -----------------------------------------------------------------------
    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        code = named_dossier(arg, understood)
        if code:
            self._begin(ctx, code)
            return
        waiting = ctx.own_dossiers(lambda v: v.status == SUPPLEMENT_STATUS)
        if len(waiting) == 1:
            self._begin(ctx, waiting[0].code)
            return
        ctx.end()
        if not waiting:
            lookup = Button(title=texts.BTN_DOSSIER, payload=commands.build("flow", "dossier"))
            ctx.say(texts.SUPPLEMENT_NONE_WAITING, [lookup, MENU_BUTTON])
            return
        buttons = [
            Button(title=texts.dossier_button(i), payload=commands.build(COMMAND, v.code))
            for i, v in enumerate(waiting, 1)
        ]
        ctx.say(texts.supplement_choose(waiting), [*buttons[:4], MENU_BUTTON])

    def _begin(self, ctx: Context, code: str) -> None:
        view = ctx.lookups.dossier_by_code(code, ctx.turn.user_id)
        if view is None:
            ctx.end()
            ctx.say(texts.dossier_not_found(code), [MENU_BUTTON])
            return
        if not view.is_owner:
            ctx.end()
            verify = Button(title=texts.BTN_VERIFY, payload=commands.build("verify", view.code))
            ctx.say(texts.supplement_owner_only(view.code), [verify, MENU_BUTTON])
            return
        if view.status != SUPPLEMENT_STATUS:
            ctx.end()
            ctx.say(texts.supplement_not_requested(view.code, view.status_name), [MENU_BUTTON])
            return
        items = list(view.supplement_items) or [texts.SUPPLEMENT_GENERIC_ITEM]
        ctx.enter(self.name, "item", {"code": view.code, "items": items, "index": 0, "sent": {}})
        ctx.say(texts.supplement_started(view.code, items))
        self._ask(ctx)

    # --- asking ------------------------------------------------------------------------
    def _buttons(self) -> list[Button]:
        return [
            Button(title=texts.BTN_DONE, payload=commands.build(COMMAND, "done")),
            Button(title=texts.BTN_SKIP, payload=commands.build(COMMAND, "skip")),
            Button(title=texts.BTN_CANCEL_SUPPLEMENT, payload=commands.build(COMMAND, "cancel")),
        ]

    def prompt(self, ctx: Context) -> str:
        items: list[str] = ctx.data.get("items", [])
        index = int(ctx.data.get("index", 0))
        if not items:
            return texts.SUPPLEMENT_NONE_WAITING
        return texts.ask_supplement_item(index + 1, len(items), items[index], self._sent(ctx))

    def _ask(self, ctx: Context) -> None:
        ctx.say(self.prompt(ctx), self._buttons())

    def ask_again(self, ctx: Context) -> None:
        ctx.say(f"{ctx.unusable_input()}\n{self.prompt(ctx)}", self._buttons())
        ctx.enter(self.name, ctx.step or "", ctx.data)

    def _sent(self, ctx: Context, index: int | None = None) -> int:
        sent: dict[str, Any] = ctx.data.get("sent", {})
        at = int(ctx.data.get("index", 0)) if index is None else index
        return int(sent.get(str(at), 0))

    # --- answers -----------------------------------------------------------------------
    def on_command(self, ctx: Context, command: Command) -> None:
        what = command.arg(0)
        if ctx.flow != self.name or ctx.step != "item" or what not in ("done", "skip", "cancel"):
            self.start(ctx, what, None)
            return
        if what == "cancel":
            self._finish(ctx, cancelled=True)
        elif what == "done" and not self._sent(ctx):
            ctx.say(texts.SUPPLEMENT_ITEM_NEEDS_FILE, self._buttons())
            ctx.enter(self.name, "item", ctx.data)
        else:
            self._next(ctx)

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        if " ".join(fold(text).split()) in _DONE_WORDS:
            self.on_command(ctx, Command(COMMAND, ("done",)))
            return True
        if understood.intent is not Intent.UNKNOWN:
            return False
        self.ask_again(ctx)
        return True

    def on_attachments(self, ctx: Context, attachments: Sequence[Attachment]) -> None:
        if ctx.step != "item":
            self.ask_again(ctx)
            return
        index = int(ctx.data.get("index", 0))
        item = ctx.data["items"][index]
        code = ctx.data["code"]
        sent: dict[str, Any] = ctx.data.setdefault("sent", {})
        for attachment in attachments:
            if not attachment.url:
                continue
            sent[str(index)] = int(sent.get(str(index), 0)) + 1
            ctx.actions.append(
                ReceiveSupplement(
                    at=ctx.turn.now,
                    code=code,
                    ref=supplement_ref(code, ctx.turn.user_id, attachment.url),
                    url=attachment.url,
                    declared_type=attachment.type,
                    name=attachment.name or "",
                    item=item,
                )
            )
        ctx.say(texts.DOCUMENT_CHECKING, self._buttons())
        ctx.enter(self.name, "item", ctx.data)

    def _next(self, ctx: Context) -> None:
        index = int(ctx.data.get("index", 0))
        if index + 1 < len(ctx.data.get("items", [])):
            ctx.data["index"] = index + 1
            ctx.enter(self.name, "item", ctx.data)
            self._ask(ctx)
            return
        self._finish(ctx, cancelled=False)

    def _finish(self, ctx: Context, *, cancelled: bool) -> None:
        items: list[str] = ctx.data.get("items", [])
        answered = [item for i, item in enumerate(items) if self._sent(ctx, i)]
        code = str(ctx.data.get("code", ""))
        ctx.end()
        if not answered:
            ctx.menu(texts.SUPPLEMENT_NOTHING_SENT)
            return
        ctx.actions.append(FinishSupplement(at=ctx.turn.now, code=code, items=answered))
        missing = [item for item in items if item not in answered]
        ctx.say(texts.supplement_finished(code, answered, missing), [MENU_BUTTON])


def owner_buttons(view: DossierView) -> list[Button]:
    """What the owner may do with a dossier from its view: supplement (status 5), withdraw
    (before a result, not yet asked)."""
    buttons: list[Button] = []
    if view.status == SUPPLEMENT_STATUS:
        buttons.append(supplement_button(view.code))
    if view.withdrawable:
        buttons.append(withdraw_button(view.code))
    return buttons
