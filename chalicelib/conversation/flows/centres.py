"""Centres: opening hours, address and phone of the provincial Public Administration Service
Centre and of each commune centre, asked with a commune name (today's or an old one) or
without one. A name that fits several centres gets one button each, never a guess."""

from __future__ import annotations

from chalicelib.conversation import commands, texts
from chalicelib.conversation.commands import Command
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow
from chalicelib.conversation.intents import Phrases, Understanding
from chalicelib.conversation.model import Button
from chalicelib.conversation.replies import short_title
from chalicelib.domain.vietnamese import fold

CENTRE_INFO = "centre_info"
_MAX_CHOICES = 4  # and the menu: Zalo shows five buttons at most
# Words of the question that do not name a commune.
# fmt: off
_NOT_A_PLACE_PHRASES = (
    "trung tam phuc vu hanh chinh cong", "trung tam hanh chinh cong", "bo phan mot cua",
    "bo phan tiep nhan", "gio lam viec", "gio mo cua", "may gio", "mo cua", "dong cua",
    "lam viec", "so dien thoai", "dien thoai", "dia chi", "o dau", "mot cua", "lien he",
    "tiep nhan ho so", "bao nhieu", "cho toi hoi", "xin hoi", "cho hoi", "trung tam",
)
_NOT_A_PLACE = frozenset(("sdt", "hotline", "la", "nao", "khong", "ko", "a", "nhi", "vay", "tai",
                          "cua", "so", "ak", "the", "may", "gio"))
# fmt: on


class CentresFlow(Flow):
    """Answer where the centres are, when they open and how to call them."""

    name = "centres"
    title = texts.CENTRES_TITLE
    # fmt: off
    phrases = (
        Phrases(CENTRE_INFO, False, (
            "gio lam viec", "gio mo cua", "may gio mo cua", "may gio dong cua", "lam viec may gio",
            "trung tam hanh chinh cong", "trung tam phuc vu hanh chinh cong",
            "so dien thoai trung tam", "so dien thoai", "sdt", "dia chi trung tam",
            "bo phan mot cua", "bo phan tiep nhan", "mot cua o dau")),
    )
    # fmt: on
    commands = frozenset({"centre"})

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        ctx.end()
        query = "" if understood is None else place_words(ctx.turn.text or "")
        self.answer(ctx, query)

    def on_command(self, ctx: Context, command: Command) -> None:
        ctx.end()
        self.answer(ctx, command.arg(0) or "")

    def answer(self, ctx: Context, query: str) -> None:
        found = ctx.lookups.centres(query)
        if len(found) == 1:
            centre = found[0]
            buttons = []
            if centre.id != "province":
                buttons.append(
                    Button(
                        title=texts.BTN_PROVINCIAL_CENTRE,
                        payload=commands.build("centre", "province"),
                    )
                )
            buttons.append(MENU_BUTTON)
            ctx.say(texts.centre_info(centre), buttons)
            return
        if not found:
            province = ctx.lookups.centres("")
            lead = texts.centre_place_unknown(query)
            ctx.say(f"{lead}\n\n{texts.centre_info(province[0])}" if province else lead)
            return
        buttons = [
            Button(
                title=short_title(texts.centre_choice(c), 35),
                payload=commands.build("centre", c.id),
            )
            for c in found[:_MAX_CHOICES]
        ]
        buttons.append(MENU_BUTTON)
        ctx.say(texts.centre_choose(query, len(found), _MAX_CHOICES), buttons)


def place_words(text: str) -> str:
    """What is left of the question once its non-place words are dropped."""
    folded = f" {' '.join(fold(text).split())} "
    for phrase in _NOT_A_PLACE_PHRASES:
        folded = folded.replace(f" {phrase} ", " ")
    return " ".join(w for w in folded.split() if w not in _NOT_A_PLACE)
