"""``make chat``: a Zalo user in the terminal, talking to the system started by ``make run``.

Each line typed becomes a correctly signed webhook event (fresh ``msg_id``, ``timestamp`` in
milliseconds as a string) posted to ``POST /zalo/webhook``, exactly as Zalo would send it. The
OA's replies are read from the Zalo stand-in's message log (``GET /_local/messages``) and printed
with their buttons numbered: typing a number taps that button, i.e. sends its payload as the
text of a ``user_send_text`` event, as Zalo does for ``oa.query.hide``/``oa.query.show``.

Commands: ``/image PATH [caption]``, ``/file PATH``, ``/location LAT LON``, ``/follow``,
``/unfollow``, ``/info Họ tên | 0912345678 | địa chỉ`` (answers a request for information),
``/help``, ``/quit``.

Works with piped stdin (tests, scripts): after each line it waits for the replies to settle
(at most ``--wait`` seconds), and at the end of input it waits likewise, then exits 0.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

DEFAULT_USER = "2468000000000000001"  # the citizen of tests/fixtures/zalo
QUERY_BUTTONS = ("oa.query.hide", "oa.query.show")

HELP = """Lệnh:
  (gõ chữ)                     gửi tin nhắn văn bản
  (gõ số)                      bấm nút có số đó trong tin trả lời gần nhất
  /image ĐƯỜNG_DẪN [chú thích] gửi ảnh
  /file ĐƯỜNG_DẪN              gửi tệp (PDF, DOC, DOCX)
  /location VĨ_ĐỘ KINH_ĐỘ      gửi vị trí, ví dụ /location 9.1768 105.1524
  /follow, /unfollow           quan tâm / bỏ quan tâm OA
  /info Họ tên | SĐT | Địa chỉ gửi thông tin khi OA yêu cầu
  /help, /quit"""


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


class Chat:
    """One citizen's conversation with the local OA."""

    def __init__(self, user: str, api: str, zalo: str, cdn: str, cdn_dir: Path) -> None:
        from local.run import local_defaults

        defaults = local_defaults()
        self.user = user
        self.api = api.rstrip("/")
        self.zalo = zalo.rstrip("/")
        self.cdn = cdn.rstrip("/")
        self.cdn_dir = cdn_dir
        self.app_id = _env("ZALO_APP_ID", defaults["ZALO_APP_ID"])
        self.oa_id = _env("ZALO_OA_ID", defaults["ZALO_OA_ID"])
        self.secret = _env("ZALO_OA_SECRET_KEY", defaults["ZALO_OA_SECRET_KEY"])
        self.after = 0
        self.buttons: list[dict[str, Any]] = []
        self.last_reply_at = 0.0
        self.replies = 0
        self.lock = threading.Lock()

    # --- Sending -------------------------------------------------------------------------------
    def _base(self, event_name: str) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "sender": {"id": self.user},
            "user_id_by_app": "55" + self.user[2:],
            "recipient": {"id": self.oa_id},
            "event_name": event_name,
            "timestamp": str(int(time.time() * 1000)),
        }

    def post(self, event: dict[str, Any]) -> bool:
        """Sign and post ``event``; True when the system answered 200."""
        from chalicelib.zalo.signature import HEADER, header_value

        raw = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - http(s) on loopback, from our own flags
            self.api + "/zalo/webhook",
            data=raw,
            method="POST",
            headers={
                "Content-Type": "application/json",
                HEADER: header_value(self.app_id, raw, event["timestamp"], self.secret),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status == 200
        except urllib.error.HTTPError as exc:
            print(f"(hệ thống trả lời HTTP {exc.code}: {exc.read()[:200]!r})", flush=True)
        except (urllib.error.URLError, ConnectionError) as exc:
            print(
                f"(không gửi được tới {self.api}: {getattr(exc, 'reason', exc)}; "
                "đã chạy `make run` chưa?)",
                flush=True,
            )
        return False

    def send_text(self, text: str) -> bool:
        event = self._base("user_send_text")
        event["message"] = {"text": text, "msg_id": uuid.uuid4().hex}
        return self.post(event)

    def _publish(self, path: Path) -> tuple[str, str]:
        """Copy ``path`` into the CDN stand-in's directory; returns (URL, stored name)."""
        self.cdn_dir.mkdir(parents=True, exist_ok=True)
        stored = f"{uuid.uuid4().hex[:8]}-{path.name}"
        shutil.copyfile(path, self.cdn_dir / stored)
        return f"{self.cdn}/files/{quote(stored)}", stored

    def send_image(self, path: Path, caption: str) -> bool:
        url, _ = self._publish(path)
        event = self._base("user_send_image")
        message: dict[str, Any] = {
            "msg_id": uuid.uuid4().hex,
            "attachments": [{"type": "image", "payload": {"url": url, "thumbnail": url}}],
        }
        if caption:
            message["text"] = caption
        event["message"] = message
        return self.post(event)

    def send_file(self, path: Path) -> bool:
        url, _ = self._publish(path)
        data = path.read_bytes()
        event = self._base("user_send_file")
        event["message"] = {
            "msg_id": uuid.uuid4().hex,
            "attachments": [
                {
                    "type": "file",
                    "payload": {
                        "url": url,
                        "name": path.name,
                        "size": str(len(data)),
                        "checksum": hashlib.md5(data, usedforsecurity=False).hexdigest(),
                        "type": path.suffix.lstrip(".").lower(),
                    },
                }
            ],
        }
        return self.post(event)

    def send_location(self, latitude: str, longitude: str) -> bool:
        event = self._base("user_send_location")
        event["message"] = {
            "msg_id": uuid.uuid4().hex,
            "attachments": [
                {
                    "type": "location",
                    "payload": {"coordinates": {"latitude": latitude, "longitude": longitude}},
                }
            ],
        }
        return self.post(event)

    def send_follow(self, name: str) -> bool:
        event = {
            "oa_id": self.oa_id,
            "follower": {"id": self.user},
            "user_id_by_app": "55" + self.user[2:],
            "event_name": name,
            "app_id": self.app_id,
            "timestamp": str(int(time.time() * 1000)),
        }
        if name == "follow":
            event["source"] = "oa_profile"
        return self.post(event)

    def send_info(self, text: str) -> bool:
        parts = [p.strip() for p in text.split("|")]
        if len(parts) < 3 or not all(parts[:3]):
            print("(cú pháp: /info Họ tên | 0912345678 | Số nhà, phường, tỉnh)", flush=True)
            return False
        name, phone, address = parts[:3]
        phone = "84" + phone[1:] if phone.startswith("0") else phone
        event = self._base("user_submit_info")
        event["info"] = {
            "name": name,
            "phone": phone,
            "full_address": {"user_city": "Tỉnh Cà Mau", "user_ward": "", "user_address": address},
        }
        return self.post(event)

    # --- Receiving -----------------------------------------------------------------------------
    def skip_history(self) -> None:
        """Start after the last message already in the stand-in's log."""
        try:
            self.after = int(self._fetch(0).get("last_seq", 0))
        except OSError:
            self.after = 0

    def _fetch(self, after: int) -> dict[str, Any]:
        url = f"{self.zalo}/_local/messages?user_id={quote(self.user)}&after={after}"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return json.loads(response.read())

    def poll_once(self) -> int:
        """Print replies that arrived since the last poll; returns how many."""
        try:
            body = self._fetch(self.after)
        except OSError:
            return 0
        messages = body.get("messages", [])
        for message in messages:
            self.show(message)
        if messages:
            with self.lock:
                self.after = max(self.after, max(m["seq"] for m in messages))
                self.last_reply_at = time.monotonic()
                self.replies += len(messages)
        return len(messages)

    def show(self, message: dict[str, Any]) -> None:
        """Print one OA message readably, numbering its buttons."""
        lines: list[str] = []
        if message.get("template_id"):
            data = json.dumps(message.get("template_data"), ensure_ascii=False)
            lines.append(f"OA: [tin mẫu {message['template_id']}] {data}")
        if message.get("text"):
            text = str(message["text"]).replace("\n", "\n    ")
            lines.append(f"OA: {text}")
        attachment = message.get("attachment") or {}
        kind = attachment.get("kind")
        if kind == "image":
            lines.append(f"OA: [ảnh] {attachment.get('url') or attachment.get('attachment_id')}")
        elif kind == "file":
            lines.append(f"OA: [tệp] {attachment.get('name') or attachment.get('token')}")
        elif kind == "request_user_info":
            lines.append(
                f"OA: [yêu cầu thông tin] {attachment.get('title') or ''} "
                f"{attachment.get('subtitle') or ''}".rstrip()
            )
            lines.append("    (trả lời bằng: /info Họ tên | 0912345678 | địa chỉ)")
        elif kind:
            lines.append(f"OA: [{kind}]")
        buttons = message.get("buttons") or []
        for number, button in enumerate(buttons, start=1):
            lines.append(f"    [{number}] {button.get('title')}")
        if buttons:
            with self.lock:
                self.buttons = buttons
        print("\n".join(lines), flush=True)

    def wait_for_replies(self, since: float, wait: float, quiet: float = 1.0) -> None:
        """Block until a reply came after ``since`` and none for ``quiet`` s, or ``wait`` s."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            self.poll_once()
            with self.lock:
                last = self.last_reply_at
            if last > since and time.monotonic() - last >= quiet:
                return
            time.sleep(0.2)

    # --- Input ---------------------------------------------------------------------------------
    def handle(self, line: str) -> bool | None:
        """Act on one input line. Returns None to quit, else whether something was sent."""
        line = line.strip()
        if not line:
            return False
        command, _, rest = line.partition(" ")
        rest = rest.strip()
        if command in ("/quit", "/exit"):
            return None
        if command == "/help":
            print(HELP, flush=True)
            return False
        if command in ("/image", "/file"):
            path_text, _, caption = rest.partition(" ")
            path = Path(path_text).expanduser()
            if not path_text or not path.is_file():
                print(f"(không tìm thấy tệp: {path_text or '?'})", flush=True)
                return False
            if command == "/image":
                return self.send_image(path, caption.strip())
            return self.send_file(path)
        if command == "/location":
            parts = rest.split()
            if len(parts) != 2:
                print("(cú pháp: /location VĨ_ĐỘ KINH_ĐỘ)", flush=True)
                return False
            return self.send_location(parts[0], parts[1])
        if command in ("/follow", "/unfollow"):
            return self.send_follow(command[1:])
        if command == "/info":
            return self.send_info(rest)
        if line.isdigit():
            with self.lock:
                buttons = list(self.buttons)
            number = int(line)
            if 1 <= number <= len(buttons):
                button = buttons[number - 1]
                if button.get("type") in QUERY_BUTTONS:
                    print(f"(bấm nút: {button.get('title')})", flush=True)
                    return self.send_text(str(button.get("payload")))
                payload = button.get("payload") or {}
                target = payload.get("url") or payload.get("phone_code") or payload
                print(f"(nút {button.get('title')!r} mở: {target})", flush=True)
                return False
        return self.send_text(line)


def main(argv: list[str] | None = None) -> int:
    """Run the chat until /quit, Ctrl-C or the end of input. Returns the exit status."""
    from local.standins import cdn_dir, port_of

    for stream in (sys.stdout, sys.stderr, sys.stdin):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = argparse.ArgumentParser(prog="make chat", description=__doc__.splitlines()[0])
    parser.add_argument("--user", default=DEFAULT_USER, help="Zalo user id of the citizen")
    parser.add_argument("--api", default=f"http://127.0.0.1:{_env('PORT', '8000')}")
    parser.add_argument(
        "--zalo",
        default=f"http://127.0.0.1:{port_of('ZALO_STANDIN_PORT')}",
        help="the Zalo Open API stand-in",
    )
    parser.add_argument("--cdn", default=f"http://127.0.0.1:{port_of('CDN_STANDIN_PORT')}")
    parser.add_argument("--wait", type=float, default=15.0, help="max seconds to await replies")
    args = parser.parse_args(argv)

    chat = Chat(args.user, args.api, args.zalo, args.cdn, cdn_dir())
    chat.skip_history()
    interactive = sys.stdin.isatty()
    stop = threading.Event()
    if interactive:
        print(f"Bạn là người dùng Zalo {args.user}. Gõ /help để xem lệnh.", flush=True)

        def poll() -> None:
            while not stop.wait(0.4):
                chat.poll_once()

        threading.Thread(target=poll, name="poll", daemon=True).start()
    try:
        for line in sys.stdin:
            if not interactive and line.strip():
                print(f"Bạn: {line.strip()}", flush=True)
            started = time.monotonic()
            sent = chat.handle(line)
            if sent is None:
                break
            if sent and not interactive:
                chat.wait_for_replies(started, args.wait)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    if not interactive:
        chat.poll_once()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
