"""Privacy: answering the personal-data notice, withdrawing consent, the citizen's data rights
(seeing what is held, a JSON export, erasure).

The notice itself (shown on a first interaction, or before a flow that needs consent) is the
engine's and the context's; this flow handles what the citizen answers. It keeps no session.
Grant, withdraw and erase are global actions (:mod:`chalicelib.conversation.actions`); seeing
and exporting are this flow's (:class:`ShowMyData`, :class:`ExportMyData`): what is held is only
known to the effect, whose replies replace the planned one (services/data_rights.py). No
consent is needed to exercise these rights.
"""

from __future__ import annotations

from typing import Literal

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import (
    Action,
    DeleteMyData,
    GrantConsent,
    WithdrawConsent,
    register_action,
)
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import Context, Flow
from chalicelib.conversation.intents import Intent, Phrases, Understanding
from chalicelib.conversation.model import Button

MY_DATA, EXPORT_MY_DATA = "my_data", "export_my_data"  # this flow's own intents


@register_action
class ShowMyData(Action):
    """A data-subject access request: the summary of what is held (answered at once)."""

    kind: Literal["show_my_data"] = "show_my_data"


@register_action
class ExportMyData(Action):
    """A request for a copy of the data (JSON), delivered as a short-lived signed link."""

    kind: Literal["export_my_data"] = "export_my_data"


class PrivacyFlow(Flow):
    """``#consent:yes|no`` and "đồng ý" / "không đồng ý"; ``#erase:yes`` after "xóa dữ liệu";
    "dữ liệu của tôi" (``#mydata``) and "xuất dữ liệu" (``#mydata:export``)."""

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
            "xoa tai khoan", "xoa du lieu cua toi", "xoa du lieu ca nhan cua toi",
            "xoa thong tin cua toi", "xoa thong tin ca nhan cua toi")),
        Phrases(MY_DATA, False, (
            "du lieu cua toi", "thong tin cua toi", "xem du lieu", "xem du lieu ca nhan",
            "he thong luu gi", "luu gi ve toi", "xem thong tin ca nhan")),
        Phrases(EXPORT_MY_DATA, False, (
            "xuat du lieu", "xuat du lieu ca nhan", "tai du lieu", "tai du lieu ca nhan",
            "ban sao du lieu", "sao chep du lieu", "tai ve du lieu", "xuat du lieu cua toi",
            "tai du lieu cua toi", "xuat du lieu ca nhan cua toi")),
    )
    # fmt: on
    commands = frozenset({"consent", "erase", "mydata"})

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        intent = understood.intent if understood else None
        if intent is Intent.AGREE:
            self._grant(ctx)
        elif intent is Intent.DECLINE:
            self._decline(ctx)
        elif intent is Intent.DELETE_MY_DATA:
            self._confirm_erase(ctx)
        elif intent == MY_DATA:
            self._show(ctx)
        elif intent == EXPORT_MY_DATA:
            self._export(ctx)
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
        if command.name == "mydata" and answer == "export":
            self._export(ctx)
        elif command.name == "mydata":
            self._show(ctx)
        elif command.name == "erase":
            if answer == "yes":
                ctx.end()
                ctx.actions.append(DeleteMyData(at=ctx.turn.now))
                ctx.menu(texts.ERASE_RECEIVED)
            elif answer == "ask":
                self._confirm_erase(ctx)
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

    def _show(self, ctx: Context) -> None:
        ctx.end()
        ctx.actions.append(ShowMyData(at=ctx.turn.now))
        # Replaced by the summary the effect reads (or by its failure's explanation).
        ctx.say(
            texts.MY_DATA_HEADER,
            [
                Button(title=texts.BTN_EXPORT_DATA, payload=commands.build("mydata", "export")),
                Button(title=texts.BTN_ERASE_DATA, payload=commands.build("erase", "ask")),
            ],
        )

    def _export(self, ctx: Context) -> None:
        ctx.end()
        ctx.actions.append(ExportMyData(at=ctx.turn.now))
        ctx.say(texts.BTN_EXPORT_DATA)  # replaced by the link (or the failure's explanation)

    def _confirm_erase(self, ctx: Context) -> None:
        ctx.say(
            texts.ERASE_CONFIRM,
            [
                Button(title=texts.BTN_ERASE_CONFIRM, payload=commands.build("erase", "yes")),
                Button(title=texts.BTN_ERASE_KEEP, payload=commands.build("erase", "no")),
            ],
        )
