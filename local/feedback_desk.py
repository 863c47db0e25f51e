"""``make feedback-desk``: an officer handling questions, feedback and petitions, on the system
started by ``make run``.

Each command is one request to the integration API's officer inbox (issue 14), signed as the
local client ``local-back-office`` (docs/integration.md, "Local clients"); the JSON answer is
printed. The citizen's notices (answers, requests for information...) reach ``make chat``.

    make feedback-desk ARGS="inbox [--state new] [--agency 000.00.00.H12]"
    make feedback-desk ARGS="show PAKN-261126-7F3A9C"
    make feedback-desk ARGS="answer PAKN-261126-7F3A9C 'Câu trả lời'"
    make feedback-desk ARGS="request-info PAKN-261126-7F3A9C 'Thông tin cần bổ sung'"
    make feedback-desk ARGS="transfer PAKN-261126-7F3A9C 000.00.09.H12 'Lý do chuyển'"
    make feedback-desk ARGS="reject PAKN-261126-7F3A9C 'Lý do'"
    make feedback-desk ARGS="publish PAKN-261126-7F3A9C 'Câu hỏi đã che' 'Câu trả lời đã che'"

Exit status 0 when the API answered 2xx, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

CLIENT = "local-back-office"


def _call(api: str, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
    from chalicelib.api.integration.auth import sign
    from local.run import LOCAL_BACK_OFFICE_SECRET

    raw = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    webhook_id, stamp = f"msg_{uuid.uuid4().hex}", int(time.time())
    headers = {
        "x-client-id": CLIENT,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(LOCAL_BACK_OFFICE_SECRET, webhook_id, stamp, raw),
        "Content-Type": "application/json",
    }
    if not api.startswith(("http://", "https://")):
        raise SystemExit("--api must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        api + path, data=raw if method == "POST" else None, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = argparse.ArgumentParser(prog="make feedback-desk", description=__doc__.splitlines()[0])
    parser.add_argument("--api", default=f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}")
    sub = parser.add_subparsers(dest="command", required=True)
    inbox = sub.add_parser("inbox")
    inbox.add_argument(
        "--agency", default=os.environ.get("FEEDBACK_DEFAULT_AGENCY", "000.00.00.H12")
    )
    inbox.add_argument("--state", default="")
    inbox.add_argument("--cursor", default="")
    sub.add_parser("show").add_argument("ref")
    for name, fields in (
        ("answer", ("answer",)),
        ("request-info", ("question",)),
        ("transfer", ("agency", "reason")),
        ("reject", ("reason",)),
        ("publish", ("question", "answer")),
    ):
        command = sub.add_parser(name)
        command.add_argument("ref")
        for field in fields:
            command.add_argument(field)
    args = parser.parse_args(argv)

    if args.command == "inbox":
        query = {"agency": args.agency, "state": args.state, "cursor": args.cursor}
        path = "/integration/v1/feedback?" + urllib.parse.urlencode(
            {k: v for k, v in query.items() if v}
        )
        status, body = _call(args.api, "GET", path, None)
    elif args.command == "show":
        status, body = _call(args.api, "GET", f"/integration/v1/feedback/{args.ref}", None)
    else:
        fields = {k: v for k, v in vars(args).items() if k not in ("api", "command", "ref") and v}
        path = f"/integration/v1/feedback/{args.ref}/{args.command}"
        status, body = _call(args.api, "POST", path, fields)
    print(json.dumps(body, ensure_ascii=False, indent=2))
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    raise SystemExit(main())
