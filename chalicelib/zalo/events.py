"""Pydantic models of the events Zalo posts to the webhook.

Unknown fields are ignored; ids stay strings (they exceed 2^53). :func:`parse` turns a decoded
body into the most specific model, or :class:`UnknownEvent` for names we do not handle.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.zalo import delivery

USER_MESSAGE_EVENTS = frozenset(
    {
        "user_send_text",
        "user_send_image",
        "user_send_file",
        "user_send_location",
        "user_send_sticker",
        "user_send_link",
        "user_send_audio",
        "user_send_video",
        "user_send_gif",
        "user_send_business_card",
    }
)
RECEIPT_EVENTS = delivery.NOISE_EVENTS  # the one list of events that are not the user's doing


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)


class Party(_Model):
    id: str


class Coordinates(_Model):
    latitude: str
    longitude: str


class AttachmentPayload(_Model):
    url: str | None = None
    thumbnail: str | None = None
    name: str | None = None
    size: str | None = None
    checksum: str | None = None
    type: str | None = None
    coordinates: Coordinates | None = None
    id: str | None = None
    description: str | None = None


class Attachment(_Model):
    type: str
    payload: AttachmentPayload = Field(default_factory=AttachmentPayload)


class Message(_Model):
    msg_id: str | None = None
    text: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    msg_ids: list[str] = Field(default_factory=list)


class _Event(_Model):
    event_name: str
    app_id: str | None = None
    timestamp: str = ""

    @property
    def user_id(self) -> str | None:
        """The citizen this event is about (the id to reply to), or None."""
        return None

    @property
    def dedup_id(self) -> str:
        """Stable identity of this delivery: the message id, else event + user + timestamp."""
        return f"{self.event_name}:{self.user_id or '-'}:{self.timestamp}"


class UserMessageEvent(_Event):
    """A citizen wrote, sent a file/image/location, or tapped a query button."""

    sender: Party
    recipient: Party
    message: Message = Field(default_factory=Message)

    @property
    def user_id(self) -> str:
        return self.sender.id

    @property
    def dedup_id(self) -> str:
        if self.message.msg_id:
            return f"msg:{self.message.msg_id}"
        return super().dedup_id


class OaEchoEvent(_Event):
    """What the OA itself sent (``oa_send_*``) or a receipt: never answered."""

    sender: Party | None = None
    recipient: Party | None = None
    message: Message = Field(default_factory=Message)

    @property
    def user_id(self) -> str | None:
        return self.recipient.id if self.recipient else None


class FollowEvent(_Event):
    event_name: Literal["follow", "unfollow"]
    oa_id: str | None = None
    follower: Party

    @property
    def user_id(self) -> str:
        return self.follower.id


class ChatNowEvent(_Event):
    event_name: Literal["user_click_chatnow"]
    oa_id: str | None = None
    user_id_: str = Field(alias="user_id")

    @property
    def user_id(self) -> str:
        return self.user_id_


class FullAddress(_Model):
    user_city: str | None = None
    user_district: str | None = None
    user_ward: str | None = None
    user_address: str | None = None


class SubmittedInfo(_Model):
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    city: str | None = None
    district: str | None = None
    ward: str | None = None
    full_address: FullAddress | None = None

    def address_line(self) -> str:
        """One address line from either the older flat shape or the newer ``full_address``."""
        if self.full_address:
            parts = [
                self.full_address.user_address,
                self.full_address.user_ward,
                self.full_address.user_district,
                self.full_address.user_city,
            ]
        else:
            parts = [self.address, self.ward, self.district, self.city]
        return ", ".join(p for p in parts if p)


class SubmitInfoEvent(_Event):
    event_name: Literal["user_submit_info"]
    sender: Party
    recipient: Party | None = None
    info: SubmittedInfo

    @property
    def user_id(self) -> str:
        return self.sender.id


class UnknownEvent(_Event):
    """An event name we do not handle: logged and dropped."""


ZaloEvent = (
    UserMessageEvent | OaEchoEvent | FollowEvent | ChatNowEvent | SubmitInfoEvent | UnknownEvent
)


def parse(body: dict[str, Any]) -> ZaloEvent:
    """The model for a decoded webhook body. Raises pydantic.ValidationError when a known
    event lacks a required part (for example a user message without a sender)."""
    name = str(body.get("event_name", ""))
    if name in USER_MESSAGE_EVENTS:
        return UserMessageEvent.model_validate(body)
    if delivery.is_noise(name):
        return OaEchoEvent.model_validate(body)
    if name in ("follow", "unfollow"):
        return FollowEvent.model_validate(body)
    if name == "user_click_chatnow":
        return ChatNowEvent.model_validate(body)
    if name == "user_submit_info":
        return SubmitInfoEvent.model_validate(body)
    return UnknownEvent.model_validate({**body, "event_name": name or "?"})
