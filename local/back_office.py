"""``make back-office ARGS="..."``: play the province's one-stop system against ``make run``.

Every request is signed as the client ``local-back-office`` (Standard Webhooks, the test secret
of ``local/run.py``; ``--client``/``--secret`` or the environment ``BACK_OFFICE_CLIENT`` and
``BACK_OFFICE_SECRET`` override). The answer is printed as JSON.

    python -m local.back_office list [--after CURSOR] [--limit N]
    python -m local.back_office show CODE [--officer ID]
    python -m local.back_office access-log CODE
    python -m local.back_office put CODE --name NAME --id 0960… --phone 09… [--status 2]
    python -m local.back_office event CODE STATUS [--reason R] [--missing ITEM]… [--due-date D]
        [--fee AMOUNT --purpose P [--pay-url URL]] [--result-url URL | --result-file PATH]
        [--pickup PLACE] [--apology] [--officer ID] [--at ISO]
    python -m local.back_office curl METHOD PATH [BODY]     # a signed curl line to copy
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _base() -> str:
    return os.environ.get("API_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"


def _identity(args: argparse.Namespace) -> tuple[str, str]:
    from local.run import LOCAL_BACK_OFFICE_SECRET

    client = args.client or os.environ.get("BACK_OFFICE_CLIENT") or "local-back-office"
    secret = args.secret or os.environ.get("BACK_OFFICE_SECRET") or LOCAL_BACK_OFFICE_SECRET
    return client, secret


def signed_headers(client: str, secret: str, body: bytes) -> dict[str, str]:
    """The headers of one signed request (a new webhook-id each time)."""
    from chalicelib.api.integration.auth import sign

    webhook_id = f"msg_{uuid.uuid4().hex}"
    stamp = int(time.time())
    return {
        "x-client-id": client,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, webhook_id, stamp, body),
        "content-type": "application/json",
    }


def call(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    import requests

    client, secret = _identity(args)
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    headers = signed_headers(client, secret, data)
    if getattr(args, "officer", None):
        headers["x-officer-id"] = args.officer
    response = requests.request(
        method, _base() + "/integration/v1" + path, data=data, headers=headers, timeout=30
    )
    try:
        answer = response.json()
    except ValueError:
        answer = response.text
    print(f"HTTP {response.status_code}", file=sys.stderr)
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    if response.status_code >= 400:
        raise SystemExit(1)
    return answer


def _event(args: argparse.Namespace) -> None:
    import requests

    body: dict[str, Any] = {
        "status": args.status,
        "at": args.at or datetime.now(tz=UTC).isoformat(),
        "officer": args.officer or "officer-local",
    }
    if args.reason:
        body["reason"] = args.reason
    if args.missing:
        body["missing"] = args.missing
    if args.due_date:
        body["due_date"] = args.due_date
    if args.apology:
        body["apology"] = True
    if args.fee is not None:
        body["fee"] = {"amount": args.fee, "purpose": args.purpose or "Lệ phí"}
        if args.pay_url:
            body["fee"]["payment_url"] = args.pay_url
    result: dict[str, Any] = {}
    if args.result_file:
        path = Path(args.result_file)
        kind = "application/pdf" if path.suffix.lower() == ".pdf" else "image/png"
        upload = call(args, "POST", f"/dossiers/{args.code}/result-uploads", {"content_type": kind})
        put = requests.put(
            upload["url"], data=path.read_bytes(), headers=upload["headers"], timeout=60
        )
        put.raise_for_status()
        result["key"] = upload["key"]
    if args.result_url:
        result["url"] = args.result_url
    if args.pickup:
        result["pickup"] = args.pickup
    if result:
        body["result"] = result
    call(args, "POST", f"/dossiers/{args.code}/events", body)


def _put(args: argparse.Namespace) -> None:
    body = {
        "procedure_code": args.procedure,
        "receiving_agency": args.agency,
        "channel": args.channel,
        "received_at": args.at or datetime.now(tz=UTC).isoformat(),
        "status": args.status,
        "officer": args.officer or "officer-local",
        "applicant": {"name": args.name, "id_number": args.id, "phone": args.phone},
    }
    if args.procedure_name:
        body["procedure_name"] = args.procedure_name
    if args.due_date:
        body["due_date"] = args.due_date
    call(args, "PUT", f"/dossiers/{args.code}", body)


def _curl(args: argparse.Namespace) -> None:
    client, secret = _identity(args)
    data = (args.body or "").encode()
    headers = signed_headers(client, secret, data)
    parts = ["curl", "-sS", "-X", args.method.upper()]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    if data:
        parts += ["--data-binary", data.decode()]
    parts.append(_base() + "/integration/v1" + args.path)
    print(shlex.join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make back-office ARGS=", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--client")
    parser.add_argument("--secret")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="the change feed")
    listing.add_argument("--after")
    listing.add_argument("--limit", type=int)

    show = commands.add_parser("show", help="one dossier (the read is logged)")
    show.add_argument("code")
    show.add_argument("--officer", default="officer-local")

    log = commands.add_parser("access-log", help="who read a dossier")
    log.add_argument("code")

    put = commands.add_parser("put", help="register a dossier filed at a counter")
    put.add_argument("code")
    put.add_argument("--name", required=True)
    put.add_argument("--id", required=True, help="the applicant's 12-digit ID")
    put.add_argument("--phone", required=True)
    put.add_argument("--procedure", default="1.001193")
    put.add_argument("--procedure-name")
    put.add_argument("--agency", default="000.00.17.H12")
    put.add_argument("--channel", default="in_person")
    put.add_argument("--status", type=int, default=2)
    put.add_argument("--due-date")
    put.add_argument("--at")
    put.add_argument("--officer")

    event = commands.add_parser("event", help="a status change or an apology")
    event.add_argument("code")
    event.add_argument("status", type=int)
    event.add_argument("--reason")
    event.add_argument("--missing", action="append")
    event.add_argument("--due-date")
    event.add_argument("--fee", type=int)
    event.add_argument("--purpose")
    event.add_argument("--pay-url")
    event.add_argument("--result-url")
    event.add_argument("--result-file")
    event.add_argument("--pickup")
    event.add_argument("--apology", action="store_true")
    event.add_argument("--officer")
    event.add_argument("--at")

    curl = commands.add_parser("curl", help="print a signed curl command")
    curl.add_argument("method")
    curl.add_argument("path")
    curl.add_argument("body", nargs="?")

    args = parser.parse_args(argv)
    if args.command == "list":
        query = [f"updated_after={args.after}"] if args.after else []
        query += [f"limit={args.limit}"] if args.limit else []
        call(args, "GET", "/dossiers" + ("?" + "&".join(query) if query else ""))
    elif args.command == "show":
        call(args, "GET", f"/dossiers/{args.code}")
    elif args.command == "access-log":
        call(args, "GET", f"/dossiers/{args.code}/access-log")
    elif args.command == "put":
        _put(args)
    elif args.command == "event":
        _event(args)
    else:
        _curl(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
