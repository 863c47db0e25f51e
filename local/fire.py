"""``make schedule NAME=..``: fire one schedule now on the system started by ``make run``.

The schedule runs inside the runner process (same moto, same stand-ins, same caches), through the
runner's control endpoint on loopback: ``POST http://127.0.0.1:$CONTROL_PORT/schedules/<name>``.

Exit status: 0 the handler returned, 1 it raised (or the runner is not reachable), 2 no such
schedule (the known ones are listed) or no name given.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

DEFAULT_CONTROL_PORT = 8099


def control_url() -> str:
    """The runner's control endpoint (``CONTROL_PORT``, default 8099)."""
    return f"http://127.0.0.1:{os.environ.get('CONTROL_PORT') or DEFAULT_CONTROL_PORT}"


def _call(method: str, path: str, timeout: float) -> tuple[int, dict[str, Any]]:
    data = b"" if method == "POST" else None
    request = urllib.request.Request(control_url() + path, method=method, data=data)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def main(argv: list[str] | None = None) -> int:
    """Fire the schedule named in ``argv`` and print the outcome; returns the exit status."""
    args = sys.argv[1:] if argv is None else argv
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    try:
        if not args or not args[0].strip():
            _, body = _call("GET", "/schedules", timeout=10)
            known = ", ".join(s["name"] for s in body.get("schedules", [])) or "(none)"
            print(f"usage: make schedule NAME=<name>   known schedules: {known}", file=sys.stderr)
            return 2
        name = args[0].strip()
        status, body = _call("POST", f"/schedules/{name}", timeout=900)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        print(
            f"the local system is not reachable at {control_url()} ({reason}); start it with "
            "`make run` (and use the same CONTROL_PORT)",
            file=sys.stderr,
        )
        return 1
    if status == 404:
        known = ", ".join(body.get("known") or []) or "(none)"
        print(f"unknown schedule {name!r}; known schedules: {known}", file=sys.stderr)
        return 2
    if body.get("ok"):
        result = json.dumps(body.get("result"), ensure_ascii=False, default=repr)
        print(f"schedule {name}: ok in {body.get('seconds')} s; returned {result}")
        return 0
    print(
        f"schedule {name}: FAILED in {body.get('seconds')} s: {body.get('error')} "
        "(the traceback is in the `make run` output)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
