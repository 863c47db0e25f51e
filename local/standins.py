"""Local stand-ins for the services the system calls: Zalo Open API, Zalo OAuth, Zalo template
API, the postal provider and a Zalo CDN.

Each stand-in is its own ``ThreadingHTTPServer`` on loopback (one port per service, so a base URL
pointed at the wrong service fails loudly instead of answering), and prints every call it receives
as one readable line. The data is local and fake, so message texts are printed in full.

Guarantees:
- Answers use the shapes and error conventions of the real services (Zalo answers HTTP 200 with
  ``error`` != 0; ``expires_in`` is a string), and the documented limits are enforced (2,000
  characters per text, 5 buttons, ``access_token`` header required -> -216), so a bug shows here
  before it shows in production.
- Every message the OA sends (consultation or template) is kept in memory, in order, and can be
  read at ``GET /_local/messages?user_id=..&after=<seq>`` on the Open API stand-in (``make chat``
  and the end-to-end test read it). ``POST /_local/fail`` (JSON ``{"error": -32, "count": 1}``)
  makes the next sends fail with that Zalo error code, to exercise retries by hand.
- Refresh tokens are single use, as in Zalo: a refresh token that was already exchanged is
  refused (-14014). Authorisation codes are single use and checked against the PKCE challenge.
- Unknown paths answer 404 and are printed, so a missing stand-in endpoint is obvious.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

# Environment variable -> default port of each stand-in.
PORT_DEFAULTS: dict[str, int] = {
    "ZALO_STANDIN_PORT": 8101,
    "OAUTH_STANDIN_PORT": 8102,
    "TEMPLATE_STANDIN_PORT": 8103,
    "POSTAL_STANDIN_PORT": 8104,
    "CDN_STANDIN_PORT": 8105,
}
DEFAULT_CDN_DIR = ROOT / ".local" / "cdn"
MAX_TEXT_CHARS = 2000
MAX_BUTTONS = 5

Reply = tuple[int, dict[str, str], bytes]

_print_lock = threading.Lock()


def say(service: str, line: str) -> None:
    """Print one line for ``service`` (thread-safe, flushed at once)."""
    with _print_lock:
        print(f"[{service}] {line}", flush=True)


def port_of(name: str, environ: dict[str, str] | Any = None) -> int:
    """The port of the stand-in whose variable is ``name`` (environment first, then default)."""
    import os

    env = os.environ if environ is None else environ
    return int(env.get(name) or PORT_DEFAULTS[name])


def cdn_dir(environ: dict[str, str] | Any = None) -> Path:
    """The directory the CDN stand-in serves (``LOCAL_CDN_DIR``, default ``.local/cdn``)."""
    import os

    env = os.environ if environ is None else environ
    return Path(env.get("LOCAL_CDN_DIR") or DEFAULT_CDN_DIR)


def _json(status: int, body: Any) -> Reply:
    return (
        status,
        {"Content-Type": "application/json; charset=utf-8"},
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
    )


def _zalo_error(code: int, message: str) -> Reply:
    return _json(200, {"error": code, "message": message})


@dataclass
class Request:
    """One request as a service sees it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (None when it is not JSON)."""
        try:
            return json.loads(self.body.decode("utf-8") or "null")
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        """The body parsed as ``application/x-www-form-urlencoded``."""
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}


# --- The record of what the OA sent -------------------------------------------------------------
@dataclass
class MessageLog:
    """Every message the OA sent, in order, with a 1-based sequence number. Thread-safe."""

    _items: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Append ``entry`` (a ``seq`` is assigned) and return it."""
        with self._lock:
            entry = {"seq": len(self._items) + 1, "time": int(time.time() * 1000), **entry}
            self._items.append(entry)
            return entry

    def since(self, after: int = 0, user_id: str | None = None) -> list[dict[str, Any]]:
        """Messages with ``seq`` > ``after``, only those to ``user_id`` when given."""
        with self._lock:
            items = self._items[after:]
        return [m for m in items if user_id is None or m.get("user_id") == user_id]

    def last_seq(self) -> int:
        """The sequence number of the latest message (0 when none)."""
        with self._lock:
            return len(self._items)


def describe_message(message: dict[str, Any]) -> dict[str, Any]:
    """The readable parts of an Open API ``message`` object: text, buttons, attachment."""
    text = message.get("text") if isinstance(message.get("text"), str) else None
    buttons: list[dict[str, Any]] = []
    attachment: dict[str, Any] | None = None
    raw = message.get("attachment")
    if isinstance(raw, dict):
        payload = raw.get("payload") if isinstance(raw.get("payload"), dict) else {}
        for button in payload.get("buttons") or []:
            if isinstance(button, dict):
                buttons.append(
                    {
                        "title": str(button.get("title", "")),
                        "type": str(button.get("type", "")),
                        "payload": button.get("payload"),
                    }
                )
        if raw.get("type") == "file":
            attachment = {"kind": "file", "token": payload.get("token")}
        elif payload.get("template_type") == "media":
            element = (payload.get("elements") or [{}])[0]
            attachment = {
                "kind": "image",
                "url": element.get("url"),
                "attachment_id": element.get("attachment_id"),
            }
        elif payload.get("template_type") == "request_user_info":
            element = (payload.get("elements") or [{}])[0]
            attachment = {
                "kind": "request_user_info",
                "title": element.get("title"),
                "subtitle": element.get("subtitle"),
            }
        elif payload.get("template_type"):
            attachment = {"kind": str(payload["template_type"])}
    return {"text": text, "buttons": buttons, "attachment": attachment}


def summary(entry: dict[str, Any]) -> str:
    """One readable line for a logged message."""
    who = entry.get("user_id") or f"phone {entry.get('phone')}"
    parts = [f"-> {who}"]
    if entry.get("template_id"):
        parts.append(f"template {entry['template_id']} {json.dumps(entry.get('template_data'))}")
    if entry.get("text"):
        text = entry["text"]
        parts.append(repr(text if len(text) <= 300 else text[:300] + "…"))
    attachment = entry.get("attachment")
    if attachment:
        parts.append(
            "[" + " ".join(f"{k}={v}" for k, v in attachment.items() if v is not None) + "]"
        )
    if entry.get("buttons"):
        parts.append("buttons: " + " | ".join(b["title"] for b in entry["buttons"]))
    return " ".join(parts)


# --- Services -----------------------------------------------------------------------------------
class Service:
    """A stand-in service: ``routes`` maps (method, path regex) to a handler."""

    name = "service"

    def routes(self) -> list[tuple[str, str, Callable[[Request, re.Match[str]], Reply]]]:
        return []

    def handle(self, request: Request) -> Reply:
        for method, pattern, handler in self.routes():
            match = re.fullmatch(pattern, request.path)
            if match and method == request.method:
                return handler(request, match)
        say(self.name, f"{request.method} {request.path} -> 404 (no such stand-in endpoint)")
        return _json(404, {"error": -404, "message": "local stand-in: no such endpoint"})


class ZaloOpenApi(Service):
    """``openapi.zalo.me``: consultation and template messages, file upload, the message log."""

    name = "zalo"

    def __init__(self, log: MessageLog) -> None:
        self.log = log
        self.uploads: dict[str, dict[str, Any]] = {}
        self._forced: list[int] = []
        self._lock = threading.Lock()

    def routes(self) -> list[tuple[str, str, Callable[[Request, re.Match[str]], Reply]]]:
        return [
            ("POST", r"/v3\.0/oa/message/(cs|transaction|promotion)", self.send),
            ("POST", r"/v3\.0/oa/message/template", self.send_template),
            ("POST", r"/v2\.0/oa/upload/(file|image|gif)", self.upload),
            ("GET", r"/_local/messages", self.messages),
            ("POST", r"/_local/fail", self.fail),
        ]

    def _forced_error(self) -> int | None:
        with self._lock:
            return self._forced.pop(0) if self._forced else None

    def _check_token(self, request: Request, label: str) -> Reply | None:
        if not request.headers.get("access_token"):
            say(self.name, f"{label} -> -216 (no access_token header)")
            return _zalo_error(-216, "Access token is invalid")
        forced = self._forced_error()
        if forced is not None:
            say(self.name, f"{label} -> {forced} (forced by /_local/fail)")
            return _zalo_error(forced, "local stand-in: forced error")
        return None

    def send(self, request: Request, match: re.Match[str]) -> Reply:
        label = f"POST {request.path}"
        refused = self._check_token(request, label)
        if refused:
            return refused
        body = request.json()
        if not isinstance(body, dict):
            say(self.name, f"{label} -> -201 (body is not a JSON object)")
            return _zalo_error(-201, "Parameters invalid")
        recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
        user_id = recipient.get("user_id")
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        parts = describe_message(message)
        problem = None
        if not user_id:
            problem = "recipient.user_id missing"
        elif not parts["text"] and not parts["attachment"]:
            problem = "message has neither text nor attachment"
        elif parts["text"] and len(parts["text"]) > MAX_TEXT_CHARS:
            problem = f"text longer than {MAX_TEXT_CHARS} characters ({len(parts['text'])})"
        elif len(parts["buttons"]) > MAX_BUTTONS:
            problem = f"more than {MAX_BUTTONS} buttons ({len(parts['buttons'])})"
        if problem:
            say(self.name, f"{label} -> -201 ({problem})")
            return _zalo_error(-201, "Parameters invalid")
        if parts["attachment"] and parts["attachment"].get("token") in self.uploads:
            parts["attachment"]["name"] = self.uploads[parts["attachment"]["token"]]["name"]
        message_id = uuid.uuid4().hex
        entry = self.log.add(
            {"kind": match.group(1), "user_id": str(user_id), "message_id": message_id, **parts}
        )
        say(self.name, f"{label} {summary(entry)}")
        return _json(
            200,
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": message_id, "user_id": str(user_id)},
            },
        )

    def send_template(self, request: Request, match: re.Match[str]) -> Reply:
        label = f"POST {request.path}"
        refused = self._check_token(request, label)
        if refused:
            return refused
        body = request.json()
        if not isinstance(body, dict) or not body.get("user_id") or not body.get("template_id"):
            say(self.name, f"{label} -> -201 (user_id and template_id are required)")
            return _zalo_error(-201, "Parameters invalid")
        message_id = uuid.uuid4().hex
        entry = self.log.add(
            {
                "kind": "template",
                "user_id": str(body["user_id"]),
                "template_id": str(body["template_id"]),
                "template_data": body.get("template_data"),
                "message_id": message_id,
                "text": None,
                "buttons": [],
                "attachment": None,
            }
        )
        say(self.name, f"{label} {summary(entry)}")
        return _json(
            200,
            {"error": 0, "message": "Success", "data": {"message_id": message_id}},
        )

    def upload(self, request: Request, match: re.Match[str]) -> Reply:
        label = f"POST {request.path}"
        refused = self._check_token(request, label)
        if refused:
            return refused
        found = re.search(rb'filename="([^"]*)"', request.body)
        name = found.group(1).decode("utf-8", "replace") if found else "(no filename)"
        token = "local-" + uuid.uuid4().hex
        with self._lock:
            self.uploads[token] = {"name": name, "bytes": len(request.body)}
        say(self.name, f"{label} {name!r} ({len(request.body)} bytes multipart) -> token {token}")
        key = "attachment_id" if match.group(1) in ("image", "gif") else "token"
        return _json(200, {"error": 0, "message": "Success", "data": {key: token}})

    def messages(self, request: Request, match: re.Match[str]) -> Reply:
        after = int(request.query.get("after") or 0)
        items = self.log.since(after, request.query.get("user_id"))
        return _json(200, {"messages": items, "last_seq": self.log.last_seq()})

    def fail(self, request: Request, match: re.Match[str]) -> Reply:
        body = request.json() or {}
        code, count = int(body.get("error", -32)), int(body.get("count", 1))
        with self._lock:
            self._forced.extend([code] * count)
        say(self.name, f"next {count} send(s) will fail with error {code}")
        return _json(200, {"ok": True})


class ZaloOAuth(Service):
    """``oauth.zaloapp.com``: the access-token endpoint and the consent page."""

    name = "zalo-oauth"

    def __init__(self, oa_id: str) -> None:
        self.oa_id = oa_id
        self._lock = threading.Lock()
        self._used_refresh_tokens: set[str] = set()
        self._codes: dict[str, str] = {}  # code -> PKCE challenge ("" when none was given)

    def routes(self) -> list[tuple[str, str, Callable[[Request, re.Match[str]], Reply]]]:
        return [
            ("POST", r"/v4/oa/access_token", self.access_token),
            ("GET", r"/v4/oa/permission", self.permission),
        ]

    def _oauth_error(self, label: str, code: int, reason: str) -> Reply:
        say(self.name, f"{label} -> error {code} ({reason})")
        return _json(
            200,
            {"error": code, "error_name": "Invalid parameter", "error_reason": reason},
        )

    def access_token(self, request: Request, match: re.Match[str]) -> Reply:
        form = request.form()
        grant = form.get("grant_type", "")
        label = f"POST {request.path} grant_type={grant} app_id={form.get('app_id', '')}"
        if not request.headers.get("secret_key"):
            return self._oauth_error(label, -14002, "secret_key header missing")
        if not form.get("app_id"):
            return self._oauth_error(label, -14001, "app_id missing")
        with self._lock:
            if grant == "refresh_token":
                token = form.get("refresh_token", "")
                if not token:
                    return self._oauth_error(label, -14014, "refresh_token missing")
                if token in self._used_refresh_tokens:
                    return self._oauth_error(label, -14014, "refresh token already used")
                self._used_refresh_tokens.add(token)
            elif grant == "authorization_code":
                code = form.get("code", "")
                if code not in self._codes:
                    return self._oauth_error(label, -14019, "unknown or used code")
                challenge = self._codes.pop(code)
                verifier = form.get("code_verifier", "")
                if challenge and _pkce_challenge(verifier) != challenge:
                    return self._oauth_error(label, -14020, "code_verifier does not match")
            else:
                return self._oauth_error(label, -14003, "unsupported grant_type")
        pair = {
            "access_token": "local-at-" + uuid.uuid4().hex,
            "refresh_token": "local-rt-" + uuid.uuid4().hex,
            "expires_in": "90000",
        }
        say(self.name, f"{label} -> new token pair (expires_in 90000 s)")
        return _json(200, pair)

    def permission(self, request: Request, match: re.Match[str]) -> Reply:
        redirect_uri = request.query.get("redirect_uri", "")
        if not redirect_uri or not request.query.get("app_id"):
            say(self.name, f"GET {request.path} -> 400 (app_id and redirect_uri are required)")
            return _json(400, {"error": -14001, "message": "app_id and redirect_uri required"})
        code = "local-code-" + uuid.uuid4().hex
        with self._lock:
            self._codes[code] = request.query.get("code_challenge", "")
        params = {"code": code, "oa_id": self.oa_id, "state": request.query.get("state", "")}
        parts = urlsplit(redirect_uri)
        query = (parts.query + "&" if parts.query else "") + urlencode(params)
        location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        say(self.name, f"GET {request.path} consent granted -> 302 {location}")
        return 302, {"Location": location, "Content-Length": "0"}, b""


def _pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class ZaloTemplateApi(Service):
    """``business.openapi.zalo.me``: template messages by phone number."""

    name = "zalo-template"

    def __init__(self, log: MessageLog) -> None:
        self.log = log

    def routes(self) -> list[tuple[str, str, Callable[[Request, re.Match[str]], Reply]]]:
        return [("POST", r"/message/template", self.send)]

    def send(self, request: Request, match: re.Match[str]) -> Reply:
        label = f"POST {request.path}"
        if not request.headers.get("access_token"):
            say(self.name, f"{label} -> -124 (no access_token header)")
            return _zalo_error(-124, "Access token is invalid")
        body = request.json()
        if not isinstance(body, dict) or not body.get("phone") or not body.get("template_id"):
            say(self.name, f"{label} -> -201 (phone and template_id are required)")
            return _zalo_error(-201, "Parameters invalid")
        msg_id = uuid.uuid4().hex
        entry = self.log.add(
            {
                "kind": "template_phone",
                "user_id": None,
                "phone": str(body["phone"]),
                "template_id": str(body["template_id"]),
                "template_data": body.get("template_data"),
                "tracking_id": body.get("tracking_id"),
                "mode": body.get("mode"),
                "message_id": msg_id,
                "text": None,
                "buttons": [],
                "attachment": None,
            }
        )
        say(self.name, f"{label} {summary(entry)}")
        return _json(
            200,
            {
                "error": 0,
                "message": "Success",
                "data": {"msg_id": msg_id, "sent_time": str(entry["time"])},
            },
        )


class Postal(Service):
    """The postal provider: pick-up orders."""

    name = "postal"

    def __init__(self) -> None:
        self._counter = 0
        self._lock = threading.Lock()

    def routes(self) -> list[tuple[str, str, Callable[[Request, re.Match[str]], Reply]]]:
        return [("POST", r"/orders", self.create_order)]

    def create_order(self, request: Request, match: re.Match[str]) -> Reply:
        body = request.json()
        with self._lock:
            self._counter += 1
            tracking = f"EMS{int(time.time()) % 1_000_000:06d}{self._counter:03d}VN"
        keys = ", ".join(sorted(body)) if isinstance(body, dict) else type(body).__name__
        say(self.name, f"POST {request.path} fields: {keys} -> tracking {tracking}")
        return _json(200, {"tracking_number": tracking})


INFO_CARD_IMAGE = "info-card.png"  # USER_INFO_CARD_IMAGE_URL of `make run`


def plain_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A PNG of one colour (the local information card's image)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class Cdn(Service):
    """A Zalo CDN: ``GET /files/<name>`` serves a file from a directory."""

    name = "cdn"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def routes(self) -> list[tuple[str, str, Callable[[Request, re.Match[str]], Reply]]]:
        return [("GET", r"/files/([^/]+)", self.get), ("HEAD", r"/files/([^/]+)", self.get)]

    def get(self, request: Request, match: re.Match[str]) -> Reply:
        name = Path(match.group(1)).name  # no way out of the directory
        path = self.directory / name
        if name == INFO_CARD_IMAGE and not path.is_file():  # the information card's image
            self.directory.mkdir(parents=True, exist_ok=True)
            path.write_bytes(plain_png(320, 180, (0, 104, 255)))
        if not path.is_file():
            say(self.name, f"{request.method} {request.path} -> 404")
            return _json(404, {"error": "not found"})
        data = path.read_bytes()
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        say(self.name, f"{request.method} {request.path} -> 200 {kind} {len(data)} bytes")
        body = b"" if request.method == "HEAD" else data
        return 200, {"Content-Type": kind, "Content-Length": str(len(data))}, body


# --- HTTP plumbing --------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    service: Service

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query={k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            status, headers, payload = self.service.handle(request)
        except Exception as exc:  # a stand-in bug must not kill it
            say(self.service.name, f"{request.method} {request.path} -> 500 {exc!r}")
            status, headers, payload = _json(500, {"error": -1, "message": "stand-in failure"})
        self.send_response(status)
        headers = {"Content-Length": str(len(payload)), **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload and self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        pass  # each service prints its own readable line


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@dataclass
class RunningServer:
    """One stand-in listening on loopback."""

    service: Service
    server: _Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, close the socket, join the thread (at most ``timeout`` seconds)."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout)


def serve(service: Service, port: int, host: str = "127.0.0.1") -> RunningServer:
    """Start ``service`` on ``host:port`` in a daemon thread. Raises OSError if the port is
    taken."""
    handler = type(f"{type(service).__name__}Handler", (_Handler,), {"service": service})
    server = _Server((host, port), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.2}, name=f"standin-{service.name}"
    )
    thread.daemon = True
    thread.start()
    return RunningServer(service, server, thread)


def start_all(environ: dict[str, str] | Any = None) -> dict[str, RunningServer]:
    """Start every stand-in on its configured port. Returns service name -> running server.

    If one cannot start, those already started are stopped and the OSError is raised."""
    import os

    env = os.environ if environ is None else environ
    log = MessageLog()
    directory = cdn_dir(env)
    directory.mkdir(parents=True, exist_ok=True)
    plan: list[tuple[Service, str]] = [
        (ZaloOpenApi(log), "ZALO_STANDIN_PORT"),
        (ZaloOAuth(env.get("ZALO_OA_ID", "")), "OAUTH_STANDIN_PORT"),
        (ZaloTemplateApi(log), "TEMPLATE_STANDIN_PORT"),
        (Postal(), "POSTAL_STANDIN_PORT"),
        (Cdn(directory), "CDN_STANDIN_PORT"),
    ]
    running: dict[str, RunningServer] = {}
    try:
        for service, variable in plan:
            running[service.name] = serve(service, port_of(variable, env))
    except OSError:
        for server in running.values():
            server.stop()
        raise
    return running


def main() -> int:
    """Run the stand-ins alone (``python -m local.standins``) until SIGINT or SIGTERM."""
    import signal

    running = start_all()
    for name, server in running.items():
        print(f"{name:14} {server.url}", file=sys.stderr)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    for server in running.values():
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
