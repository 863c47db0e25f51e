"""Procedure search: quality on the national list, speed on a larger catalogue.

Quality: hits among the first three results and first results over the national list of
2,395 online services, for the development set of issue 9 (../shared/reference/data/
search-queries.json) and our held-out sets (tests/catalogue/data/search-heldout*.json).
Speed: latency over the national list plus 2,500 synthetic variants of its names (target
p95 <= 20 ms in process), for every query of those sets and a few more.

Run from the repository root: ``.venv/bin/python bench/search.py``. Prints one JSON object per
figure on stdout (the Makefile aggregates them); everything else goes to stderr.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.catalogue.importer import parse_national_services
from chalicelib.catalogue.search import SearchIndex, build_index
from chalicelib.domain.procedure import Procedure

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DATA = ROOT.parent / "shared" / "reference" / "data"
NATIONAL_FILES = (
    ROOT / "data" / "catalogue" / "national-online-services.json",
    REFERENCE_DATA / "national-online-services.json",
)
DEV_SET = REFERENCE_DATA / "search-queries.json"
HELD_OUT = {
    "heldout_a": ROOT / "tests" / "catalogue" / "data" / "search-heldout.json",
    "heldout_b": ROOT / "tests" / "catalogue" / "data" / "search-heldout-b.json",
}
SYNTHETIC = 2500
ROUNDS = 10
SEED = 20260701

# Variations that real catalogues put around the same core name.
PREFIXES = ("", "Cấp lại ", "Cấp đổi ", "Điều chỉnh ", "Gia hạn ", "Thu hồi ", "Xác nhận ")
SUFFIXES = (
    "",
    " đối với tổ chức",
    " đối với cá nhân",
    " có yếu tố nước ngoài",
    " trong trường hợp bị mất, hư hỏng",
    " tại cơ quan đại diện",
    " cho doanh nghiệp nhỏ và vừa",
    " thuộc thẩm quyền của Ủy ban nhân dân cấp xã",
    " lĩnh vực thủy sản",
    " khu vực biên giới, hải đảo",
)
QUERIES = (
    "khai sinh",
    "giay phep xay dung",
    "cap lai can cuoc",
    "dang ky ket hon",
    "DANG KY THUONG TRU",
    "khai sihn",
    "gpxd",
    "cccd",
    "đk tạm trú",
    "1.001193",
    "tro cap that nghiep",
    "ho kinh doanh thanh lap",
    "so do bi mat",
    "chung thuc chu ky",
    "xac nhan tinh trang hon nhan",
    "giay phep lai xe quoc te",
    "toi muon lam giay khai sinh cho con",
    "karaoke",
)


def log(message: str) -> None:
    print(message, file=sys.stderr)


def emit(metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": "search", "metric": metric, "value": value, "unit": unit}))


def synthetic_catalogue(seeds: list[Procedure], extra: int) -> list[Procedure]:
    """The seeds, then ``extra`` variants with new codes, varied names, small usage."""
    rng = random.Random(SEED)
    catalogue = list(seeds)
    used = {p.code for p in seeds}
    while len(catalogue) < len(seeds) + extra:
        seed = rng.choice(seeds)
        code = f"{rng.choice('123')}.{rng.randrange(1, 999999):06d}"
        if code in used:
            continue
        used.add(code)
        name = rng.choice(PREFIXES) + seed.name[0].lower() + seed.name[1:] + rng.choice(SUFFIXES)
        name = name[0].upper() + name[1:]
        update = {"code": code, "name": name, "popularity": rng.randrange(0, 1000)}
        catalogue.append(seed.model_copy(update=update))
    return catalogue


def national() -> list[Procedure]:
    path = next(p for p in NATIONAL_FILES if p.exists())
    report = parse_national_services(json.loads(path.read_text(encoding="utf-8")))
    return list(report.procedures)


def queries(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["queries"]


def quality(index: SearchIndex, name: str, path: Path) -> list[str]:
    """Emit the set's hit counts; return its query texts."""
    items = queries(path)
    top3 = top1 = 0
    for item in items:
        codes = [h.code for h in index.search(item["text"], limit=3).hits]
        top3 += any(c in item["accept"] for c in codes)
        top1 += bool(codes) and codes[0] in item["accept"]
        if not codes or codes[0] not in item["accept"]:
            log(f"{name}: {item['text']!r} -> {codes} (accept {item['accept']})")
    emit(f"{name}_top3", top3, f"of {len(items)}")
    emit(f"{name}_top1", top1, f"of {len(items)}")
    return [item["text"] for item in items]


def main() -> None:
    seeds = national()
    index = SearchIndex.from_dict(json.loads(json.dumps(build_index(seeds))))
    texts = quality(index, "dev", DEV_SET)
    for name, path in HELD_OUT.items():
        texts += quality(index, name, path)

    procedures = synthetic_catalogue(seeds, SYNTHETIC)
    log(f"catalogue: {len(procedures)} procedures")
    started = time.perf_counter()
    data = build_index(procedures)
    build_ms = (time.perf_counter() - started) * 1000
    serialized = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    started = time.perf_counter()
    index = SearchIndex.from_dict(json.loads(serialized))
    load_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    index.search("khai sihn")  # the first typo imports rapidfuzz, as a first real query would
    first_typo_ms = (time.perf_counter() - started) * 1000
    all_queries = list(QUERIES) + texts
    latencies = []
    for _ in range(ROUNDS):
        for query in all_queries:
            started = time.perf_counter()
            index.search(query)
            latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    log(f"{len(latencies)} searches over {len(all_queries)} distinct queries")

    emit("latency_median", round(statistics.median(latencies), 3), "ms")
    emit("latency_p95", round(p95, 3), "ms (target <= 20)")
    emit("first_typo_query", round(first_typo_ms, 1), "ms")
    emit("index_build", round(build_ms, 1), "ms")
    emit("index_load", round(load_ms, 1), "ms")
    emit("index_size", len(serialized), "bytes")
    emit("catalogue_size", len(procedures), "procedures")


if __name__ == "__main__":
    main()
