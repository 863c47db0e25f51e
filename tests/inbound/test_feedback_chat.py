"""The whole path in moto, through the inbound consumer: a citizen files a question in the
chat, an officer asks for information (the notice goes through the outbox), the citizen's next
message goes to the item, the officer answers, the citizen rates the answer."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from chalicelib.domain.feedback import FeedbackState, find_ref
from chalicelib.inbound import consumer as inbound
from chalicelib.root import get_feedback_service
from tests.inbound.test_processor import USER, _event, _record, _text_event

QUESTION = "Làm giấy khai sinh cho con ở phường An Xuyên cần mang theo những giấy tờ gì"


@dataclass(frozen=True)
class Officer:
    id: str = "backoffice"
    agencies: frozenset[str] = field(default_factory=frozenset)

    def serves(self, agency: str | None) -> bool:
        return True


class Citizen:
    def __init__(self) -> None:
        self.n = 0
        self.at = int(time.time() * 1000) - 600_000

    def says(self, text: str) -> None:
        self.n += 1
        self.at += 1000
        raw = _text_event(text, f"fb-{self.n}", self.at)
        assert inbound.consume(_event(_record(raw, message_id=f"fb-{self.n}"))) == {
            "batchItemFailures": []
        }


def _deliver_queued_notices() -> int:
    """Hand what the outbox queued to the consumer, as Lambda would."""
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().INBOUND_QUEUE)["QueueUrl"]
    got = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", [])
    for m in got:
        record = _record(m["Body"], message_id=m["MessageId"])
        record["attributes"]["MessageGroupId"] = m["Attributes"]["MessageGroupId"]
        assert inbound.consume(_event(record)) == {"batchItemFailures": []}
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return len(got)


def test_question_info_request_answer_and_rating_through_the_chat(zalo) -> None:
    citizen = Citizen()
    citizen.says("hỏi đáp")  # first words: greeting and the notice; the request waits
    citizen.says("#consent:yes")
    assert any("HỎI ĐÁP, PHẢN ÁNH KIẾN NGHỊ" in t for t in zalo.texts_to(USER))
    citizen.says("#fb:kind:question")
    citizen.says(QUESTION)
    citizen.says("#fb:next")
    citizen.says("#fb:send")
    receipt = zalo.texts_to(USER)[-1]
    ref = find_ref(receipt)
    assert ref is not None and "Thời hạn trả lời dự kiến" in receipt
    service = get_feedback_service()
    fb, _ = service.store.get(ref)
    assert fb.content == QUESTION and fb.agency == "000.00.00.H12"  # the provincial centre

    # The officer asks for more; the notice reaches the citizen through the outbox, once.
    from datetime import UTC, datetime

    ask = {"question": "Con Ông/Bà sinh ở cơ sở y tế hay tại nhà?"}
    service.act(ref, Officer(), "request_info", ask, datetime.now(UTC))
    assert _deliver_queued_notices() == 1
    assert "sinh ở cơ sở y tế hay tại nhà" in zalo.texts_to(USER)[-1]

    # The citizen simply answers: the next message goes to the item.
    citizen.says("Cháu sinh ở bệnh viện tỉnh Cà Mau, có giấy chứng sinh")
    assert ref in zalo.texts_to(USER)[-1]
    fb, _ = service.store.get(ref)
    assert fb.state is FeedbackState.NEW
    assert fb.events[-1].kind == "supplement" and "bệnh viện tỉnh" in fb.events[-1].text
    citizen.says("#fb:done")
    citizen.says("tra cứu hồ sơ")  # no longer awaited: an ordinary request again
    assert "mã hồ sơ" in zalo.texts_to(USER)[-1]

    service.act(
        ref, Officer(), "answer", {"answer": "Mang giấy chứng sinh và tờ khai."}, datetime.now(UTC)
    )
    assert _deliver_queued_notices() == 1
    sent = zalo.sent[-1]
    assert "Mang giấy chứng sinh" in sent["message"]["text"]
    buttons = [b["payload"] for b in sent["message"]["attachment"]["payload"]["buttons"]]
    assert buttons == [f"#fb:rate:{ref}:good", f"#fb:rate:{ref}:bad"]
    citizen.says(f"#fb:rate:{ref}:good")
    assert service.store.get(ref)[0].rating == "satisfied"
    citizen.says("phản ánh của tôi")
    assert ref in zalo.texts_to(USER)[-1] and "Đã trả lời" in zalo.texts_to(USER)[-1]
