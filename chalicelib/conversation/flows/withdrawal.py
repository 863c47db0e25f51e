"""Withdrawal ("Rút hồ sơ", issue 12): the owner asks to withdraw a dossier before a result.

Entry: the "Rút hồ sơ" button of the owner's dossier view (``#withdraw:<code>``) or the phrase
"rút hồ sơ" (with or without a code). The citizen may type a reason (optional), then confirms;
the ``request_withdrawal`` effect records ``withdrawal_requested_at`` (and the reason) on the
dossier, which moves it in the back office's feed; the back office confirms with status 7.
"""

from __future__ import annotations

from typing import Literal

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action, register_action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow, named_dossier
from chalicelib.conversation.intents import Intent, Phrases, Understanding
from chalicelib.conversation.model import Button

COMMAND = "withdraw"
_REASON_MAX = 500


@register_action
class RequestWithdrawal(Action):
    """Record the owner's request to withdraw dossier ``code`` (once)."""

    kind: Literal["request_withdrawal"] = "request_withdrawal"
    code: str
    reason: str = ""


def withdraw_button(code: str) -> Button:
    return Button(title=texts.BTN_WITHDRAW, payload=commands.build(COMMAND, code))


class WithdrawalFlow(Flow):
    name = "withdraw"
    title = texts.WITHDRAWAL_TITLE
    needs_consent = True
    # fmt: off
    phrases = (Phrases("withdraw", False, (
        "rut ho so", "xin rut ho so", "rut lai ho so", "huy ho so da nop", "khong nop nua",
        "rut don")),)
    # fmt: on
    commands = frozenset({COMMAND})

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        code = named_dossier(arg, understood)
        if code:
            self._begin(ctx, code)
            return
        views = ctx.own_dossiers(lambda v: v.withdrawable)
        if len(views) == 1:  # the confirmation names it
            self._begin(ctx, views[0].code)
            return
        ctx.end()
        if not views:
            lookup = Button(title=texts.BTN_DOSSIER, payload=commands.build("flow", "dossier"))
            ctx.say(texts.WITHDRAWAL_NONE, [lookup, MENU_BUTTON])
            return
        buttons = [
            Button(title=texts.dossier_button(i), payload=commands.build(COMMAND, v.code))
            for i, v in enumerate(views, 1)
        ]
        ctx.say(texts.withdrawal_choose(views), [*buttons[:4], MENU_BUTTON])

    def _begin(self, ctx: Context, code: str) -> None:
        view = ctx.lookups.dossier_by_code(code, ctx.turn.user_id)
        ctx.end()
        if view is None:
            ctx.say(texts.dossier_not_found(code), [MENU_BUTTON])
            return
        if not view.is_owner:
            verify = Button(title=texts.BTN_VERIFY, payload=commands.build("verify", view.code))
            ctx.say(texts.withdrawal_owner_only(view.code), [verify, MENU_BUTTON])
            return
        if view.withdrawal_requested:
            ctx.say(texts.withdrawal_already(view.code), [MENU_BUTTON])
            return
        if not view.withdrawable:
            ctx.say(texts.withdrawal_not_possible(view.code, view.status_name), [MENU_BUTTON])
            return
        ctx.enter(self.name, "confirm", {"code": view.code, "name": view.procedure_name})
        self._ask(ctx)

    def _buttons(self) -> list[Button]:
        return [
            Button(title=texts.BTN_CONFIRM_WITHDRAWAL, payload=commands.build(COMMAND, "yes")),
            Button(title=texts.BTN_KEEP_DOSSIER, payload=commands.build(COMMAND, "no")),
        ]

    def prompt(self, ctx: Context) -> str:
        return texts.ask_withdrawal(
            str(ctx.data.get("code", "")),
            str(ctx.data.get("name", "")),
            str(ctx.data.get("reason", "")),
        )

    def _ask(self, ctx: Context) -> None:
        ctx.say(self.prompt(ctx), self._buttons())

    def ask_again(self, ctx: Context) -> None:
        ctx.say(f"{ctx.unusable_input()}\n{self.prompt(ctx)}", self._buttons())
        ctx.enter(self.name, ctx.step or "", ctx.data)

    def on_command(self, ctx: Context, command: Command) -> None:
        what = command.arg(0)
        if ctx.flow != self.name or ctx.step != "confirm" or what not in ("yes", "no"):
            self.start(ctx, what, None)
            return
        code = str(ctx.data.get("code", ""))
        reason = str(ctx.data.get("reason", ""))
        ctx.end()
        if what == "no":
            ctx.menu(texts.withdrawal_kept(code))
            return
        ctx.actions.append(RequestWithdrawal(at=ctx.turn.now, code=code, reason=reason))
        ctx.say(texts.withdrawal_requested(code), [MENU_BUTTON])

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        if ctx.step != "confirm":
            return False
        if understood.intent in (Intent.AGREE, Intent.DECLINE):
            yes = understood.intent is Intent.AGREE
            self.on_command(ctx, Command(COMMAND, ("yes" if yes else "no",)))
            return True
        # Anything else typed here is the reason (hủy / menu / trợ giúp never reach a flow).
        reason = " ".join(text.split())[:_REASON_MAX]
        if not reason:
            self.ask_again(ctx)
            return True
        ctx.data["reason"] = reason
        ctx.enter(self.name, "confirm", ctx.data)
        self._ask(ctx)
        return True
