"""The web form: GET /form/{token}, POST /form/{token}/uploads, POST /form/{token}.

moto does not enforce presigned POST conditions, so the "browser upload" here is a PutObject to
the key the form handed out, with whatever type the browser would declare; what is tested is our
own check of every object before a dossier may use it (accept_uploaded).
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
import requests
import responses
from chalice.test import Client

from app import app
from chalicelib.settings import get_settings, reset_settings
from chalicelib.storage.dossiers import Dossiers
from chalicelib.storage.table import get_table
from ops import import_catalogue
from tests.conftest import ROOT, TEST_ENV
from tests.documents import samples

DATA = ROOT / "data" / "catalogue"
PROCEDURE = "1.005092"  # two components, submittable through Zalo, one receiving agency
USER = "8400000000000000777"
SECRET = "webform-secret-for-tests"
CS_URL = f"{TEST_ENV['ZALO_API_BASE']}/v3.0/oa/message/cs"


def deliver_queued() -> int:
    """Run the inbound consumer over what the outbox queued (as SQS would deliver it)."""
    from chalicelib.inbound import consumer
    from chalicelib.platform.aws import client

    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().INBOUND_QUEUE)["QueueUrl"]
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m["Attributes"],
            "messageAttributes": {},
            "eventSource": "aws:sqs",
        }
        for m in messages
    ]
    if records:
        assert consumer.consume({"Records": records}) == {"batchItemFailures": []}
    return len(records)


PERSON = {
    "kind": "person",
    "name": "Nguyễn Thị Mẫu",
    "id_number": "096190000123",
    "phone": "0912 345 678",
    "address": "12 Lý Thường Kiệt, phường An Xuyên",
    "delivery": "at_agency",
}


class FakeTokens:
    def get_access_token(self) -> str:
        return "access-token"

    def refresh_after_rejection(self, rejected_token: str) -> str:
        return "access-token-2"


@pytest.fixture
def form(aws, monkeypatch):
    """The catalogue, the form's settings and a notifier talking to a Zalo stand-in."""
    counts = import_catalogue.run(
        [str(DATA / "tthc-sample.json"), str(DATA / "procedures-camau.json")],
        str(DATA / "province-overrides.json"),
        str(DATA / "agencies.json"),
    )
    assert counts.errors == []
    monkeypatch.setenv("WEBFORM_SECRET", SECRET)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://zalo.test/api")
    reset_settings()
    from chalicelib import root
    from chalicelib.notify.notifier import Notifier
    from chalicelib.storage.idempotency import Jobs
    from chalicelib.storage.notices import Notices
    from chalicelib.storage.users import Users
    from chalicelib.zalo.client import ZaloClient

    table = get_table()
    Users(table).touch(USER, datetime.now(UTC))
    settings = get_settings()
    client = ZaloClient(settings, FakeTokens(), session=requests.Session(), sleep=lambda s: None)
    notifier = Notifier(client, Users(table), Jobs(table), Notices(table), settings)
    monkeypatch.setattr(root, "get_notifier", lambda: notifier)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as zalo:
        zalo.add(
            responses.POST,
            CS_URL,
            json={"error": 0, "message": "Success", "data": {"message_id": "m-1"}},
        )
        yield zalo


def link_token(user: str = USER, procedure: str = PROCEDURE) -> str:
    from chalicelib.services.webform import form_link

    return form_link(user, procedure, datetime.now(UTC)).rsplit("/", 1)[-1]


def http(method: str, path: str, body: bytes = b"", content_type: str = ""):
    with Client(app, project_dir=str(ROOT), stage_name="dev") as client:
        headers = {"Content-Type": content_type} if content_type else {}
        return getattr(client.http, method)(path, body=body, headers=headers)


def presign(token: str, component: int, content_type: str, size: int):
    body = json.dumps({"component": component, "content_type": content_type, "size": size})
    return http("post", f"/form/{token}/uploads", body.encode(), "application/json")


def browser_upload(token: str, component: int, data: bytes, declared: str, name: str) -> str:
    """What the page's script does: presign, post to S3 (here: a PutObject), keep a doc field."""
    from chalicelib.platform.aws import client

    response = presign(token, component, declared, len(data))
    assert response.status_code == 200, response.body
    post = json.loads(response.body)
    client("s3").put_object(
        Bucket=TEST_ENV["DOCUMENTS_BUCKET"], Key=post["key"], Body=data, ContentType=declared
    )
    return f"{component}|{post['key']}|{post['ticket']}|{name}"


def submit(token: str, fields: dict, docs: list[str]):
    body = urlencode([*fields.items(), *(("doc", d) for d in docs)]).encode()
    return http("post", f"/form/{token}", body, "application/x-www-form-urlencoded")


def code_in(page: str) -> str:
    return re.search(r"\b000\.[0-9.]+\.H12-\d{6}-\d{4}\b|\b[0-9A-Z.]+-\d{6}-\d{4}\b", page).group(0)


def test_the_page_has_the_applicant_one_section_per_component_and_vietnamese_labels(form):
    response = http("get", f"/form/{link_token()}")
    page = response.body.decode()
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cấp bản sao văn bằng" in page
    assert "Số định danh cá nhân" in page and "Mã số thuế" in page
    assert len(re.findall(r'<input type="file" id="component-\d"', page)) == 2
    assert 'name="viewport"' in page and 'id="error-summary"' not in page


@pytest.mark.parametrize("change", ["tamper", "expired", "other_secret"])
def test_a_link_that_is_not_ours_or_expired_is_refused(form, change):
    from chalicelib.services.webform import sign_token

    if change == "tamper":
        body, mac = link_token().split(".")
        token = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + mac
    elif change == "expired":
        token = sign_token(SECRET, USER, PROCEDURE, datetime(2020, 1, 1, tzinfo=UTC))
    else:
        token = sign_token("another-secret", USER, PROCEDURE, datetime.now(UTC))
    assert http("get", f"/form/{token}").status_code == 403
    assert presign(token, 0, "image/jpeg", 100).status_code == 403
    assert submit(token, PERSON, []).status_code == 403


def test_presigned_posts_bind_key_size_type_and_encryption(form):
    response = presign(link_token(), 1, "application/pdf", 2048)
    post = json.loads(response.body)
    assert post["key"].startswith("uploads/") and post["fields"]["key"] == post["key"]
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, get_settings().DOCUMENT_MAX_BYTES] in conditions
    assert ["starts-with", "$Content-Type", "application/pdf"] in conditions
    assert {"key": post["key"]} in conditions
    assert {"x-amz-server-side-encryption": "aws:kms"} in conditions


@pytest.mark.parametrize(
    ("content_type", "size", "status", "code"),
    [
        ("text/html", 100, 400, "unsupported_type"),
        ("image/jpeg", 30 * 1024 * 1024, 413, "too_large"),
        ("image/jpeg", 0, 413, "too_large"),
    ],
)
def test_uploads_the_form_cannot_take_get_no_presigned_post(form, content_type, size, status, code):
    response = presign(link_token(), 0, content_type, size)
    assert response.status_code == status
    assert json.loads(response.body)["error"]["code"] == code


def test_submitting_creates_the_dossier_and_sends_the_receipt_to_zalo(form):
    token = link_token()
    docs = [
        browser_upload(token, 0, samples.jpeg(), "image/jpeg", "don-de-nghi.jpg"),
        browser_upload(token, 1, samples.pdf(), "application/pdf", "van-bang.pdf"),
    ]
    response = submit(token, PERSON, docs)
    page = response.body.decode()
    assert response.status_code == 200, page
    assert "Đã nộp hồ sơ" in page
    code = code_in(page)
    dossier, _ = Dossiers(get_table()).get(code)
    assert dossier.owner_zalo_user_id == USER
    assert dossier.procedure_code == PROCEDURE
    assert dossier.applicant.id_number == "096190000123"
    assert dossier.applicant.phone == "+84912345678"
    assert [d.key.startswith("documents/") for d in dossier.documents] == [True, True]
    assert deliver_queued() == 1
    sent = [json.loads(c.request.body) for c in form.calls if c.request.url == CS_URL]
    assert len(sent) == 1
    assert sent[0]["recipient"]["user_id"] == USER
    assert code in sent[0]["message"]["text"]


def test_the_link_is_usable_once_and_a_second_post_makes_no_second_dossier(form):
    token = link_token()
    docs = [browser_upload(token, 0, samples.png(), "image/png", "a.png")]
    first = code_in(submit(token, PERSON, docs).body.decode())
    again = submit(token, PERSON, docs)
    assert first in again.body.decode() and "chỉ dùng một lần" in again.body.decode()
    assert "chỉ dùng một lần" in http("get", f"/form/{token}").body.decode()
    assert presign(token, 0, "image/png", 10).status_code == 409
    assert deliver_queued() == 1  # the second post queued nothing (same notice id: deduplicated)
    assert len([c for c in form.calls if c.request.url == CS_URL]) == 1


def test_an_error_keeps_everything_typed_and_every_accepted_file(form):
    token = link_token()
    docs = [browser_upload(token, 0, samples.jpeg(), "image/jpeg", "trang-1.jpg")]
    typed = {**PERSON, "id_number": "12345", "phone": "0123"}
    response = submit(token, typed, docs)
    page = response.body.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in page
    assert 'href="#id_number"' in page and 'href="#phone"' in page
    assert 'value="Nguyễn Thị Mẫu"' in page and 'value="12345"' in page
    assert 'value="12 Lý Thường Kiệt, phường An Xuyên"' in page
    assert "trang-1.jpg" in page and f'value="{docs[0]}"' in page
    fixed = submit(token, PERSON, docs)
    assert fixed.status_code == 200 and "Đã nộp hồ sơ" in fixed.body.decode()


def test_a_script_declared_as_jpeg_is_refused_and_deleted(form):
    from chalicelib.root import get_document_store

    token = link_token()
    bad = browser_upload(token, 0, samples.script(), "image/jpeg", "anh.jpg")
    good = browser_upload(token, 1, samples.pdf(), "application/pdf", "b.pdf")
    response = submit(token, PERSON, [bad, good])
    page = response.body.decode()
    assert response.status_code == 400
    assert "anh.jpg" in page and 'href="#documents"' in page
    assert get_document_store().head(bad.split("|")[1]) is None
    assert f'value="{good}"' in page and f'value="{bad}"' not in page
    assert not [c for c in form.calls if c.request.url == CS_URL]


def test_an_upload_handed_to_another_form_is_ignored(form):
    other = link_token(user="8400000000000000999")
    stolen = browser_upload(other, 0, samples.jpeg(), "image/jpeg", "x.jpg")
    response = submit(link_token(), PERSON, [stolen])
    assert response.status_code == 400
    assert "Vui lòng tải lên ít nhất một tệp" in response.body.decode()


def test_an_organisation_needs_a_valid_tax_code(form):
    token = link_token()
    docs = [browser_upload(token, 0, samples.jpeg(), "image/jpeg", "giay-phep.jpg")]
    organisation = {**PERSON, "kind": "organisation", "name": "Công ty TNHH Mẫu", "id_number": ""}
    wrong = submit(token, {**organisation, "tax_code": "0100109107"}, docs)
    assert wrong.status_code == 400 and 'href="#tax_code"' in wrong.body.decode()
    right = submit(token, {**organisation, "tax_code": "0100109106"}, docs)
    dossier, _ = Dossiers(get_table()).get(code_in(right.body.decode()))
    assert dossier.applicant.kind == "organisation"
    assert dossier.applicant.tax_code == "0100109106"
