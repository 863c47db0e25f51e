"""Zalo events become engine turns: a location and submitted user info reach the flows."""

from __future__ import annotations

import json

import pytest

from chalicelib.conversation.model import Location, UserInfo
from chalicelib.inbound.processor import Processor
from chalicelib.zalo import events
from tests.conftest import fixture_event


def _turn(body: dict):
    processor = Processor(
        jobs=None,
        users=None,
        sessions=None,
        notifier=None,
        lookups=None,
        dossiers=None,
        engine_settings=None,
    )
    return processor._turn(events.parse(body), first=False, consented=True)


def test_a_shared_location_arrives_as_a_location_turn_with_its_coordinates() -> None:
    turn = _turn(json.loads(fixture_event("user_send_location")[0]))
    assert turn.kind == "location"
    assert turn.location == Location(latitude=9.1768, longitude=105.1524)


@pytest.mark.parametrize("coordinates", [{"latitude": "x", "longitude": "1"},
                                         {"latitude": "91", "longitude": "105"}])  # fmt: skip
def test_unusable_coordinates_leave_the_location_empty(coordinates: dict) -> None:
    body = json.loads(fixture_event("user_send_location")[0])
    body["message"]["attachments"][0]["payload"]["coordinates"] = coordinates
    turn = _turn(body)
    assert turn.kind == "location" and turn.location is None


@pytest.mark.parametrize(
    ("fixture", "address"),
    [
        ("user_submit_info_new", "Số 12 Hùng Vương, Phường Tân Thành, Tỉnh Cà Mau"),
        ("user_submit_info_old", "Số 12 Hùng Vương, Phường 5, Thành phố Cà Mau, Cà Mau"),
    ],
)
def test_submitted_user_info_arrives_with_name_phone_and_one_address_line(
    fixture: str, address: str
) -> None:
    turn = _turn(json.loads(fixture_event(fixture)[0]))
    assert turn.kind == "submit_info"
    assert turn.user_info == UserInfo(name="Nguyễn Văn An", phone="84912345678", address=address)


def test_a_text_turn_has_no_location_or_user_info() -> None:
    turn = _turn(json.loads(fixture_event("user_send_text")[0]))
    assert turn.kind == "text" and turn.location is None and turn.user_info is None
