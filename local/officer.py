"""``make officer ARGS="..."``: an officer answering live conversations ("Gặp cán bộ") on the
system started by ``make run``, through the signed integration API as the local back office
(client ``local-back-office``, docs/integration.md).

    make officer ARGS="list"                        # open conversations of the provincial centre
    make officer ARGS="list --state closed"
    make officer ARGS="show L261202-1a2b3c4d"       # the messages, file links
    make officer ARGS="reply L261202-1a2b3c4d Chào Ông/Bà, …"
    make officer ARGS="close L261202-1a2b3c4d"

``--officer`` names the officer (default ``cb.local``). Prints the API's JSON answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Any
from urllib.parse import urlencode

CLIENT = "local-back-office"


def build_request(
    base: str, method: str, path: str, body: dict[str, Any] | None, secret: str
) -> urllib.request.Request:
    """A request signed as the local back office (Standard Webhooks headers)."""
    from chalicelib.api.integration.auth import sign

    raw = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    webhook_id = f"msg_{uuid.uuid4().hex}"
    stamp = int(time.time())
    headers = {
        "x-client-id": CLIENT,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, webhook_id, stamp, raw),
        "content-type": "application/json",
    }
    if not base.startswith("http://127.0.0.1:"):
        raise ValueError("the local API only")
    data = raw if method == "POST" else None
    return urllib.request.Request(base + path, data=data, headers=headers, method=method)  # noqa: S310 (checked above)


def main(argv: list[str] | None = None) -> int:
    from local.run import LOCAL_BACK_OFFICE_SECRET

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["list", "show", "reply", "close"])
    parser.add_argument("ref", nargs="?")
    parser.add_argument("text", nargs="*")
    parser.add_argument("--state", default="open", choices=["open", "closed"])
    parser.add_argument("--agency", default="")
    parser.add_argument("--officer", default="cb.local")
    args = parser.parse_args(argv)
    base = f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"
    if args.command != "list" and not args.ref:
        parser.error("give the conversation's ref (see: list)")
    body: dict[str, Any] | None = None
    method = "GET"
    if args.command == "list":
        query = {"state": args.state, **({"agency": args.agency} if args.agency else {})}
        path = f"/integration/v1/conversations?{urlencode(query)}"
    elif args.command == "show":
        path = f"/integration/v1/conversations/{args.ref}"
    elif args.command == "reply":
        if not args.text:
            parser.error("give the reply's text")
        method, path = "POST", f"/integration/v1/conversations/{args.ref}/messages"
        body = {"officer": args.officer, "text": " ".join(args.text)}
    else:
        method, path = "POST", f"/integration/v1/conversations/{args.ref}/close"
        body = {"officer": args.officer}
    request = build_request(base, method, path, body, LOCAL_BACK_OFFICE_SECRET)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (local API)
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    except urllib.error.URLError as error:
        print(f"Không kết nối được {base} ({error.reason}): hãy chạy `make run` trước.")
        return 1
    print(status)
    try:
        print(json.dumps(json.loads(text), ensure_ascii=False, indent=2))
    except ValueError:
        print(text)
    return 0 if status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
