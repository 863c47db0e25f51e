"""What a forged or junk request costs the webhook: milliseconds of CPU per refused request.

Every caller shares the API stage's rate limit with Zalo's deliveries, so a refused request must
stay cheap. Times ``webhook.receive`` in-process (no HTTP harness, no AWS call: every case is
refused before the queue) on a forged copy of a real event and on 256 KB bodies of the shapes
that cost a naive parser most: thousands of nesting levels (``RecursionError`` before the depth
bound), tens of thousands of small arrays, tens of thousands of short strings. Prints the median
ms per request of each.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REPEAT = int(os.environ.get("BENCH_JUNK_REPEAT", "50"))

ENV = {
    "ZALO_APP_ID": "1234567890123456789",
    "ZALO_OA_SECRET_KEY": "oa-secret-for-tests",  # the fixtures' test secret
    "ZALO_APP_SECRET": "bench",
    "DOCUMENTS_BUCKET": "camau-zalo-documents-bench",
}


def cases() -> dict[str, bytes]:
    event = (ROOT / "tests" / "fixtures" / "zalo" / "user_send_text.json").read_bytes()
    limit = 255_000
    return {
        "forged_event": event,
        "junk_256kb_text": b"x" * limit,
        "nested_2000_levels": b"[" * 2000 + b"]" * 2000,
        "nested_128000_levels": b"[" * (limit // 2) + b"]" * (limit // 2),
        "arrays_63000": b"[" + b"[1]," * (limit // 4 - 1) + b"[1]]",
        "strings_63000": b"[" + b'"a",' * (limit // 4 - 1) + b'"a"]',
        "forged_event_256kb": json.dumps(
            {**json.loads(event), "pad": "ệ" * (limit // 3 - 200)}, ensure_ascii=False
        ).encode(),
    }


def main() -> int:
    os.environ.update(ENV)
    os.environ.pop("SECRETS_SSM_PATH", None)
    from chalicelib.api import webhook

    headers = {"x-zevent-signature": "mac=" + "0" * 64}
    for name, raw in cases().items():
        times = []
        for _ in range(REPEAT):
            with contextlib.redirect_stdout(io.StringIO()) as out:
                started = time.perf_counter()
                answer = webhook.receive(raw, headers)
                times.append((time.perf_counter() - started) * 1000)
            if answer != {} or "webhook_rejected" not in out.getvalue():
                print(f"{name}: not refused", file=sys.stderr)
                return 1
        print(
            json.dumps(
                {
                    "bench": "webhook_junk",
                    "metric": f"refused_{name}_{len(raw) // 1000}kb_median",
                    "value": round(statistics.median(times), 3),
                    "unit": "ms",
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
