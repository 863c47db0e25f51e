"""No personal data in any log line (issue 15): a citizen's name, phone, ID number, address and
message texts are seeded through every flow (webhook intake, consent, procedure search with free
text, dossier lookup, ownership proof, "my dossiers", the chat submission with a document,
personal-data summary, export and erasure, the public lookups) and none of them appears in
anything logged: Powertools' JSON lines (stdout) and standard ``logging`` records alike.

Extend :func:`_run_every_flow` when a flow is added."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
import unicodedata
from datetime import UTC, datetime

from chalicelib.inbound import consumer as inbound
from tests.conftest import ROOT, TEST_ENV
from tests.inbound.test_processor import USER, _event, _record

NAME = "Lâm Thị Quỳnh Hoa"
PHONE_LOCAL = "0916 204 873"
PHONE_E164 = "+84916204873"
ID_NUMBER = "096187004321"
ADDRESS = "Số 27 hẻm Ngô Quyền, khóm Tân Thành"
MESSAGE = "Tôi cần hỏi gấp về việc con gái sinh ở bệnh viện Năm Căn"
SECRETS = [
    NAME,
    "Quỳnh Hoa",
    "Quynh Hoa",
    PHONE_LOCAL,
    "0916204873",
    "916204873",
    PHONE_E164,
    ID_NUMBER,
    ADDRESS,
    "Ngô Quyền",
    "Ngo Quyen",
    "Tân Thành",
    MESSAGE,
    "bệnh viện Năm Căn",
    "benh vien Nam Can",
]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def leaks(lines: list[str]) -> list[tuple[str, str]]:
    """(secret, line) for every seeded value found in a line, also without diacritics, in any
    case, and as JSON escapes (``ensure_ascii``) would write it."""
    found = []
    for line in lines:
        variants = {line, _fold(line)}
        with contextlib.suppress(ValueError):  # a JSON line written with \\uXXXX escapes
            variants.add(json.dumps(json.loads(line), ensure_ascii=False))
        for secret in SECRETS:
            if any(_fold(secret) in _fold(v) for v in variants):
                found.append((secret, line[:200]))
    return found


def test_the_scanner_finds_a_planted_leak():
    line = json.dumps({"event": "x", "who": NAME.upper()}, ensure_ascii=True)
    assert leaks([line]) and leaks([f"address={_fold(ADDRESS)}"]) and not leaks(["ok"])


_PHOTO = "<photo>"


class _Intake:
    """The CDN download stand-in: stores a JPEG as the real intake would."""

    def accept(self, url: str, **_: object):
        from chalicelib.root import get_document_store
        from tests.documents import samples

        return get_document_store().put_upload(
            samples.jpeg(), content_type="image/jpeg", detected_type="jpeg", name="cccd.jpg"
        )


def _event_body(n: int, event_name: str, message: dict) -> str:
    return json.dumps(
        {
            "app_id": TEST_ENV["ZALO_APP_ID"],
            "sender": {"id": USER},
            "recipient": {"id": TEST_ENV["ZALO_OA_ID"]},
            "event_name": event_name,
            "message": {"msg_id": f"scan-{n}", **message},
            "timestamp": str(int(time.time() * 1000) + n),
        },
        ensure_ascii=False,
    )


class _Citizen:
    def __init__(self) -> None:
        self.n = 0

    def say(self, text: str) -> None:
        self.n += 1
        body = _event_body(self.n, "user_send_text", {"text": text})
        inbound.consume(_event(_record(body, message_id=f"scan-{self.n}")))

    def send_image(self) -> None:
        self.n += 1
        attachment = {"type": "image", "payload": {"url": "https://f21-zpc.zdn.vn/jpg/a/c.jpg"}}
        message = {"text": f"Ảnh căn cước của {NAME}", "attachments": [attachment]}
        body = _event_body(self.n, "user_send_image", message)
        inbound.consume(_event(_record(body, message_id=f"scan-{self.n}")))


def _seed(monkeypatch) -> str:
    """The catalogue, and a dossier filed with the seeded applicant (not yet linked)."""
    from chalicelib.domain.dossier import Applicant
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
    dossier = sample_dossiers(datetime.now(tz=UTC))[1]
    dossier.applicant = Applicant(
        name=NAME, phone=PHONE_LOCAL.replace(" ", ""), id_number=ID_NUMBER, address=ADDRESS
    )
    Dossiers(get_table()).add(dossier)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://zalo.example.test/api")
    from chalicelib.platform.container import reset_all

    reset_all()  # the settings with it
    return dossier.code


def _outbox_notices(code: str) -> None:
    """Notices caused outside the chat (the outbox), to the user and to a phone only, carried
    through the inbound queue to the consumer as Lambda would."""
    from chalicelib.notify.model import OutboundMessage
    from chalicelib.notify.outbox import QueuedNotice, get_outbox
    from chalicelib.platform.aws import client

    text = f"Hồ sơ {code} của {NAME} ({ADDRESS}) đã có kết quả."
    outbox = get_outbox()
    outbox.queue(
        QueuedNotice(
            notice_id=f"dossier:{code}:event:1",
            kind="status",
            user_id=USER,
            message=OutboundMessage(text=text),
        )
    )
    outbox.queue(
        QueuedNotice(
            notice_id=f"dossier:{code}:event:2",
            kind="status",
            phone=PHONE_E164,
            message=OutboundMessage(text=text),
            template_data={"name": NAME, "phone": PHONE_E164},
        )
    )
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=TEST_ENV.get("INBOUND_QUEUE", "camau-zalo-inbound.fifo"))
    received = sqs.receive_message(
        QueueUrl=url["QueueUrl"],
        MaxNumberOfMessages=10,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    assert len(received) >= 2
    records = []
    for message in received:
        record = _record(message["Body"], message_id=message["MessageId"])
        record["attributes"].update(message["Attributes"])
        records.append(record)
    inbound.consume(_event(*records))


def _run_every_flow(code: str, zalo) -> None:
    from chalice.test import Client

    from app import app
    from chalicelib.inbound.effects import Submissions
    from chalicelib.root import get_processor
    from chalicelib.zalo import signature

    # The webhook (HTTP) with a text holding everything.
    with Client(app, project_dir=str(ROOT)) as client:
        body = _event_body(0, "user_send_text", {"text": f"{NAME} {PHONE_LOCAL} {MESSAGE}"})
        raw = body.encode()
        header = signature.header_value(
            TEST_ENV["ZALO_APP_ID"],
            raw,
            json.loads(body)["timestamp"],
            TEST_ENV["ZALO_OA_SECRET_KEY"],
        )
        headers = {"Content-Type": "application/json", "X-ZEvent-Signature": header}
        assert client.http.post("/zalo/webhook", body=raw, headers=headers).status_code == 200
        forged = {**headers, "X-ZEvent-Signature": "mac=" + "0" * 64}
        assert client.http.post("/zalo/webhook", body=raw, headers=forged).status_code == 200
        assert client.http.get(f"/public/dossiers/{code}").status_code == 200
        search = client.http.get(f"/public/procedures?q={MESSAGE}&limit=3")
        assert search.status_code == 200

    citizen = _Citizen()
    citizen.say(MESSAGE)  # before consent: the notice
    citizen.say("#consent:yes")
    citizen.say(f"Tôi là {NAME}, ở {ADDRESS}, muốn làm giấy khai sinh")
    citizen.say("tra cứu hồ sơ")
    citizen.say(code)
    citizen.say(f"#verify:{code}")  # "Xác nhận chủ hồ sơ"
    citizen.say(PHONE_LOCAL)
    citizen.say(ID_NUMBER)
    citizen.say("hồ sơ của tôi")
    # The chat submission, with a document.
    processor = get_processor()
    subs = processor.submissions
    assert subs is not None
    processor.submissions = Submissions(
        intake=_Intake(), drafts=subs.drafts, service=subs.service, max_mb=subs.max_mb
    )
    # Khai sinh (as tests/infra/test_iam_calls.py plays it): the commune centre, the applicant,
    # a photo for each required component, optional ones skipped, the confirmation.
    for step in ("#flow:submit:1.001193", "phuong Bac Lieu", "#sub:kind:person"):
        citizen.say(step)
    for answer in (NAME, PHONE_LOCAL, ID_NUMBER, ADDRESS):
        citizen.say(answer)
    steps = [_PHOTO, "#sub:done", "#sub:skip", "#sub:skip", _PHOTO, "#sub:done"]
    steps += ["#sub:skip"] * 3 + [_PHOTO, "#sub:done", "#sub:dl:at_agency", "#sub:confirm"]
    for step in steps:
        citizen.send_image() if step == _PHOTO else citizen.say(step)
    _outbox_notices(code)
    # Data rights.
    citizen.say("dữ liệu của tôi")
    citizen.say("xuất dữ liệu")
    citizen.say("xóa dữ liệu")
    citizen.say("#erase:yes")
    citizen.say(MESSAGE)  # after the erasure: a new stranger's first message


def test_no_personal_data_in_any_log_line(zalo, monkeypatch, capsys, caplog):
    caplog.set_level(logging.INFO)  # every logger, as Lambda runs them
    code = _seed(monkeypatch)
    capsys.readouterr()
    caplog.clear()
    _run_every_flow(code, zalo)
    out, err = capsys.readouterr()
    lines = out.splitlines() + err.splitlines()
    lines += [record.getMessage() for record in caplog.records]
    lines += [json.dumps(vars(r), default=str, ensure_ascii=False) for r in caplog.records]
    # The flows really ran: they logged, the replies reached Zalo with the data.
    assert len(lines) > 100
    replies = "\n".join(zalo.texts_to(USER))
    assert NAME in replies  # the submission's summary echoed it to its owner
    assert "DỮ LIỆU CỦA ÔNG/BÀ" in replies and "/public/exports/" in replies
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in replies  # the chat submission went through
    assert f"của {NAME} ({ADDRESS}) đã có kết quả" in replies  # the outbox notice
    assert re.search(r"nếu không nộp\): [1-9]", replies)  # its files, noted on the citizen
    found = leaks(lines)
    assert found == [], f"personal data in {len(found)} log line(s): {found[:3]}"
