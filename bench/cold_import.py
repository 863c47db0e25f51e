"""Cold-start import cost of ``app.py`` against the floor every function pays anyway.

Median wall time, over interleaved runs in fresh processes (same interpreter, cwd = the
repository), of ``python -c "import app"`` and of ``python -c "import boto3, chalice.app,
pydantic"``, and their ratio (target <= 1.3: app.py must add little beyond its libraries).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "9"))
APP = "import app"
BASELINE = "import boto3, chalice.app, pydantic"


def once(code: str) -> float:
    """Wall seconds of a fresh interpreter running ``code``."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - started


def figure(metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": "cold_import", "metric": metric, "value": value, "unit": unit}))


def main() -> int:
    once(APP), once(BASELINE)  # warm the page cache and the bytecode caches of both
    app_times: list[float] = []
    base_times: list[float] = []
    for n in range(RUNS):
        order = [(APP, app_times), (BASELINE, base_times)]
        for code, times in order if n % 2 == 0 else reversed(order):
            times.append(once(code))
    app_ms = statistics.median(app_times) * 1000
    base_ms = statistics.median(base_times) * 1000
    print(f"cold_import: {RUNS} runs each, interleaved", file=sys.stderr)
    figure("import_app_median", round(app_ms, 1), "ms")
    figure("import_boto3_chalice_pydantic_median", round(base_ms, 1), "ms")
    figure("ratio_app_vs_libraries", round(app_ms / base_ms, 3), "x (target <= 1.3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
