"""Dossier lookup: by code; optionally prove to be the applicant to see everything."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Literal

from chalicelib.conversation import commands, texts
from chalicelib.conversation.actions import Action, register_action
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow
from chalicelib.conversation.intents import Intent, Phrases, Understanding, find_dossier_code
from chalicelib.conversation.model import Button


@register_action
class LinkDossier(Action):
    """The citizen proved to be the applicant of dossier ``code`` (phone or ID number matched):
    attach the dossier to this Zalo user so it shows under "Hồ sơ của tôi"."""

    kind: Literal["link_dossier"] = "link_dossier"
    code: str


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


class DossierFlow(Flow):
    """Look a dossier up by code; optionally prove to be the applicant to see everything.

    Commands: ``#dossier:<code>`` (look up), ``#verify:<code>`` (prove to be the applicant).
    A dossier code typed anywhere is understood as this flow's intent."""

    name = "dossier"
    title = texts.FLOW_TITLES["dossier"]
    step_titles = MappingProxyType({"verify": texts.FLOW_TITLES["dossier.verify"]})
    menu_title = texts.BTN_DOSSIER
    menu_rank = 10
    # fmt: off
    phrases = (
        Phrases(Intent.DOSSIER_LOOKUP, False, (
            "ho so", "tra cuu ho so", "kiem tra ho so", "tinh trang ho so", "tien do ho so",
            "tim ho so", "xem ho so", "ma ho so", "tra ho so", "tra cuu ket qua",
            "ket qua ho so")),
    )
    # fmt: on
    commands = frozenset({"dossier", "verify"})
    needs_consent = False  # the anonymous view is public; verify asks itself

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

    def on_command(self, ctx: Context, command: Command) -> None:
        if command.name == "verify":
            self._verify(ctx, command.arg(0))
        else:
            self.start(ctx, command.arg(0) or "", None)

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

    def _verify(self, ctx: Context, arg: str | None) -> None:
        code = find_dossier_code(arg) if arg else None
        if code is None:
            self.start(ctx, None, None)
            return
        if not ctx.consented:
            ctx.end()
            ctx.require_consent(self.title_of("verify"))
            return
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
