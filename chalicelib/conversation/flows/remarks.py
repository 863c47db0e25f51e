"""Remarks: messages about a dossier already filed (a late result, "when will it be done"),
a bare phone or ID number, and "ok", emoji or thanks — each gets a useful answer instead of
"chưa hiểu", and a complaint about a filed dossier never starts a new submission."""

from __future__ import annotations

import re

from chalicelib.conversation import commands, texts
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow
from chalicelib.conversation.intents import Phrases, Understanding
from chalicelib.conversation.model import Button
from chalicelib.domain.vietnamese import fold

EXISTING_DOSSIER = "existing_dossier"
# fmt: off
_ACKNOWLEDGEMENTS = frozenset({
    "ok", "oke", "okay", "okie", "oki", "uh", "uhm", "um", "u", "vang", "da", "dong y roi",
    "duoc", "duoc roi", "roger", "yes", "hihi", "haha", "hehe", "like", "tot", "tot qua",
    "da vang", "vang a", "da a", "ok a", "okela", "good",
})
# fmt: on
# A phone number (0xxxxxxxxx / +84xxxxxxxxx) or a 9/12-digit ID number, alone in the message.
_BARE_NUMBER = re.compile(r"^\+?[\d .\-]{9,16}$")
_NO_WORDS = re.compile(r"^[\W_]*$")  # emoji, punctuation, symbols only


class RemarksFlow(Flow):
    """Answers that end at once (no step): existing dossiers, bare numbers, acknowledgements."""

    name = "remarks"
    title = texts.FLOW_TITLES.get("dossier", "Tra cứu hồ sơ")
    # fmt: off
    phrases = (
        Phrases(EXISTING_DOSSIER, False, (
            "da nop ho so", "nop ho so roi", "chua co ket qua", "van chua co ket qua",
            "bao gio xong", "bao gio co ket qua", "khi nao co ket qua", "khi nao xong",
            "ho so tre hen", "tre hen", "ho so qua han", "qua han roi", "ho so cham",
            "cham tre", "lau qua", "sao lau vay", "nop lau roi", "cho lau qua",
            "ho so bao gio xong", "hen tra ket qua")),
    )
    # fmt: on

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        ctx.end()
        mine = Button(title=texts.BTN_MINE, payload=commands.build("flow", "mine"))
        ctx.say(texts.existing_dossier(ctx.settings.hotline), [mine, MENU_BUTTON])
        dossier = ctx.flows.get("dossier")
        if dossier is not None:  # waits for the code
            dossier.start(ctx, None, None)

    def on_free_text(self, ctx: Context, text: str) -> bool:
        stripped = text.strip()
        if _BARE_NUMBER.match(stripped) and sum(c.isdigit() for c in stripped) >= 9:
            buttons = [
                Button(title=texts.BTN_DOSSIER, payload=commands.build("flow", "dossier")),
                Button(title=texts.BTN_MINE, payload=commands.build("flow", "mine")),
                MENU_BUTTON,
            ]
            ctx.say(texts.BARE_NUMBER, buttons)
            return True
        folded = " ".join(fold(stripped).strip(" .!?~").split())
        if folded in _ACKNOWLEDGEMENTS or (stripped and _NO_WORDS.match(stripped)):
            ctx.say(texts.ACKNOWLEDGED, [MENU_BUTTON])
            return True
        return False
