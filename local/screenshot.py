"""``make screenshot``: pictures of the web form on a phone (390x844), taken with headless
Chromium from the system that ``make run`` started (same ports and local defaults).

It opens a signed form link for a sample procedure, fills the applicant, uploads a JPEG and a
PDF (both rendered by Chromium) straight to the local S3, and saves the page as
``docs/webform.png``; then submits it with the name left empty and saves the error state as
``docs/webform-errors.png``. Nothing is submitted for real (the second picture is a refused
submission). Exit status 2 with one line when the system is not running or Chromium is missing.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCEDURE = "1.005092"  # "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc": two components
USER = "2468000000000000001"  # the default `make chat` citizen
VIEWPORT = {"width": 390, "height": 844}
SCANNED = (
    "<body style='font:18px serif;padding:2rem'><h1>ĐƠN ĐỀ NGHỊ</h1>"
    "<p>Kính gửi: Sở Giáo dục và Đào tạo tỉnh Cà Mau</p></body>"
)


def _chromium() -> str | None:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    return found or shutil.which("chromium-browser")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else ROOT / "docs" / "webform.png")
    errors_target = target.with_name(f"{target.stem}-errors{target.suffix}")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from local.run import local_defaults

    settings = local_defaults()
    api = settings["PUBLIC_BASE_URL"]
    try:
        urllib.request.urlopen(f"{api}/health", timeout=5).close()  # noqa: S310 (loopback)
    except OSError:
        print(f"screenshot: the local system is not answering at {api}: start `make run` first")
        return 2
    executable = _chromium()
    if not executable:
        print("screenshot: Chromium is missing: sudo apt-get install -y chromium")
        return 2

    from playwright.sync_api import expect, sync_playwright

    from chalicelib.services.webform import sign_token

    token = sign_token(settings["WEBFORM_SECRET"], USER, PROCEDURE, datetime.now(UTC))
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            maker = browser.new_page(viewport={"width": 600, "height": 800})
            maker.set_content(SCANNED)
            jpeg = Path(tmp) / "don-de-nghi.jpg"
            jpeg.write_bytes(maker.screenshot(type="jpeg", quality=80))
            pdf = Path(tmp) / "van-bang.pdf"
            pdf.write_bytes(maker.pdf(format="A4"))

            context = browser.new_context(
                viewport=VIEWPORT, device_scale_factor=1, locale="vi-VN", is_mobile=True
            )
            page = context.new_page()
            page.goto(f"{api}/form/{token}")
            page.fill("#name", "Nguyễn Thị Mẫu")
            page.fill("#id_number", "096190000123")
            page.fill("#phone", "0912 345 678")
            page.fill("#address", "12 Lý Thường Kiệt, phường An Xuyên, tỉnh Cà Mau")
            for index, path in enumerate((jpeg, pdf)):
                page.set_input_files(f"#component-{index}", str(path))
                expect(page.locator(f"#files-{index} li")).to_contain_text("Đã tải lên")
            page.locator("#address").blur()  # no caret, the start of the address shown
            page.screenshot(path=str(target), full_page=True)
            print(f"screenshot: {target}")

            page.fill("#name", "")
            page.click("#submit")
            expect(page.locator("#error-summary")).to_be_visible()
            page.screenshot(path=str(errors_target), full_page=True)
            print(f"screenshot: {errors_target}")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
