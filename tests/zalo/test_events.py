"""Every event shape in the reference parses; unknown ones are recognised as such."""

from __future__ import annotations

import json

import pytest

from chalicelib.zalo import delivery, events
from tests.conftest import FIXTURES

EXPECTED = {
    "user_send_text": events.UserMessageEvent,
    "user_send_text_no_diacritics": events.UserMessageEvent,
    "user_send_image": events.UserMessageEvent,
    "user_send_file": events.UserMessageEvent,
    "user_send_location": events.UserMessageEvent,
    "follow": events.FollowEvent,
    "unfollow": events.FollowEvent,
    "user_click_chatnow": events.ChatNowEvent,
    "user_submit_info_old": events.SubmitInfoEvent,
    "user_submit_info_new": events.SubmitInfoEvent,
    "oa_send_text_echo": events.OaEchoEvent,
    "user_seen_message": events.OaEchoEvent,
}


@pytest.mark.parametrize(("name", "model"), sorted(EXPECTED.items()))
def test_every_fixture_parses_into_its_model_about_the_right_user(name, model):
    body = json.loads((FIXTURES / f"{name}.json").read_bytes())
    event = events.parse(body)
    assert type(event) is model
    assert event.user_id == "2468000000000000001"
    assert delivery.subject_id(body) == event.user_id


def test_ids_stay_strings_beyond_two_to_the_53():
    body = json.loads((FIXTURES / "user_send_text.json").read_bytes())
    body["sender"]["id"] = 2468000000000000001  # a number, as a careless sender might write it
    event = events.parse(body)
    assert event.user_id == "2468000000000000001"


def test_both_submit_info_shapes_give_one_address_line():
    old = events.parse(json.loads((FIXTURES / "user_submit_info_old.json").read_bytes()))
    new = events.parse(json.loads((FIXTURES / "user_submit_info_new.json").read_bytes()))
    assert old.info.address_line() == "Số 12 Hùng Vương, Phường 5, Thành phố Cà Mau, Cà Mau"
    assert new.info.address_line() == "Số 12 Hùng Vương, Phường Tân Thành, Tỉnh Cà Mau"
    assert old.info.phone == new.info.phone == "84912345678"


def test_file_attachment_keeps_name_size_and_type():
    event = events.parse(json.loads((FIXTURES / "user_send_file.json").read_bytes()))
    (attachment,) = event.message.attachments
    assert (attachment.payload.name, attachment.payload.size, attachment.payload.type) == (
        "to-khai.pdf",
        "233947",
        "pdf",
    )


def test_location_coordinates_stay_strings():
    event = events.parse(json.loads((FIXTURES / "user_send_location.json").read_bytes()))
    coordinates = event.message.attachments[0].payload.coordinates
    assert (coordinates.latitude, coordinates.longitude) == ("9.1768", "105.1524")


@pytest.mark.parametrize("name", ["user_reacted_message", "anonymous_send_text", ""])
def test_unknown_event_names_parse_as_unknown(name):
    event = events.parse({"event_name": name, "timestamp": "1"})
    assert isinstance(event, events.UnknownEvent)


def test_delivery_key_prefers_the_message_id_and_is_stable_otherwise():
    text = json.loads((FIXTURES / "user_send_text.json").read_bytes())
    follow = json.loads((FIXTURES / "follow.json").read_bytes())
    assert delivery.delivery_key(text) == "msg:msg-text-0001"
    assert delivery.delivery_key(follow) == "follow:2468000000000000001:1764140005000"
    assert len(delivery.dedup_id(delivery.delivery_key(follow))) <= 128
