"""The FAQ search (issue 14): the chat's suggestions before a question is filed and
``GET /public/faq``. Publishes ``BENCH_FAQ_ENTRIES`` synthetic entries on moto (questions made
from the national list's procedure names), then prints the cost of loading them (Query calls
and milliseconds: once per container per ``FAQ_CACHE_SECONDS``) and the in-memory search
latency (median and p95 over queries typed without diacritics), and the share of queries whose
own entry comes first.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from _moto import ROOT, prepare_environment

ENTRIES = int(os.environ.get("BENCH_FAQ_ENTRIES", "2000"))
QUERIES = int(os.environ.get("BENCH_FAQ_QUERIES", "300"))


def figure(metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": "faq", "metric": metric, "value": value, "unit": unit}))


def main() -> None:
    from moto import mock_aws

    prepare_environment()
    path = ROOT / "data" / "catalogue" / "national-online-services.json"
    names = json.loads(path.read_text(encoding="utf-8"))
    rows = next(v for v in names.values() if isinstance(v, list))
    rng = random.Random(14)
    picked = rng.sample([r["name"] for r in rows], ENTRIES)
    with mock_aws():
        from chalicelib.domain.feedback import Feedback, FeedbackKind, FeedbackState
        from chalicelib.domain.vietnamese import fold
        from chalicelib.platform.aws import client
        from chalicelib.services import feedback as service
        from chalicelib.storage.feedback import FeedbackStore
        from chalicelib.storage.table import get_table
        from local.resources import create_all

        create_all(
            {"dynamodb": client("dynamodb"), "s3": client("s3"), "sqs": client("sqs")},
            {"DocumentsBucketName": os.environ["DOCUMENTS_BUCKET"]},
        )
        store = FeedbackStore(get_table())
        at = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
        for i, name in enumerate(picked):
            fb = Feedback(
                ref=f"PAKN-261126-{i:06X}",
                kind=FeedbackKind.QUESTION,
                state=FeedbackState.PUBLISHED,
                agency="000.00.00.H12",
                created_at=at,
                published_question=f"Thủ tục «{name}» cần những giấy tờ gì và nộp ở đâu?",
                published_answer="Xem hướng dẫn tại Trung tâm Phục vụ hành chính công.",
            )
            store.publish(fb, at + timedelta(seconds=i))
        calls = []
        original = get_table()._client.query

        def counted(**kwargs):  # type: ignore[no-untyped-def]
            calls.append(1)
            return original(**kwargs)

        get_table()._client.query = counted
        started = time.perf_counter()
        entries = service.faq_entries(store, ENTRIES, 0)
        load_ms = (time.perf_counter() - started) * 1000
        figure("entries", len(entries), "entries")
        figure("load_query_calls", len(calls), "calls")
        figure("load_ms_moto", round(load_ms, 1), "ms")
        started = time.perf_counter()
        service.search_faq(entries, "khai sinh", 3)  # builds the index, once per load
        figure("index_build_ms", round((time.perf_counter() - started) * 1000, 1), "ms")
        times, first = [], 0
        for i in rng.sample(range(ENTRIES), min(QUERIES, ENTRIES)):
            query = fold(picked[i])  # typed without diacritics
            started = time.perf_counter()
            found = service.search_faq(entries, query, 3)
            times.append((time.perf_counter() - started) * 1000)
            first += bool(found) and found[0].ref == f"PAKN-261126-{i:06X}"
        times.sort()
        figure("search_median_ms", round(statistics.median(times), 2), "ms")
        figure("search_p95_ms", round(times[int(len(times) * 0.95) - 1], 2), "ms")
        figure("own_entry_first", round(100 * first / len(times), 1), "%")


if __name__ == "__main__":
    main()
