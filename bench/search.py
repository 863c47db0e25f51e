"""Benchmark of procedure search over a 2,500-procedure catalogue.

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

from chalicelib.catalogue.sample import load_sample_catalogue
from chalicelib.catalogue.search import SearchIndex, build_index
from chalicelib.domain.procedure import Procedure

CATALOGUE_SIZE = 2500
ROUNDS = 20
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


def synthetic_catalogue(seeds: list[Procedure], size: int) -> list[Procedure]:
    """``size`` procedures: the seeds, then variants with new codes and varied names."""
    rng = random.Random(SEED)
    catalogue = list(seeds)
    used = {p.code for p in seeds}
    while len(catalogue) < size:
        seed = rng.choice(seeds)
        code = f"{rng.choice('123')}.{rng.randrange(1, 999999):06d}"
        if code in used:
            continue
        used.add(code)
        name = rng.choice(PREFIXES) + seed.name[0].lower() + seed.name[1:] + rng.choice(SUFFIXES)
        name = name[0].upper() + name[1:]
        catalogue.append(seed.model_copy(update={"code": code, "name": name}))
    return catalogue


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    _, report = load_sample_catalogue(root / "data" / "catalogue")
    procedures = synthetic_catalogue(list(report.procedures), CATALOGUE_SIZE)
    log(f"catalogue: {len(procedures)} procedures")

    started = time.perf_counter()
    data = build_index(procedures)
    build_ms = (time.perf_counter() - started) * 1000
    serialized = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    started = time.perf_counter()
    index = SearchIndex.from_dict(json.loads(serialized))
    load_ms = (time.perf_counter() - started) * 1000

    index.search("khai sihn")  # builds the typo tables once, as the first real query would
    latencies = []
    for _ in range(ROUNDS):
        for query in QUERIES:
            started = time.perf_counter()
            index.search(query)
            latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    log(f"{len(latencies)} searches over {len(QUERIES)} distinct queries")

    emit("latency_median", round(statistics.median(latencies), 3), "ms")
    emit("latency_p95", round(p95, 3), "ms")
    emit("index_build", round(build_ms, 1), "ms")
    emit("index_load", round(load_ms, 1), "ms")
    emit("index_size", len(serialized), "bytes")
    emit("catalogue_size", len(procedures), "procedures")


if __name__ == "__main__":
    main()
