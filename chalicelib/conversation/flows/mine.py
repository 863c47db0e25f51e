"""My dossiers: the dossiers linked to this Zalo user (needs consent)."""

from __future__ import annotations

from chalicelib.conversation import commands, texts
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow
from chalicelib.conversation.intents import Intent, Phrases, Understanding
from chalicelib.conversation.model import Button


class MyDossiersFlow(Flow):
    """List the dossiers linked to this Zalo user, one button each."""

    name = "mine"
    title = texts.FLOW_TITLES["mine"]
    menu_title = texts.BTN_MINE
    menu_rank = 30
    # fmt: off
    phrases = (
        Phrases(Intent.MY_DOSSIERS, False, (
            "ho so cua toi", "ho so cua minh", "ho so da nop", "ho so toi da nop",
            "danh sach ho so", "ho so cua em")),
    )
    # fmt: on
    needs_consent = True

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
