"""Supplement in the chat and withdrawal (issue 12), end to end through the consumer on moto:
webhook bodies in, Zalo's CDN answered by `responses` on an allow-listed host, the dossier and
the messages out. Every Zalo event is delivered twice: one effect, one reply."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.conversation import texts
from chalicelib.domain.dossier import DossierStatus
from chalicelib.inbound import consumer as inbound
from tests.inbound.conftest import CDN
from tests.inbound.test_processor import USER, _event, _record, _text_event

START = int(time.time() * 1000)


class Citizen:
    """Sends events as the chat user; every event is delivered twice (Zalo retries)."""

    def __init__(self, zalo) -> None:
        self.zalo, self.n = zalo, 0

    def _deliver(self, body: str, ref: str) -> None:
        inbound.consume(_event(_record(body, message_id=ref)))
        inbound.consume(_event(_record(body, message_id=ref + "-again")))

    def say(self, text: str) -> list[dict]:
        self.n += 1
        before = len(self.zalo.sent)
        body = _text_event(text, f"cw{self.n}", START + self.n * 1000)
        self._deliver(body, f"cw{self.n}")
        return self.zalo.sent[before:]

    def send_image(self, url: str) -> list[dict]:
        return self.send(url, "image")

    def send_file(self, url: str) -> list[dict]:
        return self.send(url, "file", name=url.rsplit("/", 1)[-1])

    def send(self, url: str, kind: str, name: str = "") -> list[dict]:
        self.n += 1
        before = len(self.zalo.sent)
        payload = {"url": url, "name": name} if name else {"url": url}
        body = json.dumps(
            {
                "app_id": "1234567890123456789",
                "sender": {"id": USER},
                "recipient": {"id": "3880000000000000001"},
                "event_name": f"user_send_{kind}",
                "message": {
                    "msg_id": f"cw{self.n}",
                    "attachments": [{"type": kind, "payload": payload}],
                },
                "timestamp": str(START + self.n * 1000),
            }
        )
        self._deliver(body, f"cw{self.n}")
        return self.zalo.sent[before:]


def _text(messages: list[dict]) -> str:
    return "\n".join(m["message"]["text"] for m in messages)


def _payloads(messages: list[dict]) -> list[str]:
    out = []
    for m in messages:
        for button in (m["message"].get("attachment") or {}).get("payload", {}).get("buttons", []):
            out.append(button["payload"])
    return out


@pytest.fixture
def dossiers(aws):
    """The sample dossiers: the first (status 4, linked to the chat user), the second (status
    5, linked here too) and the third (status 9, nobody's); the chat user has consented."""
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users
    from local.seed import sample_dossiers

    now = datetime.now(tz=UTC) - timedelta(minutes=5)
    processing, supplement, finished, _ = sample_dossiers(now)
    store = Dossiers(get_table())
    for dossier in (processing, supplement, finished):
        store.add(dossier)
    assert store.link_owner(supplement.code, USER)
    Users(get_table()).grant_consent(USER, now)
    return store, processing.code, supplement.code, finished.code


def test_supplement_round_trip_through_the_chat(cdn, dossiers) -> None:
    store, _, code, _ = dossiers
    citizen = Citizen(cdn)
    view = citizen.say(f"#dossier:{code}")
    assert f"#supp:{code}" in _payloads(view) and f"#withdraw:{code}" in _payloads(view)
    assert texts.SUPPLEMENT_HINT in _text(view)

    started = citizen.say(f"#supp:{code}")
    assert "Bản vẽ thiết kế xây dựng (2 bản)" in _text(started)
    assert "#supp:done" in _payloads(started)

    got = citizen.send_image(f"{CDN}/a.jpg")
    assert texts.supplement_file_received("Bản vẽ thiết kế xây dựng (2 bản)", 1) in _text(got)
    assert "#supp:done" in _payloads(got)  # the step's buttons stay on the confirmation
    refused = citizen.send_image(f"{CDN}/evil.jpg")
    assert "Bản vẽ" not in _text(refused) and refused  # the reason, not a confirmation
    citizen.send_file(f"{CDN}/b.pdf")

    finished = citizen.say("xong")
    assert texts.supplement_finished(code, ["Bản vẽ thiết kế xây dựng (2 bản)"], []) in _text(
        finished
    )

    dossier, _ = store.get(code)
    # Two files (a delivered-twice image is attached once; the script is not kept), the status
    # unchanged, one history note, and the dossier moved in the back office's feed.
    sent = [d for d in dossier.documents if d.component_code == "supplement"]
    assert [d.content_type for d in sent] == ["image/jpeg", "application/pdf"]
    assert all(d.key.startswith("documents/") for d in sent)
    assert dossier.status is DossierStatus.SUPPLEMENT_REQUESTED
    notes = [h for h in dossier.history if h.event == "supplement_received"]
    assert len(notes) == 1 and notes[0].note == "Bản vẽ thiết kế xây dựng (2 bản)"
    from chalicelib.storage.table import get_table

    # Every dossier write keeps the feed (creation too): this one is now the latest change.
    feed, _ = get_table().query("FEED", index="gsi2")
    assert feed[-1]["pk"] == f"DOSSIER#{code}"
    assert [item["pk"] for item in feed].count(f"DOSSIER#{code}") == 1

    # The owner's view now tells what was received.
    view = citizen.say(f"#dossier:{code}")
    assert texts.HISTORY_EVENT_LABELS["supplement_received"] in _text(view)


def test_supplement_only_for_the_owner_of_a_dossier_awaiting_it(cdn, dossiers) -> None:
    store, processing, code, others = dossiers
    citizen = Citizen(cdn)
    answer = citizen.say(f"#supp:{others}")  # not linked to this user
    assert texts.supplement_owner_only(others) in _text(answer)
    answer = citizen.say(f"#supp:{processing}")  # this user's, but status 4
    assert "không ở trạng thái yêu cầu bổ sung" in _text(answer)
    assert "#supp:" not in " ".join(_payloads(citizen.say(f"#dossier:{processing}")))

    # The dossier leaves status 5 while the citizen is sending: the file is not attached and
    # the citizen is told so.
    citizen.say("bo sung ho so")
    found, version = store.get(code)
    found.transition(DossierStatus.ACCEPTED, datetime.now(tz=UTC), "officer")
    store.save(found, read_version=version)
    late = citizen.send_image(f"{CDN}/a.jpg")
    assert texts.supplement_closed(code, "02903 xxx xxx")[:40] in _text(late)
    assert not [d for d in store.get(code)[0].documents if d.component_code == "supplement"]


def test_withdrawal_request_with_reason_is_recorded_once(cdn, dossiers) -> None:
    store, _, code, _ = dossiers
    citizen = Citizen(cdn)
    choose = citizen.say("rut ho so")  # two dossiers of this user may be withdrawn
    assert f"#withdraw:{code}" in _payloads(choose) and len(_payloads(choose)) == 3
    asked = citizen.say(_payloads(choose)[1])
    assert f"RÚT HỒ SƠ {code}" in _text(asked) and "#withdraw:yes" in _payloads(asked)
    with_reason = citizen.say("Tôi đã nộp trực tiếp tại bộ phận một cửa")
    assert "Lý do: Tôi đã nộp trực tiếp tại bộ phận một cửa" in _text(with_reason)
    done = citizen.say("#withdraw:yes")
    assert texts.withdrawal_requested(code) in _text(done)

    dossier, _ = store.get(code)
    assert dossier.withdrawal_requested_at is not None
    assert dossier.withdrawal_reason == "Tôi đã nộp trực tiếp tại bộ phận một cửa"
    assert dossier.status is DossierStatus.SUPPLEMENT_REQUESTED  # the back office confirms (7)
    assert [h.event for h in dossier.history].count("withdrawal_requested") == 1

    again = citizen.say(f"#withdraw:{code}")
    assert texts.withdrawal_already(code) in _text(again)
    assert f"#withdraw:{code}" not in _payloads(citizen.say(f"#dossier:{code}"))


def test_withdrawal_can_be_declined_and_is_refused_after_a_result(cdn, dossiers) -> None:
    store, processing, code, others = dossiers
    citizen = Citizen(cdn)
    assert texts.withdrawal_owner_only(others) in _text(citizen.say(f"#withdraw:{others}"))
    citizen.say(f"#withdraw:{code}")
    kept = citizen.say("#withdraw:no")
    assert texts.withdrawal_kept(code) in _text(kept)
    assert store.get(code)[0].withdrawal_requested_at is None

    citizen.say(f"#withdraw:{processing}")  # asked while processing...
    found, version = store.get(processing)
    found.transition(DossierStatus.RESULT_READY, datetime.now(tz=UTC), "officer")
    store.save(found, read_version=version)
    late = citizen.say("#withdraw:yes")  # ...confirmed after the result: refused, said plainly
    assert "Chưa gửi được đề nghị rút hồ sơ" in _text(late)
    assert store.get(processing)[0].withdrawal_requested_at is None
