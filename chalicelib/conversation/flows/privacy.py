"""Privacy: answering the personal-data notice, withdrawing consent, asking for erasure.

The notice itself (shown on a first interaction, or before a flow that needs consent) is the
engine's and the context's; this flow handles what the citizen answers. It keeps no session.
Its actions (grant, withdraw, erase) are global ones: :mod:`chalicelib.conversation.actions`.
"""

from __future__ import annotations

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import DeleteMyData, GrantConsent, WithdrawConsent
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import Context, Flow
from chalicelib.conversation.intents import Intent, Phrases, Understanding
from chalicelib.conversation.model import Button


class PrivacyFlow(Flow):
    """``#consent:yes|no`` and "đồng ý" / "không đồng ý"; ``#erase:yes`` after "xóa dữ liệu"."""

    name = "privacy"
    title = texts.PRIVACY_TITLE
    # fmt: off
    phrases = (
        Phrases(Intent.DECLINE, True, (
            "khong dong y", "tu choi", "khong chap nhan", "rut lai dong y", "rut dong y",
            "huy dong y", "rut lai su dong y")),
        Phrases(Intent.AGREE, True, ("dong y", "toi dong y", "chap nhan", "dong y xu ly du lieu")),
        Phrases(Intent.DELETE_MY_DATA, False, (
            "xoa du lieu", "xoa du lieu ca nhan", "xoa thong tin", "xoa thong tin ca nhan",
            "xoa tai khoan")),
    )
    # fmt: on
    commands = frozenset({"consent", "erase"})

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        intent = understood.intent if understood else None
        if intent is Intent.AGREE:
            self._grant(ctx)
        elif intent is Intent.DECLINE:
            self._decline(ctx)
        elif intent is Intent.DELETE_MY_DATA:
            self._confirm_erase(ctx)
        else:  # "#flow:privacy": nothing to start without an answer
            ctx.not_understood()

    def on_text(self, ctx: Context, text: str, understood: Understanding) -> bool:
        """While a request waits for the notice's answer (step ``consent``): the answer keeps
        the request (the engine would otherwise end the session before routing it)."""
        if understood.intent in (Intent.AGREE, Intent.DECLINE):
            self.start(ctx, None, understood)
            return True
        return False

    def on_command(self, ctx: Context, command: Command) -> None:
        answer = (command.arg(0) or "").lower()
        if command.name == "erase":
            if answer == "yes":
                ctx.end()
                ctx.actions.append(DeleteMyData(at=ctx.turn.now))
                ctx.menu(texts.ERASE_RECEIVED)
            else:
                ctx.menu(texts.ERASE_KEPT)
        elif answer == "yes":
            self._grant(ctx)
        elif answer == "no":
            self._decline(ctx)
        else:
            ctx.menu(texts.NOT_UNDERSTOOD)

    def _grant(self, ctx: Context) -> None:
        if ctx.consented:
            ctx.menu(texts.CONSENT_ALREADY)
            return
        ctx.consented = True
        notice = texts.PRIVACY_NOTICE_VERSION
        ctx.actions.append(GrantConsent(at=ctx.turn.now, notice_version=notice))
        pending = ctx.data.get("pending") if ctx.flow == self.name else None
        ctx.end()
        if isinstance(pending, str) and pending:
            ctx.say(texts.CONSENT_THANKS)
            ctx.resume = pending  # the engine runs what the citizen asked for
        else:
            ctx.menu(texts.CONSENT_THANKS)

    def _decline(self, ctx: Context) -> None:
        ctx.end()
        if ctx.consented:
            ctx.consented = False
            ctx.actions.append(WithdrawConsent(at=ctx.turn.now))
            ctx.menu(texts.CONSENT_WITHDRAWN)
        else:
            ctx.menu(texts.CONSENT_DECLINED)

    def _confirm_erase(self, ctx: Context) -> None:
        ctx.say(
            texts.ERASE_CONFIRM,
            [
                Button(title=texts.BTN_ERASE_CONFIRM, payload=commands.build("erase", "yes")),
                Button(title=texts.BTN_ERASE_KEEP, payload=commands.build("erase", "no")),
            ],
        )
