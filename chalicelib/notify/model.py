"""What the notifier is asked to send and what it reports back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.zalo.limits import MAX_BUTTONS, MAX_PAYLOAD_CHARS

Channel = Literal["consultation", "template_user", "template_phone", "pending", "skipped"]


class OutboundButton(BaseModel):
    """A button on the last part of a message. For ``oa.query.*`` the payload is the text
    sent back when tapped; for ``oa.open.url``/``oa.open.phone`` it is the URL/phone."""

    model_config = ConfigDict(frozen=True)

    title: str = Field(min_length=1)
    payload: str = Field(min_length=1, max_length=MAX_PAYLOAD_CHARS)
    type: Literal["oa.query.hide", "oa.query.show", "oa.open.url", "oa.open.phone"] = (
        "oa.query.hide"
    )

    def zalo_payload(self) -> str | dict[str, str]:
        if self.type == "oa.open.url":
            return {"url": self.payload}
        if self.type == "oa.open.phone":
            return {"phone_code": self.payload}
        return self.payload


class UserInfoRequest(BaseModel):
    """Zalo's ``request_user_info`` card (title, subtitle and the card's image)."""

    model_config = ConfigDict(frozen=True)

    title: str = Field(min_length=1)
    subtitle: str = Field(min_length=1)
    image_url: str = Field(min_length=1)


class OutboundMessage(BaseModel):
    """A logical message of any length: the notifier splits the text at 2,000 characters and
    puts the buttons on the last part; ``image_url`` goes out first, as its own message;
    ``user_info_request`` last, as its own message."""

    model_config = ConfigDict(frozen=True)

    text: str
    buttons: list[OutboundButton] = Field(default_factory=list, max_length=MAX_BUTTONS)
    image_url: str | None = None
    user_info_request: UserInfoRequest | None = None


class NoticeResult(BaseModel):
    """How a notice went out: the channel, Zalo's message ids, or a Zalo error code."""

    channel: Channel
    message_ids: list[str] = Field(default_factory=list)
    error: str | None = None
