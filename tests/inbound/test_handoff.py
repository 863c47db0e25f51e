"""The live conversation with an officer, from the chat side, against moto: "Gặp cán bộ" opens
it and silences the bot; texts, locations and files are forwarded (files through the document
checks); "kết thúc", an officer's close and 24 idle hours lift the silence; the away message
goes out once per off-hours period; a citizen without a conversation costs what it did."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.conversation import texts
from chalicelib.documents.download import Downloaded
from chalicelib.documents.intake import DocumentIntake
from chalicelib.inbound.consumer import consume
from chalicelib.platform.aws import client
from chalicelib.root import get_document_store, get_live_conversations, get_notifier, get_processor
from chalicelib.storage.conversations import POINTER_SK
from chalicelib.storage.table import get_table
from tests.documents import samples

USER = "2468000000000000042"
# Wednesday 2 December 2026, 09:00 in Cà Mau (a working day, office hours).
BASE = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
AGENCY = "000.00.17.H12"


class FakeCdn:
    """Zalo's CDN: serves the bytes registered for a URL (the rest of the intake is real)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.fetched: list[str] = []

    def fetch(self, url: str) -> Downloaded:
        self.fetched.append(url)
        return Downloaded(self.files[url], "")


class Chat:
    """One citizen writing at chosen moments; every event goes through the real consumer."""

    def __init__(self, zalo, cdn: FakeCdn) -> None:
        self.zalo, self.cdn, self.n = zalo, cdn, 0
        self.now = BASE

    def _send(self, body: dict, at: datetime | None = None, msg_id: str | None = None) -> dict:
        self.n += 1
        when = at or (self.now + timedelta(seconds=self.n))
        body = {
            "app_id": "1234567890123456789",
            "sender": {"id": USER},
            "recipient": {"id": "3880000000000000001"},
            "timestamp": str(int(when.timestamp() * 1000)),
            **body,
        }
        if "message" in body:
            body["message"].setdefault("msg_id", msg_id or f"h-{self.n}")
        record = {
            "messageId": f"m{self.n}",
            "receiptHandle": f"r{self.n}",
            "body": json.dumps(body, ensure_ascii=False),
            "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": USER},
        }
        result = consume({"Records": [record]})
        assert result == {"batchItemFailures": []}
        return record

    def text(self, text: str, at: datetime | None = None, msg_id: str | None = None) -> list[str]:
        before = len(self.zalo.texts_to(USER))
        self._send({"event_name": "user_send_text", "message": {"text": text}}, at, msg_id)
        return self.zalo.texts_to(USER)[before:]

    def image(self, url: str, at: datetime | None = None) -> list[str]:
        before = len(self.zalo.texts_to(USER))
        message = {"text": "", "attachments": [{"type": "image", "payload": {"url": url}}]}
        self._send({"event_name": "user_send_image", "message": message}, at)
        return self.zalo.texts_to(USER)[before:]

    def location(self, lat: str, lon: str, at: datetime | None = None) -> list[str]:
        before = len(self.zalo.texts_to(USER))
        coordinates = {"latitude": lat, "longitude": lon}
        message = {
            "text": "",
            "attachments": [{"type": "location", "payload": {"coordinates": coordinates}}],
        }
        self._send({"event_name": "user_send_location", "message": message}, at)
        return self.zalo.texts_to(USER)[before:]


@pytest.fixture
def chat(zalo):
    cdn = FakeCdn()
    processor = get_processor()
    processor.clock = lambda: BASE + timedelta(days=2)
    get_notifier()._clock = lambda: BASE + timedelta(days=2)
    assert processor.live is not None
    intake = DocumentIntake(cdn, get_document_store(), max_bytes=10 * 1024 * 1024)  # type: ignore[arg-type]
    processor.live = dataclasses.replace(processor.live, intake=intake)
    c = Chat(zalo, cdn)
    c.text("menu", at=BASE - timedelta(minutes=5))
    c.text("#consent:yes", at=BASE - timedelta(minutes=4))
    return c


def _conversation() -> dict:
    items, _ = get_table().query(f"INBOX#{AGENCY}", index="gsi2", sk_prefix="live#")
    assert len(items) == 1
    return items[0]


def _messages(ref: str) -> list[dict]:
    return get_table().query(f"LIVE#{ref}", sk_prefix="MSG#", consistent=True)[0]


def _pointer() -> dict | None:
    return get_table().get(f"USER#{USER}", POINTER_SK, consistent=True)


def test_gap_can_bo_opens_a_conversation_in_the_inbox_and_silences_the_bot(chat) -> None:
    replies = chat.text("gap can bo")
    assert replies == [texts.live_opened()]
    conversation = _conversation()
    assert conversation["state"] == "open" and conversation["agency"] == AGENCY
    assert conversation["gsi2sk"].startswith("live#open#2026-12-02T02:00")
    assert _pointer()["ref"] == conversation["ref"]
    # Words the bot would answer go to the officer instead, without a reply.
    assert chat.text("tra cứu hồ sơ") == []
    assert chat.text("Nói chuyện với người, tôi cần hỏi về giấy phép xây dựng") == []
    stored = [m["text"] for m in _messages(conversation["ref"])]
    assert stored == ["tra cứu hồ sơ", "Nói chuyện với người, tôi cần hỏi về giấy phép xây dựng"]
    assert get_table().get(f"LIVE#{conversation['ref']}", "LIVE")["messages"] == 2


@pytest.mark.parametrize("phrase", ["Nói chuyện với người", "tư vấn viên", "GAP CAN BO"])
def test_the_phrases_citizens_use_open_it(chat, phrase) -> None:
    assert chat.text(phrase) == [texts.live_opened()]
    assert _pointer() is not None


def test_a_redelivered_message_is_forwarded_once(chat) -> None:
    chat.text("gap can bo")
    at = BASE + timedelta(minutes=1)
    chat.text("xin chào cán bộ", at=at, msg_id="same")
    chat.text("xin chào cán bộ", at=at, msg_id="same")
    assert [m["text"] for m in _messages(_conversation()["ref"])] == ["xin chào cán bộ"]


def test_files_are_checked_stored_and_forwarded_once(chat) -> None:
    chat.text("gap can bo")
    chat.cdn.files["https://zdn.vn/a.jpg"] = samples.jpeg()
    chat.cdn.files["https://zdn.vn/b.jpg"] = samples.script()
    assert chat.image("https://zdn.vn/a.jpg") == []
    refused = chat.image("https://zdn.vn/b.jpg")
    assert len(refused) == 1 and refused[0].startswith("Tệp này chưa được chuyển cho cán bộ.")
    assert chat.location("9.1769", "105.1524") == []
    messages = _messages(_conversation()["ref"])
    assert len(messages) == 2
    file = messages[0]["file"]
    assert file["content_type"] == "image/jpeg" and file["key"].startswith("uploads/")
    assert get_document_store().read(file["key"]) == samples.jpeg()
    assert (messages[1]["latitude"], messages[1]["longitude"]) == (9.1769, 105.1524)
    # The erasure of the citizen's data finds the file.
    notes = get_table().query(f"USER#{USER}", sk_prefix="UPLOAD#")[0]
    assert [n["sk"] for n in notes] == [f"UPLOAD#{file['key']}"]


def test_a_redelivered_file_is_fetched_once(chat) -> None:
    chat.text("gap can bo")
    chat.cdn.files["https://zdn.vn/a.jpg"] = samples.jpeg()
    record = chat._send(
        {
            "event_name": "user_send_image",
            "message": {
                "text": "",
                "attachments": [{"type": "image", "payload": {"url": "https://zdn.vn/a.jpg"}}],
                "msg_id": "img-1",
            },
        }
    )
    consume({"Records": [record]})
    assert chat.cdn.fetched == ["https://zdn.vn/a.jpg"]
    assert len(_messages(_conversation()["ref"])) == 1


def test_ket_thuc_ends_it_and_the_bot_answers_again(chat) -> None:
    chat.text("gap can bo")
    replies = chat.text("Kết thúc!")
    assert replies[0] == texts.LIVE_ENDED_BY_CITIZEN
    assert texts.MENU_TEXT in replies[1]
    assert _pointer() is None
    conversation = _conversation()
    assert conversation["state"] == "closed" and conversation["closed_by"] == "citizen"
    assert conversation["gsi2sk"].startswith("live#closed#")
    # The bot answers again; "kết thúc" said inside a sentence was never a command.
    assert chat.text("tra cứu hồ sơ") != []


def test_ket_thuc_inside_a_sentence_is_forwarded(chat) -> None:
    chat.text("gap can bo")
    assert chat.text("khi nào thì kết thúc hồ sơ của tôi") == []
    assert _pointer() is not None


def test_a_bot_button_tapped_during_the_conversation_ends_it(chat) -> None:
    chat.text("gap can bo")
    replies = chat.text("#flow:procedures")
    assert replies[0] == texts.LIVE_ENDED_BY_CITIZEN and len(replies) == 2
    assert _pointer() is None


def test_the_end_button_after_the_conversation_ended_says_so(chat) -> None:
    chat.text("gap can bo")
    chat.text("ket thuc")
    replies = chat.text("#live:end")
    assert replies[0].startswith(texts.LIVE_NOT_OPEN)


def test_24_idle_hours_lift_the_silence_on_the_next_message(chat) -> None:
    chat.text("gap can bo", at=BASE)
    chat.text("còn ai không", at=BASE + timedelta(hours=1))
    assert chat.text("alo", at=BASE + timedelta(hours=24, minutes=30)) == []  # 23.5 h idle
    replies = chat.text("menu", at=BASE + timedelta(hours=48, minutes=31))
    assert replies[0] == texts.LIVE_ENDED_IDLE
    assert texts.MENU_TEXT in replies[1]
    assert _pointer() is None
    assert _conversation()["closed_by"] == "idle"
    assert [m["text"] for m in _messages(_conversation()["ref"])] == ["còn ai không", "alo"]


def test_the_away_message_goes_out_once_per_off_hours_period(chat) -> None:
    evening = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # 20:00 local
    chat.text("gap can bo", at=BASE)
    away = chat.text("tôi cần hỏi thêm", at=evening)
    assert away == [texts.live_away(datetime(2026, 12, 3, 0, 30, tzinfo=UTC), evening)]
    assert "07:30 ngày mai" in away[0]
    assert chat.text("còn nữa", at=evening + timedelta(minutes=5)) == []
    assert chat.text("sáng rồi", at=datetime(2026, 12, 3, 1, 0, tzinfo=UTC)) == []  # 08:00
    lunch = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)  # 12:00 local: the next period
    assert len(chat.text("trưa rồi", at=lunch)) == 1
    assert chat.text("vẫn chờ", at=lunch + timedelta(minutes=1)) == []


def test_opening_off_hours_says_when_someone_answers_once(chat) -> None:
    friday_evening = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)  # Friday 18:00 local
    replies = chat.text("gap can bo", at=friday_evening)
    monday = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
    assert replies == [texts.live_opened(), texts.live_away(monday, friday_evening)]
    assert "Thứ Hai" in replies[1]
    assert chat.text("câu hỏi", at=friday_evening + timedelta(minutes=1)) == []


def test_a_citizen_without_a_conversation_pays_nothing_more(chat) -> None:
    calls: Counter[str] = Counter()
    client("dynamodb").meta.events.register(
        "before-call.*.*", lambda event_name, **_: calls.update([event_name.split(".")[-1]])
    )
    chat.text("menu")
    assert sum(calls.values()) <= 4, dict(calls)


def test_forwarding_a_text_costs_four_calls(chat) -> None:
    chat.text("gap can bo")
    calls: Counter[str] = Counter()
    client("dynamodb").meta.events.register(
        "before-call.*.*", lambda event_name, **_: calls.update([event_name.split(".")[-1]])
    )
    assert chat.text("một câu hỏi") == []
    assert dict(calls) == {"UpdateItem": 2, "Query": 1, "TransactWriteItems": 1}


def test_the_officer_closing_lifts_the_silence(chat) -> None:
    chat.text("gap can bo")
    conversations = get_live_conversations()
    conversation = conversations.get(_conversation()["ref"])
    assert conversations.close(conversation, BASE + timedelta(hours=1), "officer:cb01")
    assert not conversations.close(conversation, BASE + timedelta(hours=1), "officer:cb01")
    assert _pointer() is None
    assert chat.text("tra cứu hồ sơ") != []


def test_erasing_the_citizens_data_erases_their_conversations(chat) -> None:
    chat.text("gap can bo")
    chat.cdn.files["https://zdn.vn/a.jpg"] = samples.jpeg()
    chat.image("https://zdn.vn/a.jpg")
    chat.text("số điện thoại của tôi là 0912345678")
    ref = _conversation()["ref"]
    key = _messages(ref)[0]["file"]["key"]
    chat.text("ket thuc")
    chat.text("xóa dữ liệu của tôi")
    chat.text("#erase:yes")
    assert get_table().query(f"LIVE#{ref}", consistent=True)[0] == []
    assert get_table().query(f"INBOX#{AGENCY}", index="gsi2", sk_prefix="live#")[0] == []
    left = get_table().query(f"USER#{USER}", consistent=True)[0]
    assert [i["sk"] for i in left if not i["sk"].startswith("NOTICE#")] == []  # the answer's
    assert _pointer() is None
    assert get_document_store().head(key) is None


def test_a_sticker_is_not_forwarded_and_the_citizen_is_told(chat) -> None:
    chat.text("gap can bo")
    before = len(chat.zalo.texts_to(USER))
    sticker = {"type": "sticker", "payload": {"id": "s1", "url": "https://zdn.vn/s.png"}}
    chat._send({"event_name": "user_send_sticker", "message": {"attachments": [sticker]}})
    assert chat.zalo.texts_to(USER)[before:] == [texts.LIVE_CONTENT_NOT_FORWARDED]
    assert _messages(_conversation()["ref"]) == []
    assert _pointer() is not None
