"""A toy flow, written the way a real one is, to show (and test) the extension point.

"Gửi ảnh giấy hẹn": the citizen sends a photo of their receipt (giấy tiếp nhận và hẹn trả
kết quả); the flow asks for the photo, takes it, and asks the processing layer to keep it
with its own action kind. A real flow lives in ``chalicelib/conversation/flows/`` and keeps
its sentences in ``texts.py``; this one keeps them here so nothing leaks into the product.
It is registered only by the tests (see ``tests/conversation/flows/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from chalicelib.conversation.actions import Action
from chalicelib.conversation.flow import MENU_BUTTON, Context, Flow
from chalicelib.conversation.intents import Phrases, Understanding
from chalicelib.conversation.model import Attachment, Location

ASK_PHOTO = "Ông/Bà vui lòng chụp và gửi ảnh giấy hẹn trả kết quả."
PHOTO_RECEIVED = "Đã nhận ảnh giấy hẹn của Ông/Bà."
PLACE_NOTED = "Đã ghi nhận vị trí Ông/Bà gửi."
TITLE = "Gửi ảnh giấy hẹn"


class KeepReceiptPhoto(Action):
    """Keep the photo at ``url`` as this user's receipt (the effect downloads and stores it)."""

    kind: Literal["toy_keep_receipt_photo"] = "toy_keep_receipt_photo"
    url: str
    name: str | None = None


class ReceiptPhotoFlow(Flow):
    name = "receipt_photo"
    title = TITLE
    menu_title = "Gửi ảnh giấy hẹn"
    menu_rank = 40
    phrases = (Phrases("receipt_photo", False, ("gui anh giay hen", "anh giay hen")),)
    commands = frozenset({"receipt"})
    needs_consent = True  # a receipt names the applicant

    def start(self, ctx: Context, arg: str | None, understood: Understanding | None) -> None:
        ctx.enter(self.name, "photo")
        ctx.say(ASK_PHOTO)

    def prompt(self, ctx: Context) -> str:
        return ASK_PHOTO

    def on_attachments(self, ctx: Context, attachments: Sequence[Attachment]) -> None:
        photos = [a for a in attachments if a.type == "image" and a.url]
        if not photos:
            self.ask_again(ctx)
            return
        for photo in photos:
            assert photo.url is not None
            ctx.actions.append(KeepReceiptPhoto(at=ctx.turn.now, url=photo.url, name=photo.name))
        ctx.end()
        ctx.say(PHOTO_RECEIVED, [MENU_BUTTON])

    def on_location(self, ctx: Context, location: Location | None) -> None:
        # Not needed by this flow, overridden only to show the handler: a note, then the
        # question again, still waiting.
        ctx.say(f"{PLACE_NOTED}\n{self.prompt(ctx)}")
        ctx.enter(self.name, ctx.step or "photo", ctx.data)
