"""The web form in a real browser (issue 11): headless Chromium from the Debian packages, driven
by Playwright, against the local system of ``make run`` started on free loopback ports.

The page uploads each file straight to the moto server's S3 with the presigned POST (a
cross-origin request: the bucket's CORS rule from infra/resources.json must allow the form's
origin, see local/s3_cors.py), then submits; the dossier, the kept documents and the receipt in
the Zalo stand-in are read back over HTTP and from moto.

Chromium is required, never skipped: ``make test`` installs it (or names the command that
does); set CHROMIUM to use another binary.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ROOT
from tests.local.test_e2e import PORT_NAMES, clean_env, free_ports, fresh_signed_event, http

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PROCEDURE = "1.005092"  # two components, submittable through Zalo (tests/api/test_form.py)
FOLLOWER = "2468000000000000001"  # follower.id in tests/fixtures/zalo/follow.json
INSTALL_HINT = "sudo apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)"


def chromium_path() -> str:
    """CHROMIUM, else chromium / chromium-browser on PATH; the test fails (never skips) without."""
    found = os.environ.get("CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None
    )
    if not found or not Path(found).exists():
        pytest.fail(f"Chromium is needed for the web form's browser test: {INSTALL_HINT}")
    return found


class LocalSystem:
    """``python -m local.run`` on free ports, and what the test needs to reach it."""

    def __init__(self, tmp: Path) -> None:
        self.ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
        self.env = clean_env(
            **{k: str(v) for k, v in self.ports.items()},
            LOCAL_CDN_DIR=str(tmp / "cdn"),
            LOCAL_SCHEDULES="off",
        )
        self.api = f"http://127.0.0.1:{self.ports['PORT']}"
        self.zalo = f"http://127.0.0.1:{self.ports['ZALO_STANDIN_PORT']}"
        self.log_path = tmp / "run.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "local.run"], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )

    def output(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"local.run exited early:\n{self.output()}"
            if "ready in" in self.output():
                return
            time.sleep(0.2)
        pytest.fail(f"local.run was not ready within {seconds} s:\n{self.output()}")

    def local_env(self) -> dict[str, str]:
        """The settings the local system runs with (to read its moto from this process)."""
        from local.run import local_defaults

        return local_defaults(self.env)

    def messages(self, user_id: str) -> list[dict[str, Any]]:
        status, body = http("GET", f"{self.zalo}/_local/messages?user_id={user_id}&after=0")
        assert status == 200, body
        return list(body["messages"])

    def wait_messages(self, user_id: str, needle: str, seconds: float = 20) -> list[dict[str, Any]]:
        """The messages to ``user_id`` whose text holds ``needle``, once there is one."""
        deadline = time.monotonic() + seconds
        while True:
            found = [m for m in self.messages(user_id) if needle in (m.get("text") or "")]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSystem]:
    """The local system, starting (Chromium is launched meanwhile: see ``system``)."""
    running = LocalSystem(tmp_path_factory.mktemp("local-run"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def system(started: LocalSystem, browser: Any, documents: dict[str, bytes]) -> LocalSystem:
    """The local system, ready, with a citizen who has talked to the OA (a follow), so the
    receipt may go as a chat message."""
    started.wait_ready()
    raw, signature = fresh_signed_event("follow")
    status, _ = http(
        "POST",
        f"{started.api}/zalo/webhook",
        raw,
        {"Content-Type": "application/json", "X-ZEvent-Signature": signature},
    )
    assert status == 200
    return started


@pytest.fixture(scope="module")
def browser(started: LocalSystem) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    try:
        yield opened
    finally:
        context.close()


SCANNED = (
    "<body style='font:18px serif;padding:2rem'><h1>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</h1>"
    "<h2>ĐƠN ĐỀ NGHỊ CẤP BẢN SAO VĂN BẰNG, CHỨNG CHỈ TỪ SỔ GỐC</h2>"
    "<p>Kính gửi: Sở Giáo dục và Đào tạo tỉnh Cà Mau</p></body>"
)


@pytest.fixture(scope="module")
def documents(browser: Any) -> dict[str, bytes]:
    """A real JPEG (a photographed page) and a real PDF, both rendered by Chromium itself."""
    context = browser.new_context(viewport={"width": 600, "height": 800})
    try:
        page = context.new_page()
        page.set_content(SCANNED)
        made = {"jpeg": page.screenshot(type="jpeg", quality=80), "pdf": page.pdf(format="A4")}
    finally:
        context.close()
    assert made["jpeg"][:3] == b"\xff\xd8\xff" and made["pdf"].startswith(b"%PDF-")
    return made


@pytest.fixture
def files(tmp_path: Path, documents: dict[str, bytes]) -> dict[str, Path]:
    """The two documents as files with Vietnamese names, as citizens' phones give them."""
    jpeg = tmp_path / "ảnh đơn đề nghị.jpg"
    jpeg.write_bytes(documents["jpeg"])
    pdf = tmp_path / "căn cước.pdf"
    pdf.write_bytes(documents["pdf"])
    return {"jpeg": jpeg, "pdf": pdf}


def form_url(system: LocalSystem, user_id: str = FOLLOWER) -> str:
    """A signed form link, as the chat's ``oa.open.url`` button carries it."""
    from chalicelib.services.webform import sign_token

    secret = system.local_env()["WEBFORM_SECRET"]
    return f"{system.api}/form/{sign_token(secret, user_id, PROCEDURE, datetime.now(UTC))}"


def upload(page: Any, component: int, path: Path) -> None:
    """Choose a file for a component and wait until the page says it reached S3."""
    from playwright.sync_api import expect

    page.set_input_files(f"#component-{component}", str(path))
    item = page.locator(f"#files-{component} li", has_text=path.name)
    expect(item).to_contain_text("Đã tải lên")
    expect(page.locator("#submit")).to_be_enabled()


def fill_person(page: Any, *, name: str = "Nguyễn Thị Mẫu") -> None:
    page.check("#kind-person")
    page.fill("#name", name)
    page.fill("#id_number", "096190000123")
    page.fill("#phone", "0912 345 678")
    page.fill("#address", "12 Lý Thường Kiệt, phường An Xuyên")


@pytest.fixture
def local_aws(system: LocalSystem, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's settings pointed at the local system's moto (to read what it stored)."""
    from chalicelib.platform import aws
    from chalicelib.platform.container import reset_all

    # A session of our own (credentials, endpoint), dropped afterwards: a shared session made
    # here would also lack the hooks of moto's in-process mock that later tests rely on.
    monkeypatch.setattr(aws, "_session", None)
    for name, value in system.local_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    reset_all()
    yield
    reset_all()


def test_a_citizen_fills_the_form_uploads_two_files_to_s3_and_gets_the_receipt(
    system: LocalSystem, page: Any, files: dict[str, Path], local_aws: None
) -> None:
    from playwright.sync_api import expect

    from chalicelib.domain.dossier import Channel, DossierStatus
    from chalicelib.root import get_document_store
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    s3_posts: list[tuple[str, int]] = []
    moto = f"http://127.0.0.1:{system.ports['MOTO_PORT']}/"
    page.on(
        "response",
        lambda r: (
            s3_posts.append((r.url, r.status))
            if r.request.method == "POST" and r.url.startswith(moto)
            else None
        ),
    )
    url = form_url(system)
    page.goto(url)
    expect(page).to_have_title("Nộp hồ sơ trực tuyến")
    # Each component's picker is labelled in Vietnamese, whatever the browser's own language.
    expect(page.locator("label.pick")).to_have_count(2)
    expect(page.locator("label.pick").first).to_have_text("Chọn tệp hoặc chụp ảnh")
    fill_person(page)
    upload(page, 0, files["jpeg"])
    upload(page, 1, files["pdf"])
    page.check("#delivery-online")
    page.click("#submit")

    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")
    message = page.locator("main").inner_text()
    found = re.search(r"mã ([0-9A-Za-z.]+-\d{6}-\d{4,})", message)
    assert found, message
    code = found.group(1)
    # Both files went from the browser to the moto server's S3 (cross-origin), not via our API.
    assert len(s3_posts) == 2 and all(status == 204 for _, status in s3_posts), s3_posts

    stored = Dossiers(get_table()).get(code)
    assert stored is not None, code
    dossier = stored[0]
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%y%m%d")
    assert re.fullmatch(rf"{re.escape(dossier.receiving_agency_code)}-{today}-\d{{4,}}", code)
    assert dossier.procedure_code == PROCEDURE
    assert dossier.owner_zalo_user_id == FOLLOWER
    assert dossier.applicant.name == "Nguyễn Thị Mẫu"
    assert dossier.applicant.id_number == "096190000123"
    assert dossier.status is DossierStatus.NEW and dossier.channel is Channel.ONLINE

    documents = sorted(dossier.documents, key=lambda d: d.content_type)
    assert [d.content_type for d in documents] == ["application/pdf", "image/jpeg"]
    expected = {
        "application/pdf": files["pdf"].read_bytes(),
        "image/jpeg": files["jpeg"].read_bytes(),
    }
    store = get_document_store()
    for document in documents:
        assert document.key.startswith("documents/"), document.key
        assert files["jpeg"].stem not in document.key and files["pdf"].stem not in document.key
        head = store.head(document.key)
        assert head is not None, document.key
        data = expected[document.content_type]
        assert head["size"] == len(data) and store.read(document.key) == data
        assert head["encryption"] == "aws:kms"
        metadata = head["metadata"]
        assert metadata["sha256"] == document.sha256
        assert (
            metadata["detected-type"]
            == {"image/jpeg": "jpeg", "application/pdf": "pdf"}[document.content_type]
        )
        assert metadata["size"] == str(len(data))
        assert unquote(metadata["original-name"]) == document.name

    # The receipt reached the citizen's Zalo chat (the Zalo stand-in), once; sent inline or
    # queued for the inbound worker, so it is waited for.
    receipts = system.wait_messages(FOLLOWER, code)
    assert len(receipts) == 1, system.messages(FOLLOWER)
    assert receipts[0]["text"].startswith("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")

    # The link was usable once: opening it again names the dossier instead of a new form.
    page.goto(url)
    expect(page.locator("main")).to_contain_text(code)
    assert page.locator("form").count() == 0


def test_a_missing_required_field_shows_the_summary_on_top_and_keeps_what_was_typed(
    system: LocalSystem, page: Any, files: dict[str, Path], local_aws: None
) -> None:
    from playwright.sync_api import expect

    page.goto(form_url(system))
    # The applicant's kind switches the identity field (the page's script).
    expect(page.locator("#tax_code")).to_be_hidden()
    page.check("#kind-organisation")
    expect(page.locator("#tax_code")).to_be_visible()
    expect(page.locator("#id_number")).to_be_hidden()
    fill_person(page, name="")
    expect(page.locator("#id_number")).to_be_visible()
    upload(page, 0, files["jpeg"])
    page.check("#delivery-online")
    page.click("#submit")

    expect(page).to_have_title("Có lỗi cần sửa – Nộp hồ sơ trực tuyến")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Vui lòng sửa các mục sau")
    expect(summary.locator("a[href='#name']")).to_have_count(1)
    # The summary is the first thing under the title, before the form.
    expect(page.locator("main > #error-summary ~ form#dossier")).to_have_count(1)
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_number")).to_have_value("096190000123")
    expect(page.locator("#phone")).to_have_value("0912 345 678")
    expect(page.locator("#address")).to_have_value("12 Lý Thường Kiệt, phường An Xuyên")
    expect(page.locator("#delivery-online")).to_be_checked()
    expect(page.locator("#files-0")).to_contain_text(files["jpeg"].name)

    # A file the component cannot take is refused at once, with the reason, and sent nowhere.
    text = files["jpeg"].with_name("ghi chú.txt")
    text.write_text("không phải giấy tờ", encoding="utf-8")
    page.set_input_files("#component-1", str(text))
    refused = page.locator("#files-1 li.failed", has_text=text.name)
    expect(refused).to_contain_text("Loại tệp này không được nhận")
    expect(page.locator("#submit")).to_be_enabled()

    # Correcting the one field is enough: the uploaded file was kept with the form.
    page.fill("#name", "Trần Văn Hai")
    page.click("#submit")
    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")
