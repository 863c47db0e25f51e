"""The calls each function's code really makes, recorded under moto while it does its work, are
each allowed by that function's policy (action, resource and item keys), and every action a
policy grants is one its function was seen calling (or one Lambda itself uses for it)."""

from __future__ import annotations

import fnmatch
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from chalice.test import Client

from ops import iam_policies
from tests.conftest import FIXTURES, ROOT, TEST_ENV, fixture_event
from tests.documents import samples

ACCOUNT, REGION, STAGE = "123456789012", "ap-southeast-1", "dev"  # moto's account
OA = TEST_ENV["ZALO_OA_ID"]
USER = "2468000000000000001"
# Used on the function's behalf by Lambda, not by its code: its logs, the SQS event source.
NOT_CALLED_BY_CODE = {
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
}
SCHEDULED_EVENT = {
    "version": "0",
    "id": "e-1",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": ACCOUNT,
    "time": "2026-12-02T08:00:00Z",
    "region": REGION,
    "resources": [],
    "detail": {},
}
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
_TRANSACT["ConditionCheck"] = "ConditionCheckItem"


class Recorder:
    """Every AWS call made through botocore: (IAM action, resource ARN, partition keys)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, tuple[str, ...]]] = []

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if service == "dynamodb":
            self._dynamodb(operation, params)
        elif service == "s3":
            bucket = params["Bucket"]
            if operation == "HeadBucket":
                self.calls.append(("s3:ListBucket", f"arn:aws:s3:::{bucket}", ()))
            elif operation == "ListObjectVersions":
                self.calls.append(("s3:ListBucketVersions", f"arn:aws:s3:::{bucket}", ()))
            elif operation == "CopyObject":  # IAM: read the source, write the target
                source = params["CopySource"]
                source_arn = f"arn:aws:s3:::{source['Bucket']}/{source['Key']}"
                self.calls.append(("s3:GetObject", source_arn, ()))
                self.calls.append(("s3:PutObject", f"arn:aws:s3:::{bucket}/{params['Key']}", ()))
            elif operation == "DeleteObjects":  # IAM checks each object's delete
                for obj in params["Delete"]["Objects"]:
                    action = "s3:DeleteObjectVersion" if obj.get("VersionId") else "s3:DeleteObject"
                    self.calls.append((action, f"arn:aws:s3:::{bucket}/{obj['Key']}", ()))
            elif operation == "HeadObject":  # IAM: s3:GetObject
                self.calls.append(("s3:GetObject", f"arn:aws:s3:::{bucket}/{params['Key']}", ()))
            elif operation == "DeleteObject" and params.get("VersionId"):
                key = params["Key"]
                self.calls.append(("s3:DeleteObjectVersion", f"arn:aws:s3:::{bucket}/{key}", ()))
            else:
                key = params.get("Key", "")
                self.calls.append((f"s3:{operation}", f"arn:aws:s3:::{bucket}/{key}", ()))
        elif service == "sqs":
            name = params.get("QueueName") or params["QueueUrl"].rsplit("/", 1)[-1]
            # IAM has no separate actions for the batch APIs (DeleteMessageBatch needs
            # sqs:DeleteMessage, ChangeMessageVisibilityBatch sqs:ChangeMessageVisibility).
            operation = operation.removesuffix("Batch")
            self.calls.append((f"sqs:{operation}", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}", ()))
        elif service == "ses":  # IAM checks the identity sent from
            arn = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{params.get('Source', '?')}"
            self.calls.append((f"ses:{operation}", arn, ()))
        elif service == "kms":  # the key named by its alias (the policy's condition)
            arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{params.get('KeyId', '')}"
            self.calls.append((f"kms:{operation}", arn, ()))
        elif service == "ssm":
            path = params.get("Path") or params.get("Name", "")
            arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{path}"
            self.calls.append((f"ssm:{operation}", arn, ()))
        else:
            self.calls.append((f"{service}:{operation}", "?", ()))

    def _dynamodb(self, operation: str, params: dict[str, Any]) -> None:
        if operation == "TransactWriteItems":
            for item in params["TransactItems"]:
                ((kind, detail),) = item.items()
                self._dynamodb(_TRANSACT[kind], detail)
            return
        if operation in ("BatchGetItem", "BatchWriteItem"):
            for table, request in params["RequestItems"].items():
                if isinstance(request, dict):  # BatchGetItem
                    keys = request["Keys"]
                else:  # BatchWriteItem
                    keys = [
                        w["PutRequest"]["Item"] if "PutRequest" in w else w["DeleteRequest"]["Key"]
                        for w in request
                    ]
                arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
                pks = tuple(k["pk"]["S"] for k in keys if "pk" in k)
                self.calls.append((f"dynamodb:{operation}", arn, pks))
            return
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{params['TableName']}"
        if params.get("IndexName"):
            arn += f"/index/{params['IndexName']}"
        key = params.get("Key") or params.get("Item") or {}
        keys: tuple[str, ...] = (key["pk"]["S"],) if "pk" in key else ()
        if operation == "Query":
            values = params.get("ExpressionAttributeValues", {})
            keys = tuple(v["S"] for k, v in values.items() if k in (":pk", ":p")) or ("?",)
        self.calls.append((f"dynamodb:{operation}", arn, keys))


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    import botocore.client

    recorder = Recorder()
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        recorder.record(self.meta.service_model.service_name, operation_name, api_params)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    import botocore.signers

    presign = botocore.signers.RequestSigner.generate_presigned_url

    def presigning(self, request_dict, operation_name, *args, **kwargs):
        # A presigned URL is used with the function's credentials: its action must be granted.
        parts = urlsplit(request_dict["url"])
        if ".s3" in parts.netloc and not parts.netloc.startswith("s3"):
            bucket, key = parts.netloc.split(".s3", 1)[0], parts.path[1:]
        else:
            bucket, key = parts.path[1:].split("/", 1)
        recorder.calls.append((f"s3:{operation_name}", f"arn:aws:s3:::{bucket}/{key}", ()))
        return presign(self, request_dict, operation_name, *args, **kwargs)

    monkeypatch.setattr(botocore.signers.RequestSigner, "generate_presigned_url", presigning)
    return recorder


@pytest.fixture
def secrets_in_ssm(aws, monkeypatch):
    """The secrets where deployed stages keep them: SSM, not the environment."""
    from chalicelib.platform.aws import client
    from chalicelib.settings import SSM_NAMES

    path = CONFIG_ENV["SECRETS_SSM_PATH"]
    for name in SSM_NAMES:
        client("ssm").put_parameter(
            Name=f"{path}/{name}", Value=TEST_ENV[name], Type="SecureString"
        )
        monkeypatch.delenv(name)
    monkeypatch.setenv("SECRETS_SSM_PATH", path)
    # The stage's token key (the aws fixture gives the dev stage's alias to the key).
    monkeypatch.setenv("TOKEN_KMS_KEY", CONFIG_ENV["TOKEN_KMS_KEY"])


CONFIG_ENV = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][STAGE][
    "environment_variables"
]


def _fresh_container(recorder: Recorder) -> None:
    """A cold container from here on (settings, clients, caches), nothing recorded yet."""
    from chalicelib.platform.container import reset_all

    reset_all()
    recorder.calls.clear()


def _allowed(policy: dict, action: str, resource: str, keys: tuple[str, ...]) -> bool:
    for statement in policy["Statement"]:
        if action not in statement["Action"]:
            continue
        if not any(fnmatch.fnmatchcase(resource, pattern) for pattern in statement["Resource"]):
            continue
        condition = statement.get("Condition", {}).get("ForAllValues:StringLike", {})
        allowed_keys = condition.get("dynamodb:LeadingKeys")
        if allowed_keys is not None and not all(
            any(fnmatch.fnmatchcase(key, pattern) for pattern in allowed_keys) for key in keys
        ):
            continue
        return True
    return False


def _check(function: str, recorder: Recorder) -> None:
    from chalicelib.platform.container import reset_all

    reset_all()
    policy = iam_policies.render(STAGE, function, ACCOUNT, REGION)
    assert recorder.calls, "nothing was recorded"
    denied = [c for c in recorder.calls if not _allowed(policy, *c)]
    shown = sorted({(a, r.rsplit("/", 1)[0] if "s3" in a else r, k[:1]) for a, r, k in denied})
    assert denied == [], f"{function}'s policy would deny these calls: {shown}"
    granted = {a for s in policy["Statement"] for a in s["Action"]}
    called = {action for action, _, _ in recorder.calls}
    assert granted - called - NOT_CALLED_BY_CODE == set(), f"{function} never called these"


def test_the_api_functions_calls_are_allowed_and_its_grants_are_used(
    secrets_in_ssm, recorder, monkeypatch
):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dev.example.invalid/api")  # web form
    from app import app
    from chalicelib.api import webhook
    from chalicelib.root import reset_token_manager
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import sample_dossiers
    from ops.import_catalogue import run

    data = ROOT / "data" / "catalogue"
    run(
        [str(data / "tthc-sample.json"), str(data / "procedures-camau.json")],
        str(data / "province-overrides.json"),
        str(data / "agencies.json"),
    )
    dossier = sample_dossiers(datetime.now(tz=UTC))[0]
    Dossiers(get_table()).add(dossier)
    _booked_pickup(dossier.code)
    from chalicelib.storage.conversations import LiveConversations

    LiveConversations(get_table()).open(USER, LIVE_REF, LIVE_AGENCY, datetime.now(tz=UTC), None)
    raw, sig = fixture_event("user_send_text")
    monkeypatch.setattr(webhook, "_clock", lambda: int(json.loads(raw)["timestamp"]) / 1000)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://zalo.camau.test")  # result links
    operator = {"X-Operator-Secret": TEST_ENV["OPERATOR_SECRET"]}
    feedback_ref = _feedback_item()
    _fresh_container(recorder)
    reset_token_manager()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(
            f"{TEST_ENV['ZALO_OAUTH_BASE']}/v4/oa/access_token",
            json={"access_token": "a", "refresh_token": "r", "expires_in": "90000"},
        )
        with Client(app, project_dir=str(ROOT), stage_name=STAGE) as client:
            http = client.http
            assert http.get("/health").status_code == 200
            assert http.get("/health/ready", headers=operator).status_code == 200
            headers = {"Content-Type": "application/json", "X-ZEvent-Signature": sig}
            assert http.post("/zalo/webhook", body=raw, headers=headers).status_code == 200
            assert http.get(f"/public/dossiers/{dossier.code}").status_code == 200
            assert http.get("/public/procedures?q=khai+sinh&limit=3").status_code == 200
            assert http.get("/public/procedures/1.001193").status_code == 200
            _integration_requests(http, dossier.code, recorder)
            _live_conversation_requests(http)
            _feedback_requests(http, feedback_ref, recorder)
            started = http.get("/zalo/oauth/start", headers=operator)
            assert started.status_code == 302
            state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
            done = http.get(f"/zalo/oauth/callback?code=c&state={state}&oa_id={OA}")
            assert done.status_code == 200
            _use_the_web_form(http)
    reset_token_manager()
    _check("api_handler", recorder)


def _integration_requests(http: Any, zalo_dossier: str, recorder: Recorder) -> None:
    """The back-office integration API's routes, signed, and one replayed request."""
    import boto3

    from tests.api.integration.conftest import code, registration
    from tests.api.integration.signing import headers

    def call(method: str, path: str, body: Any = None, **extra: str) -> Any:
        data = b"" if body is None else json.dumps(body).encode()
        signed = {**headers("back-office", data), **extra}
        answer = getattr(http, method)(f"/integration/v1{path}", headers=signed, body=data)
        assert answer.status_code in (200, 201), answer.body
        return json.loads(answer.body)

    ping = headers("back-office", b"")
    assert http.get("/integration/v1/ping", headers=ping).status_code == 200
    assert http.get("/integration/v1/ping", headers=ping).headers["webhook-replayed"] == "true"
    digest = "/integration/v1/digests/000.00.17.H12?date=2026-12-02"
    assert http.get(digest, headers=headers("back-office", b"")).status_code == 200
    ratings = "/integration/v1/ratings?agency=000.00.17.H12&month=2026-12"
    assert http.get(ratings, headers=headers("back-office", b"")).status_code == 200
    assert http.get("/integration/v1/openapi.json").status_code == 200
    call("put", f"/dossiers/{code()}", registration())
    call("get", "/dossiers?limit=5")
    call("get", f"/dossiers/{zalo_dossier}", **{"x-officer-id": "officer-1"})
    call("get", f"/dossiers/{zalo_dossier}/access-log")
    upload = call("post", f"/dossiers/{code()}/result-uploads", {"content_type": "application/pdf"})
    setup_starts = len(recorder.calls)  # the back office's PUT to the link is not the function's
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=CONFIG_ENV["DOCUMENTS_BUCKET"], Key=upload["key"], Body=b"%PDF-1.4"
    )
    del recorder.calls[setup_starts:]
    event = {"status": 9, "result": {"key": upload["key"]}, "officer": "o"}
    call("post", f"/dossiers/{code()}/events", {**event, "at": datetime.now(tz=UTC).isoformat()})
    # The postal provider's callbacks (issue 13): picked up, then handed to the agency.
    for n, status in enumerate(("picked_up", "handed_to_agency")):
        event = {
            "event_id": f"iam-{n}",
            "order_number": f"{POSTAL_CODE[0]}-PICKUP",
            "status": status,
            "at": "2026-12-01T10:00:00+07:00",
        }
        raw = json.dumps(event).encode()
        answer = http.post(
            "/integration/v1/postal/events", body=raw, headers=headers("postal", raw)
        )
        assert answer.status_code == 200, answer.body


POSTAL_CODE: list[str] = []


def _booked_pickup(code: str) -> None:
    """A booked pickup of ``code`` for the postal callbacks above (set up outside the record)."""
    from chalicelib.storage.postal_orders import PostalOrders
    from chalicelib.storage.table import get_table
    from tests.postal.conftest import make_order

    orders = PostalOrders(get_table())
    order = orders.register(make_order(code=code)).order
    orders.mark_booked(order, "EB1VN", datetime.now(tz=UTC))
    POSTAL_CODE[:] = [code]


def _use_the_web_form(http: Any) -> None:
    """The web form: its page, a presigned upload (the browser's PutObject is authorised by the
    function's role, so it counts as the function's), a refused file, the submission (dossier,
    documents, QR) and the receipt queued for the consumer."""
    from chalicelib.services.webform import form_link
    from tests.api.test_form import PERSON
    from tests.documents import samples

    token = form_link(USER, "1.005092", datetime.now(UTC)).rsplit("/", 1)[-1]
    assert http.get(f"/form/{token}").status_code == 200
    docs = []
    for component, data, declared in (
        (0, samples.jpeg(), "image/jpeg"),
        (1, samples.script(), "image/jpeg"),
    ):
        body = json.dumps({"component": component, "content_type": declared, "size": len(data)})
        answer = http.post(
            f"/form/{token}/uploads", body=body, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 200, answer.body
        post = json.loads(answer.body)
        import boto3

        boto3.client("s3", region_name=REGION).put_object(
            Bucket=CONFIG_ENV["DOCUMENTS_BUCKET"], Key=post["key"], Body=data, ContentType=declared
        )
        docs.append(f"{component}|{post['key']}|{post['ticket']}|f{component}")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    refused = http.post(f"/form/{token}", body=_form_body(PERSON, docs), headers=form)
    assert refused.status_code == 400  # the script is refused and its version deleted
    done = http.post(f"/form/{token}", body=_form_body(PERSON, docs[:1]), headers=form)
    assert done.status_code == 200, done.body


def _form_body(fields: dict, docs: list[str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode([*fields.items(), *(("doc", d) for d in docs)]).encode()


LIVE_REF, LIVE_AGENCY = "L261202-0a1b2c3d", "000.00.17.H12"


def _live_conversation_requests(http: Any) -> None:
    """The officers' live-conversation routes (issue 14): inbox, one, a reply, the close."""
    from tests.api.integration.signing import headers

    def signed(method: str, path: str, body: dict | None = None) -> Any:
        raw = json.dumps(body).encode() if body is not None else b""
        if method == "GET":
            return http.get(path, headers=headers("back-office", raw))
        return http.post(path, body=raw, headers=headers("back-office", raw))

    base = "/integration/v1/conversations"
    assert signed("GET", f"{base}?agency={LIVE_AGENCY}&state=open").status_code == 200
    assert signed("GET", f"{base}/{LIVE_REF}").status_code == 200
    reply = {"officer": "cb01", "text": "Chào Ông/Bà"}
    assert signed("POST", f"{base}/{LIVE_REF}/messages", reply).status_code == 201
    assert signed("POST", f"{base}/{LIVE_REF}/close", {"officer": "cb01"}).status_code == 200


def _record(body: str, message_id: str) -> dict:
    from chalicelib.zalo import delivery

    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "MessageGroupId": "g",
            "MessageDeduplicationId": delivery.dedup_id(message_id),
        },
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }


def _image(url: str, n: int) -> str:
    return json.dumps(
        {
            "app_id": TEST_ENV["ZALO_APP_ID"],
            "sender": {"id": USER},
            "recipient": {"id": OA},
            "event_name": "user_send_image",
            "message": {
                "msg_id": f"iam-{n}",
                "attachments": [{"type": "image", "payload": {"url": url}}],
            },
            "timestamp": str(int(time.time() * 1000) + n),
        }
    )


def _text(text: str, n: int) -> str:
    return json.dumps(
        {
            "app_id": TEST_ENV["ZALO_APP_ID"],
            "sender": {"id": USER},
            "recipient": {"id": OA},
            "event_name": "user_send_text",
            "message": {"text": text, "msg_id": f"iam-{n}"},
            "timestamp": str(int(time.time() * 1000) + n),
        },
        ensure_ascii=False,
    )


def test_the_consumers_calls_are_allowed_and_its_grants_are_used(
    secrets_in_ssm, recorder, monkeypatch
):
    import app as app_module
    from app import app
    from chalicelib.platform.container import reset_all
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import sample_dossiers
    from ops.import_catalogue import run

    data = ROOT / "data" / "catalogue"
    run(
        [str(data / "tthc-sample.json"), str(data / "procedures-camau.json")],
        str(data / "province-overrides.json"),
        str(data / "agencies.json"),
    )
    dossier, waiting, *_ = sample_dossiers(datetime.now(tz=UTC))  # the first linked to USER
    Dossiers(get_table()).add(dossier)
    Dossiers(get_table()).add(waiting)  # status 5: the citizen supplements it in the chat
    assert Dossiers(get_table()).link_owner(waiting.code, USER)
    # Files come from Zalo's CDN (the stand-in host below); receipts link to the public API.
    monkeypatch.setenv("ZALO_CDN_HOSTS", "127.0.0.1")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dichvucong.camau.test")
    cdn = "http://127.0.0.1:9/photo"
    photos = [f"{cdn}{n}.jpg" for n in range(5)]
    # A pair stored before the token encryption: the consumer seals it on its first read
    # (kms:Encrypt), then decrypts it (kms:Decrypt).
    from chalicelib.storage.tokens import TOKEN_PK, TOKEN_SK

    legacy = {"pk": TOKEN_PK, "sk": TOKEN_SK, "access_token": "access-1", "version": 1}
    get_table().put({**legacy, "refresh_token": "refresh-1", "expires_at": time.time() + 9e4})
    # A notice still owed to the citizen: the erasure below discards it.
    pending = {"pk": f"USER#{USER}", "sk": "PENDING#2026-01-01T00:00:00.000Z#n1", "at": "x"}
    get_table().put({**pending, "notice_id": "n1"})
    # A file the citizen uploaded: the erasure deletes it in every version.
    from chalicelib.root import get_document_store
    from chalicelib.storage.users import Users

    upload = get_document_store().put_upload(
        b"%PDF-1.4", content_type="application/pdf", detected_type="pdf", name="a.pdf"
    )
    Users(get_table()).note_upload(USER, upload.key, datetime.now(tz=UTC))
    follow = json.loads((FIXTURES / "follow.json").read_text())
    follow["timestamp"] = str(int(time.time() * 1000))
    texts = ["#consent:yes", "giay phep xay dung", dossier.code, "ho so cua toi"]
    # Issue 11: a submission in chat (a commune centre named, a photo, the confirmation).
    texts += ["#flow:submit:1.001193", "phuong Bac Lieu", "#sub:kind:person", "Nguyễn Văn An"]
    texts += ["0912345678", "096201001234", "Số 5 đường Trần Hưng Đạo, phường Bạc Liêu"]
    # Khai sinh: optional components skipped, a photo for each required one (the 4th, 8th).
    texts += [photos[0], "#sub:done", "#sub:skip", "#sub:skip", photos[1], "#sub:done"]
    texts += ["#sub:skip"] * 3 + [photos[2], "#sub:done", "#sub:dl:at_agency", "#sub:confirm"]
    # Issue 12: a supplement (a photo) and a withdrawal request.
    texts += [f"#supp:{waiting.code}", photos[3], "#supp:done", f"#withdraw:{waiting.code}"]
    texts += ["#withdraw:yes"]
    # Issue 13: postal delivery of the result registered (the booking queued), then cancelled.
    texts += [f"#post:d:{dossier.code}", "an xuyen", "Lý Bôn", "#post:none", "#post:none"]
    texts += ["Nguyễn Văn Mẫu", "0912345678", "#post:ok", f"#post:x:{dossier.code}:delivery"]
    texts += [f"#post:xok:{dossier.code}:delivery"]
    # Issue 14: a live conversation with an officer (a text, a photo forwarded), ended.
    texts += ["gap can bo", "cho tôi hỏi cán bộ", photos[4], "ket thuc"]
    texts += ["dữ liệu của tôi", "xuat du lieu", "xóa dữ liệu", "#erase:yes"]
    bodies = [json.dumps(follow)] + [
        _image(t, n + 1) if t in photos else _text(t, n + 1) for n, t in enumerate(texts)
    ]
    _fresh_container(recorder)
    _file_feedback_with_a_photo()  # the consumer's feedback effects; erased below
    cs_url = f"{TEST_ENV['ZALO_API_BASE']}/v3.0/oa/message/cs"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(cs_url, json={"error": 0, "data": {"message_id": "m"}})
        for photo in photos:
            mock.get(photo, body=samples.jpeg(), content_type="image/jpeg")
        with Client(app, project_dir=str(ROOT), stage_name=STAGE):
            for n, body in enumerate(bodies):
                if n == 2:  # another container: it decrypts the pair the first one sealed
                    reset_all()
                event = {"Records": [_record(body, f"r{n}")]}
                assert app_module.consume_inbound(event, None) == {"batchItemFailures": []}
            _consume_a_batch_with_a_failure(app_module, bodies[-1], recorder)
    written = {
        r.split(":::", 1)[1].split("/")[1] for a, r, _ in recorder.calls if a == "s3:PutObject"
    }
    assert written == {"uploads", "documents", "dossiers", "exports", "feedback"}  # every flow ran
    _check("consume_inbound", recorder)


def _feedback_item() -> str:
    """A question with a kept file, filed as the chat would (before the recorded container)."""
    from chalicelib.root import get_document_store, get_feedback_service
    from chalicelib.services.feedback import StoredDoc
    from tests.documents import samples

    stored = get_document_store().put_upload(
        samples.jpeg(), content_type="image/jpeg", detected_type="jpeg", name="p.jpg"
    )
    doc = StoredDoc(stored.key, stored.name, stored.content_type, stored.size, stored.sha256)
    fb = get_feedback_service().file(
        draft_id="iam-draft",
        user_id=USER,
        kind="question",
        content="Đăng ký khai sinh cho con cần những giấy tờ gì?",
        at=datetime.now(tz=UTC),
        agency_hint="000.00.17.H12",
        files=[doc],
    )
    return fb.ref


def _feedback_requests(http: Any, ref: str, recorder: Recorder) -> None:
    """The officer inbox (issue 14): list, view (its presigned links used), ask for
    information, answer, publish; then the public FAQ."""
    from urllib.parse import urlsplit as split

    from tests.api.integration.signing import headers

    def signed(method: str, path: str, body: Any = None) -> Any:
        raw = json.dumps(body).encode() if body is not None else b""
        call = http.post if method == "POST" else http.get
        kwargs = {"body": raw} if method == "POST" else {}
        return call(path, headers=headers("back-office", raw), **kwargs)

    assert signed("GET", "/integration/v1/feedback?agency=000.00.17.H12").status_code == 200
    view = signed("GET", f"/integration/v1/feedback/{ref}")
    assert view.status_code == 200
    for link in json.loads(view.body)["files"]:  # the officer's GET, under this role
        url = split(link["url"])
        bucket = url.netloc.split(".")[0] if ".s3." in url.netloc else url.path.split("/")[1]
        key = url.path.lstrip("/").removeprefix(f"{bucket}/")
        recorder.calls.append(("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}", ()))
    base = f"/integration/v1/feedback/{ref}"
    asked = signed("POST", f"{base}/request-info", {"question": "Con sinh ở đâu?"})
    assert asked.status_code == 200
    assert (
        signed("POST", f"{base}/answer", {"answer": "Tờ khai, giấy chứng sinh."}).status_code == 200
    )
    published = signed("POST", f"{base}/publish", {"question": "Khai sinh?", "answer": "Tờ khai."})
    assert published.status_code == 200
    assert http.get("/public/faq?q=khai+sinh").status_code == 200


def _file_feedback_with_a_photo() -> None:
    """The feedback effects of a chat turn (issue 14), as the consumer runs them: a photo stored
    (the CDN download stood in for), the item filed with the photo kept under feedback/."""
    from chalicelib.conversation.flows.feedback import FileFeedback, ReceiveFeedbackFile
    from chalicelib.inbound import effects
    from chalicelib.root import get_document_store, get_feedback_tools
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    class Photo:
        def accept(self, url: str, **_: Any) -> Any:
            return get_document_store().put_upload(
                b"\xff\xd8\xff\xe0", content_type="image/jpeg", detected_type="jpeg", name="p.jpg"
            )

    real = get_feedback_tools()
    tools = effects.FeedbackTools(service=real.service, intake=Photo(), drafts=real.drafts)
    c = effects.Collaborators(
        users=Users(get_table()),
        dossiers=None,
        notices=None,
        hotline="0290",
        feedback=lambda: tools,
    )  # type: ignore[arg-type]
    now = datetime.now(tz=UTC)
    photo = ReceiveFeedbackFile(at=now, draft_id="iam", ref="p1", url="https://zdn.vn/p.jpg")
    assert effects.apply(photo.model_dump(mode="json"), USER, c).applied
    filed = FileFeedback(
        at=now, draft_id="iam", feedback_kind="question", content="Khai sinh cần giấy tờ gì?"
    )
    assert effects.apply(filed.model_dump(mode="json"), USER, c).applied


def _consume_a_batch_with_a_failure(app_module: Any, body: str, recorder: Recorder) -> None:
    """A batch of two real queue messages whose second fails: the consumer puts it on the
    retry ladder (its own SQS call). In the tests' ``report`` mode it is reported, not raised
    (the ``delete_and_raise`` mode's DeleteMessage is granted for the event source anyway)."""
    import boto3

    from chalicelib.root import get_processor

    setup_starts = len(recorder.calls)  # the test's own queue set-up is not the function's
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName=TEST_ENV.get("INBOUND_QUEUE", "camau-zalo-inbound.fifo"))
    url = url["QueueUrl"]
    for n in (1, 2):
        sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageGroupId=f"g{n}", MessageDeduplicationId=f"d{n}"
        )
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    records = []
    for message in received:
        record = _record(message["Body"], message["MessageId"])
        record["receiptHandle"] = message["ReceiptHandle"]
        record["eventSourceARN"] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{url.rsplit('/', 1)[-1]}"
        records.append(record)
    del recorder.calls[setup_starts:]
    failing = records[-1]["messageId"]
    processor = get_processor()
    real = processor.process
    calls = {"n": 0}

    def process(raw_body: str) -> None:
        calls["n"] += 1
        if calls["n"] == len(records):
            raise RuntimeError(f"forced failure of {failing}")
        real(raw_body)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(processor, "process", process)
        answer = app_module.consume_inbound({"Records": records}, None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": failing}]}


def test_the_token_schedules_calls_are_allowed_and_its_grants_are_used(secrets_in_ssm, recorder):
    import app as app_module
    from app import app
    from chalicelib.root import get_token_manager, reset_token_manager

    get_token_manager().store_initial_pair("access-1", "refresh-1", "600")  # due
    reset_token_manager()
    _fresh_container(recorder)
    with responses.RequestsMock() as mock:
        mock.post(
            f"{TEST_ENV['ZALO_OAUTH_BASE']}/v4/oa/access_token",
            json={"access_token": "a2", "refresh_token": "r2", "expires_in": "90000"},
        )
        with Client(app, project_dir=str(ROOT), stage_name=STAGE):
            app_module.refresh_zalo_token(SCHEDULED_EVENT, None)
    reset_token_manager()
    _check("refresh_zalo_token", recorder)


def test_the_postal_consumers_calls_are_allowed_and_its_grants_are_used(
    secrets_in_ssm, recorder, monkeypatch
):
    """Two bookings through the consumer, one of them failing on the provider (its retry
    delay is the consumer's own SQS call); notices go through the outbox."""
    import re

    import boto3

    import app as app_module
    from app import app
    from tests.postal.conftest import make_order

    monkeypatch.setattr("chalicelib.postal.provider.time.sleep", lambda seconds: None)
    from chalicelib.postal.wiring import get_postal_service

    service = get_postal_service()
    service.register(make_order())
    service.register(make_order(code="000.00.17.H12-261126-0008", request="r2"))
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName="camau-zalo-postal")["QueueUrl"]
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
    records = [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m["Attributes"],
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:camau-zalo-postal",
        }
        for m in received["Messages"]
    ]
    _fresh_container(recorder)
    base = TEST_ENV["POSTAL_API_BASE"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:

        def book(request):
            number = json.loads(request.body)["order_number"]
            if number.endswith("0008-PICKUP"):
                return 503, {}, "{}"
            return 200, {}, json.dumps({"order_number": number, "tracking_number": "EB1VN"})

        mock.add_callback(responses.POST, f"{base}/orders", callback=book)
        mock.add(responses.GET, re.compile(rf"{re.escape(base)}/orders/.*"), status=404)
        with Client(app, project_dir=str(ROOT), stage_name=STAGE):
            answer = app_module.consume_postal({"Records": records}, None)
    assert len(answer["batchItemFailures"]) == 1
    _check("consume_postal", recorder)


def test_the_reminders_schedules_calls_are_allowed_and_its_grants_are_used(
    secrets_in_ssm, recorder, monkeypatch
):
    """A run with a citizen's reminder (the outbox), an overdue dossier (a digest entry, its
    e-mail through SES), a postal pickup's "pickup tomorrow" reminder (the order read again,
    then out of the due index) and the next check dates moved on."""
    import app as app_module
    from app import app
    from chalicelib import schedules
    from chalicelib.domain.dossier import DossierStatus
    from chalicelib.platform.aws import client
    from tests.reminders.conftest import AGENCY, dossier, local, store

    sender = CONFIG_ENV["DIGEST_EMAIL_SENDER"]
    client("ses").verify_email_identity(EmailAddress=sender)
    monkeypatch.setenv("DIGEST_EMAILS", json.dumps({AGENCY: "motcua@agency.test"}))
    monkeypatch.setenv("DIGEST_EMAIL_SENDER", sender)  # as the stage sets it
    monkeypatch.setattr(schedules, "_now", lambda: local(2026, 12, 2, 8))
    waiting = dossier(1, accepted=local(2026, 11, 23))
    waiting.transition(
        DossierStatus.SUPPLEMENT_REQUESTED, local(2026, 11, 27), "o", supplement_items=["Tờ khai"]
    )
    store(waiting)
    store(dossier(2, accepted=local(2026, 11, 20)))  # overdue since 27 November
    # A feedback item whose reject target is today: its due date moves to the next step.
    from chalicelib.domain.feedback import Feedback, FeedbackKind
    from chalicelib.storage.feedback import FeedbackStore
    from chalicelib.storage.table import get_table

    targets = {"reject": local(2026, 12, 2).date(), "answer": local(2026, 12, 18).date()}
    FeedbackStore(get_table()).create(
        Feedback(
            ref="PAKN-261125-ABCDEF",
            kind=FeedbackKind.QUESTION,
            agency=AGENCY,
            created_at=local(2026, 11, 25),
            targets=targets,
        ),
        local(2026, 11, 25).date(),
    )
    # A postal pickup on Thursday 3 December: its "pickup tomorrow" reminder is due today.
    from chalicelib.domain.postal import Leg, PostalAddress, PostalOrder
    from chalicelib.storage.postal_orders import PostalOrders

    pickup = PostalOrder(
        code=waiting.code,
        leg=Leg.PICKUP,
        owner="8461234567890123456",
        request_id="req-1",
        address=PostalAddress(
            commune_code="32002", commune_name="Phường An Xuyên", hamlet="Khóm 3"
        ),
        recipient_name="Nguyễn Văn An",
        recipient_phone="+84912345678",
        pickup_date=local(2026, 12, 3).date(),
        created_at=local(2026, 11, 30),
        updated_at=local(2026, 11, 30),
    )
    assert PostalOrders(get_table()).register(pickup).new
    _fresh_container(recorder)
    with Client(app, project_dir=str(ROOT), stage_name=STAGE):
        report = app_module.send_reminders(SCHEDULED_EVENT, None)
    assert (report["queued"], report["digest_entries"], report["emails"]) == (2, 1, 1)
    assert report["by_condition"]["pickup_tomorrow"] == 1
    _check("send_reminders", recorder)
