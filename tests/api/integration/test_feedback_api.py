"""The officer inbox on the integration API (issue 14): signed requests with the ``feedback``
scope, the inbox by agency and state with a cursor, one item with presigned links to its
files, the operations with their stable refusals, replay, and the public FAQ."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.api import feedback as api
from chalicelib.api import public
from chalicelib.api.integration.responses import body_of
from chalicelib.root import get_document_store, get_feedback_service
from chalicelib.services.feedback import StoredDoc
from tests.api.integration.signing import request
from tests.documents import samples

AGENCY = "000.00.17.H12"
USER = "2468000000000000001"
AT = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)


def _file(draft: str, kind: str = "question", content: str = "", files=()) -> str:
    fb = get_feedback_service().file(
        draft_id=draft,
        user_id=USER,
        kind=kind,
        content=content or "Đăng ký khai sinh cho con cần những giấy tờ gì, nộp ở đâu?",
        at=AT,
        agency_hint=AGENCY,
        sender={
            "name": "Nguyễn Văn An",
            "phone": "+84912345678",
            "address": "Số 12 Lý Thường Kiệt, An Xuyên",
        }
        if kind != "question"
        else None,
        files=list(files),
    )
    return fb.ref


def _status_body(response):
    return response.status_code, body_of(response)


def _queued_notice_ids() -> list[str]:
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().INBOUND_QUEUE)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for m in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"])["outbox_notice"]["notice_id"] for m in got]


def test_the_inbox_lists_by_agency_and_state_and_refuses_bad_input(aws) -> None:
    first, second = _file("d1"), _file("d2")
    status, body = _status_body(api.inbox(request(query_params={"agency": AGENCY, "state": "new"})))
    assert status == 200 and {i["ref"] for i in body["items"]} == {first, second}
    assert all(i["due"] == "2026-11-30" for i in body["items"])  # reject target
    assert body["cursor"] is None
    page = get_feedback_service().store.inbox(AGENCY, "new", None, limit=1)
    rest = get_feedback_service().store.inbox(AGENCY, "new", page.cursor, limit=1)
    assert len(page.items) == len(rest.items) == 1 and page.items != rest.items
    cases = [
        ({"agency": "nope"}, 400, "invalid_agency"),
        ({"agency": AGENCY, "state": "open"}, 400, "invalid_state"),
        ({"agency": AGENCY, "cursor": "bm90IG91cnM="}, 400, "invalid_cursor"),
    ]
    for params, want, code in cases:
        status, body = _status_body(api.inbox(request(query_params=params)))
        assert (status, body["error"]["code"]) == (want, code)
    status, body = _status_body(
        api.inbox(request(client="narrow", query_params={"agency": AGENCY}))
    )
    assert (status, body["error"]["code"]) == (403, "scope_not_allowed")


def test_one_item_with_presigned_links_and_the_masked_suggestion(aws) -> None:
    stored = get_document_store().put_upload(
        samples.jpeg(), content_type="image/jpeg", detected_type="jpeg", name="anh.jpg"
    )
    doc = StoredDoc(stored.key, stored.name, stored.content_type, stored.size, stored.sha256)
    ref = _file(
        "d3", "feedback", "Ông Nguyễn Văn An phản ánh: đường ấp 3 ngập, gọi 0912345678", [doc]
    )
    status, body = _status_body(api.get_one(request(), ref))
    assert status == 200 and body["sender"]["name"] == "Nguyễn Văn An"
    [link] = body["files"]
    assert link["name"] == "anh.jpg" and "X-Amz-Signature" in link["url"]
    assert "feedback/" in link["url"]
    assert "0912345678" not in body["masked_suggestion"]["question"]
    assert "Nguyễn Văn An" not in body["masked_suggestion"]["question"]
    for unknown in ("PAKN-000000-000000", "../../etc", "x" * 300):
        status, body = _status_body(api.get_one(request(), unknown))
        assert (status, body["error"]["code"]) == (404, "feedback_not_found")


def test_an_answer_is_queued_once_and_a_replay_gets_the_first_answer(aws) -> None:
    ref = _file("d4")
    answer = {"answer": "Mang tờ khai và giấy chứng sinh đến UBND phường."}
    signed = request("POST", answer, webhook_id="msg_answer_1")
    status, body = _status_body(api.act(signed, ref, "answer"))
    assert status == 200 and body["state"] == "answered"
    replay = api.act(request("POST", answer, webhook_id="msg_answer_1"), ref, "answer")
    assert replay.headers.get("webhook-replayed") == "true" and body_of(replay) == body
    # a retry under another webhook-id after a failure: same notice id, no second change
    status, again = _status_body(api.act(request("POST", answer), ref, "answer"))
    assert status == 200 and len(again["history"]) == 2
    assert _queued_notice_ids() == [f"feedback:{ref}:event:1"]
    status, body = _status_body(api.act(request("POST", {"reason": "x"}), ref, "reject"))
    assert (status, body["error"]["code"]) == (409, "feedback_wrong_state")


@pytest.mark.parametrize(
    ("operation", "body", "status", "code"),
    [
        ("answer", b"{not json", 400, "invalid_json"),
        ("answer", {}, 400, "missing_answer"),
        ("request-info", {"question": "x" * 1001}, 400, "question_too_long"),
        ("transfer", {"agency": AGENCY, "reason": "r"}, 400, "same_agency"),
        ("transfer", {"agency": "Sở Xây dựng", "reason": "r"}, 400, "invalid_agency"),
        ("reject", {}, 400, "missing_reason"),
        ("publish", {"question": "q", "answer": "a"}, 409, "feedback_wrong_state"),
        ("delete", {}, 404, "not_found"),
    ],
)
def test_operations_refuse_with_stable_codes(aws, operation, body, status, code) -> None:
    ref = _file("d5")
    got, answer = _status_body(api.act(request("POST", body), ref, operation))
    assert (got, answer["error"]["code"]) == (status, code)


def test_transfer_then_publish_and_the_public_faq_without_diacritics(aws) -> None:
    ref = _file("d6")
    status, body = _status_body(
        api.act(
            request("POST", {"agency": "000.00.09.H12", "reason": "Thuộc Sở Tư pháp"}),
            ref,
            "transfer",
        )
    )
    assert status == 200 and body["agency"] == "000.00.09.H12"
    assert body["within_transfer_rule"] in (True, False) and body["working_days_since_filed"] >= 0
    api.act(
        request("POST", {"answer": "Nộp tại Trung tâm Phục vụ hành chính công."}), ref, "answer"
    )
    approved = {
        "question": "Đăng ký khai sinh nộp ở đâu? Gọi 0987 654 321",
        "answer": "Tại Trung tâm.",
    }
    status, body = _status_body(api.act(request("POST", approved), ref, "publish"))
    assert status == 200 and body["state"] == "published"
    assert "0987" not in body["published"]["question"]
    found = public.search_faq(request(query_params={"q": "dang ky khai sinh nop o dau"}))
    status, faq = _status_body(found)
    assert status == 200 and [r["ref"] for r in faq["results"]] == [ref]
    assert "0987" not in json.dumps(faq, ensure_ascii=False)
    status, none = _status_body(public.search_faq(request(query_params={"q": "giay phep lai xe"})))
    assert status == 200 and none["results"] == []
    status, err = _status_body(public.search_faq(request(query_params={})))
    assert (status, err["error"]["code"]) == (400, "missing_query")


def test_live_conversations_in_the_same_inbox_partition_are_left_to_their_own_routes(aws) -> None:
    from chalicelib.storage.table import get_table

    ref = _file("d7")
    get_table().put(
        {
            "pk": "LIVE#L261126-0a1b2c3d",
            "sk": "LIVE",
            "ref": "L261126-0a1b2c3d",
            "state": "open",
            "gsi2pk": f"INBOX#{AGENCY}",
            "gsi2sk": "live#open#2026-11-26T02:00:00.000+00:00#L261126-0a1b2c3d",
        }
    )
    status, body = _status_body(api.inbox(request(query_params={"agency": AGENCY})))
    assert status == 200 and [i["ref"] for i in body["items"]] == [ref]
