"""Questions, feedback and petitions end to end against moto (issue 14): filed from the chat's
actions once, the officers' answer, information request, transfer, rejection and publication
round trips with their notices queued once through the outbox, the inbox and due indexes, the
FAQ search without diacritics, ownership reviews in the inbox, and erasure."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.conversation import texts
from chalicelib.conversation.flows.feedback import (
    FileFeedback,
    RateFeedback,
    ReceiveFeedbackFile,
    SupplementFeedback,
)
from chalicelib.domain.feedback import FeedbackState, review_ref
from chalicelib.domain.masking import MASK
from chalicelib.inbound import effects
from chalicelib.root import get_document_store, get_feedback_service
from chalicelib.services.feedback import FeedbackError
from chalicelib.storage.dossiers import Dossiers
from chalicelib.storage.drafts import DraftFiles
from chalicelib.storage.table import get_table
from chalicelib.storage.users import Users
from tests.documents import samples

AT = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)  # Thursday 09:30 in Cà Mau
USER = "2468000000000000001"
AGENCY = "000.00.17.H12"
OTHER = "000.00.09.H12"
SENDER = {
    "name": "Nguyễn Văn An",
    "phone": "+84912345678",
    "address": "Số 12 đường Lý Thường Kiệt, phường An Xuyên",
}


class OneFileIntake:
    def __init__(self) -> None:
        self.calls = 0

    def accept(self, url: str, **_: object):
        self.calls += 1
        return get_document_store().put_upload(
            samples.jpeg(), content_type="image/jpeg", detected_type="jpeg", name="p.jpg"
        )


@dataclass(frozen=True)
class Officer:
    id: str = "backoffice"
    agencies: frozenset[str] = field(default_factory=frozenset)

    def serves(self, agency: str | None) -> bool:
        return not self.agencies or agency in self.agencies


@pytest.fixture
def wired(aws):
    intake = OneFileIntake()
    tools = effects.FeedbackTools(
        service=get_feedback_service(), intake=intake, drafts=DraftFiles(get_table())
    )
    c = effects.Collaborators(
        users=Users(get_table()),
        dossiers=None,
        notices=None,
        hotline="0290",
        feedback=lambda: tools,
    )  # type: ignore[arg-type]
    return tools, c


def _queued() -> list[dict]:
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().INBOUND_QUEUE)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    messages = got.get("Messages", [])
    for m in messages:  # consumed: the FIFO group's next message can be received
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"])["outbox_notice"] for m in messages]


def _file(c, kind: str = "feedback", content: str = "", **extra) -> effects.EffectResult:
    action = FileFeedback(
        at=AT,
        draft_id="draft-1",
        feedback_kind=kind,
        content=content or "Đường ấp Tân Thành ngập sâu, ông Nguyễn Văn An gọi 0912345678 hỏi",
        agency_hint=AGENCY,
        sender=SENDER if kind != "question" else None,
        **extra,
    )
    return effects.apply(action.model_dump(mode="json"), USER, c)


def _ref(result: effects.EffectResult) -> str:
    from chalicelib.domain.feedback import find_ref

    ref = find_ref(result.replies_instead[0])
    assert ref is not None
    return ref


def test_filed_once_with_files_listed_for_the_sender_in_the_inbox_and_due(wired) -> None:
    tools, c = wired
    receive = ReceiveFeedbackFile(at=AT, draft_id="draft-1", ref="f1", url="https://z/1.jpg")
    for _ in range(2):  # a redelivery stores the file once
        effects.apply(receive.model_dump(mode="json"), USER, c)
    assert tools.intake.calls == 1
    first = _file(c)
    again = _file(c)  # a redelivered confirmation
    ref = _ref(first)
    assert first.replies_instead == again.replies_instead
    assert "Thời hạn trả lời dự kiến: 17/12/2026" in first.replies_instead[0]  # 15 working days
    fb, version = tools.service.store.get(ref)
    assert version == 1 and fb.agency == AGENCY and fb.sender.name == "Nguyễn Văn An"
    [kept] = fb.files
    assert kept.key.startswith("feedback/")  # out of the expiring uploads/ prefix
    [mine] = tools.service.store.of_user(USER)
    assert (mine.ref, mine.state) == (ref, FeedbackState.NEW)
    page = tools.service.store.inbox(AGENCY, "new", None)
    assert [i["ref"] for i in page.items] == [ref]
    due, _ = get_table().query("DUE", index="gsi3", sk_prefix="2026-11-30#feedback#")
    assert [i["ref"] for i in due] == [ref]  # reject target: 2 working days


def test_a_feedback_without_identity_is_refused_with_the_reason(wired) -> None:
    tools, c = wired
    action = FileFeedback(
        at=AT, draft_id="d2", feedback_kind="petition", content="Kiến nghị sửa quy định phí"
    )
    result = effects.apply(action.model_dump(mode="json"), USER, c)
    assert not result.applied and result.reason == "feedback_identity_required"
    assert "Nghị định 20/2008" in result.replies_instead[0]
    assert tools.service.store.of_user(USER) == []


def test_information_request_round_trip(wired) -> None:
    tools, c = wired
    ref = _ref(_file(c))
    service, officer = tools.service, Officer(agencies=frozenset({AGENCY}))
    body = {"question": "Ông/Bà gửi ảnh chụp đoạn đường bị ngập."}
    later = AT + timedelta(days=1)
    service.act(ref, officer, "request_info", body, later)
    service.act(ref, officer, "request_info", body, later)  # a retried request
    [notice] = _queued()  # one notice (the second is the same id: deduplicated)
    assert notice["notice_id"] == f"feedback:{ref}:event:1" and notice["user_id"] == USER
    assert "#fb:info:" + ref in [b["payload"] for b in notice["message"]["buttons"]]
    fb, _ = service.store.get(ref)
    assert fb.state is FeedbackState.INFO_REQUESTED and len(fb.events) == 2
    with pytest.raises(FeedbackError) as wrong:
        service.act(ref, officer, "request_info", {"question": "Khác"}, later)
    assert wrong.value.code == "feedback_wrong_state"
    # the citizen answers in the chat: a text and a photo
    for part, extra in (("p1", {"text": "Ảnh chụp sáng nay"}), ("p2", {"url": "https://z/2.jpg"})):
        action = SupplementFeedback(at=later + timedelta(days=1), ref=ref, part=part, **extra)
        for _ in range(2):  # redelivered: added once
            result = effects.apply(action.model_dump(mode="json"), USER, c)
            assert result.applied
    fb, _ = service.store.get(ref)
    assert fb.state is FeedbackState.NEW
    assert [e.kind for e in fb.events] == ["filed", "request_info", "supplement", "supplement"]
    assert (
        len(fb.files) == 1 and fb.targets["answer"].isoformat() == "2026-12-21"
    )  # from Monday 30/11
    # someone else cannot add to it
    other = SupplementFeedback(at=later, ref=ref, part="x", text="Không phải của tôi")
    result = effects.apply(other.model_dump(mode="json"), "someone-else", c)
    assert not result.applied and result.replies_instead == [texts.FEEDBACK_NOT_YOURS]


def test_transfer_round_trip_moves_the_inbox_item_and_counts_the_rule(wired) -> None:
    tools, c = wired
    ref = _ref(_file(c))
    service = tools.service
    with pytest.raises(FeedbackError) as foreign:
        service.act(ref, Officer(agencies=frozenset({OTHER})), "transfer", {}, AT)
    assert foreign.value.code == "agency_not_served"
    with pytest.raises(FeedbackError) as bad:
        service.act(ref, Officer(), "transfer", {"agency": "xyz", "reason": "r"}, AT)
    assert bad.value.code == "invalid_agency"
    eight_working_days = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
    body = {"agency": OTHER, "reason": "Thuộc thẩm quyền Sở Xây dựng"}
    out = service.act(ref, Officer(), "transfer", body, eight_working_days)
    assert out["agency"] == OTHER and out["working_days_since_filed"] == 8
    assert out["within_transfer_rule"] is False
    assert service.store.inbox(AGENCY, None, None).items == []
    assert [i["ref"] for i in service.store.inbox(OTHER, "new", None).items] == [ref]
    [notice] = _queued()
    assert "Thuộc thẩm quyền Sở Xây dựng" in notice["message"]["text"]
    # the new agency answers; the citizen rates it
    service.act(
        ref,
        Officer(agencies=frozenset({OTHER})),
        "answer",
        {"answer": "Đã xử lý."},
        eight_working_days,
    )
    [answer] = _queued()
    assert [b["payload"] for b in answer["message"]["buttons"]] == [
        f"#fb:rate:{ref}:good",
        f"#fb:rate:{ref}:bad",
    ]
    rate = RateFeedback(at=eight_working_days, ref=ref, rating="unsatisfied")
    assert effects.apply(rate.model_dump(mode="json"), USER, c).applied
    assert service.store.get(ref)[0].rating == "unsatisfied"


def test_rejection_round_trip(wired) -> None:
    tools, c = wired
    ref = _ref(_file(c))
    out = tools.service.act(ref, Officer(), "reject", {"reason": "Nội dung không rõ"}, AT)
    assert out["state"] == "rejected"
    [notice] = _queued()
    assert "Nội dung không rõ" in notice["message"]["text"]
    assert [i["ref"] for i in tools.service.store.inbox(AGENCY, "rejected", None).items] == [ref]
    due, _ = get_table().query("DUE", index="gsi3")
    assert due == []  # nothing due once closed
    with pytest.raises(FeedbackError) as missing:
        tools.service.act(ref, Officer(), "answer", {}, AT)
    assert missing.value.code == "feedback_wrong_state"  # closed


def test_publication_masks_personal_data_and_the_faq_finds_it_without_diacritics(wired) -> None:
    from chalicelib.services.feedback import faq_entries, search_faq

    tools, c = wired
    ref = _ref(_file(c, "question", "Làm giấy khai sinh cho con ở phường An Xuyên cần gì?"))
    service = tools.service
    with pytest.raises(FeedbackError) as missing:
        service.act(ref, Officer(), "answer", {"answer": "  "}, AT)
    assert missing.value.code == "missing_answer"
    service.act(ref, Officer(), "answer", {"answer": "Mang tờ khai, giấy chứng sinh."}, AT)
    view = service.view(ref, Officer(), lambda key: f"https://signed/{key}")
    assert view["masked_suggestion"]["question"].startswith("Làm giấy khai sinh")
    approved = {
        "question": "Làm giấy khai sinh cho con cần gì? Liên hệ 0912 345 678",
        "answer": "Mang tờ khai, giấy chứng sinh.",
    }
    out = service.act(ref, Officer(), "publish", approved, AT)
    assert out["published"]["question"] == f"Làm giấy khai sinh cho con cần gì? Liên hệ {MASK}"
    [hit] = search_faq(faq_entries(service.store, 100, 0), "lam giay khai sinh", 5)
    assert hit.ref == ref and "0912" not in hit.question
    assert search_faq(faq_entries(service.store, 100, 0), "dang ky ket hon", 5) == []


def test_ownership_review_requests_reach_the_dossier_agencys_inbox(aws) -> None:
    code = f"{AGENCY}-261126-0007"
    dossiers = Dossiers(get_table())
    assert dossiers.request_review(code, USER, AT)
    assert dossiers.request_review(code, USER, AT)  # once per claimant and dossier
    service = get_feedback_service()
    [item] = service.store.inbox(AGENCY, "new", None).items
    assert item["ref"] == review_ref(code, USER) and item["kind"] == "ownership_review"
    fb, _ = service.store.get(item["ref"])
    assert fb.dossier_code == code and fb.user_id == USER


def test_erasure_anonymises_the_senders_items(wired) -> None:
    tools, c = wired
    receive = ReceiveFeedbackFile(at=AT, draft_id="draft-1", ref="f1", url="https://z/1.jpg")
    effects.apply(receive.model_dump(mode="json"), USER, c)
    ref = _ref(_file(c))
    [kept] = tools.service.store.get(ref)[0].files
    assert get_document_store().head(kept.key) is not None
    assert tools.service.erase_user(USER) == 1
    assert get_document_store().head(kept.key) is None  # in every version
    fb, _ = tools.service.store.get(ref)
    assert fb.sender is None and fb.user_id is None and fb.erased and fb.files == []
    assert "Nguyễn Văn An" not in fb.content and "0912345678" not in fb.content
    assert "Đường ấp Tân Thành ngập sâu" in fb.content  # the agency's record stays


def test_an_ownership_review_is_answered_but_never_published(aws) -> None:
    code = f"{AGENCY}-261126-0007"
    Dossiers(get_table()).request_review(code, USER, AT)
    service, ref = get_feedback_service(), review_ref(code, USER)
    service.act(ref, Officer(), "answer", {"answer": "Đã xem xét, giữ nguyên."}, AT)
    [notice] = _queued()
    assert notice["user_id"] == USER  # the claimant hears the outcome
    with pytest.raises(FeedbackError) as refused:
        service.act(ref, Officer(), "publish", {"question": "q", "answer": "a"}, AT)
    assert refused.value.code == "not_publishable"
