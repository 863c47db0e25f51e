"""``make bench``: run every script under bench/ and print one table of figures.

Each script prints one JSON object per line on stdout, e.g.
``{"bench": "search", "metric": "latency_median", "value": 0.42, "unit": "ms"}``, and anything
else (progress, notes) on stderr, which is passed through. Scripts run one after another, each
in a fresh interpreter with the repository as working directory.

Exit status: 0 when every script succeeded, 1 when any failed (exit status non-zero, timed out,
or printed a stdout line that is not a figure); the figures of the others are still printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TIMEOUT_SECONDS = int(os.environ.get("BENCH_TIMEOUT", "300"))
KEYS = ("bench", "metric", "value", "unit")


def scripts() -> list[Path]:
    """Every bench script: bench/*.py except this one and files starting with ``_``."""
    return sorted(
        p
        for p in BENCH.glob("*.py")
        if p.name != Path(__file__).name and not p.name.startswith("_")
    )


def run_one(script: Path) -> tuple[list[dict[str, Any]], str | None]:
    """The figures ``script`` printed, and what went wrong (None when nothing did)."""
    started = time.perf_counter()
    print(f"== {script.name}", file=sys.stderr, flush=True)
    try:
        done = subprocess.run(
            [sys.executable, str(script)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=None,  # chatter goes straight to the terminal
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return [], f"timed out after {TIMEOUT_SECONDS} s"
    figures: list[dict[str, Any]] = []
    problem = None
    for line in done.stdout.splitlines():
        if not line.strip():
            continue
        try:
            figure = json.loads(line)
        except ValueError:
            figure = None
        if not isinstance(figure, dict) or not all(k in figure for k in KEYS):
            problem = f"stdout line is not a figure: {line[:120]!r}"
            continue
        figures.append(figure)
    if done.returncode != 0:
        problem = f"exit status {done.returncode}"
    elapsed = time.perf_counter() - started
    print(f"   {script.name}: {len(figures)} figures in {elapsed:.1f} s", file=sys.stderr)
    return figures, problem


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)


def table(figures: list[dict[str, Any]]) -> str:
    """The figures as one aligned text table (bench, metric, value, unit)."""
    rows = [("bench", "metric", "value", "unit")]
    rows += [
        (str(f["bench"]), str(f["metric"]), _format(f["value"]), str(f["unit"])) for f in figures
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [row[2].rjust(widths[2]), row[3].ljust(widths[3])]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    """Run every script, print the table, return the exit status."""
    figures: list[dict[str, Any]] = []
    failures: list[str] = []
    for script in scripts():
        found, problem = run_one(script)
        figures += found
        if problem:
            failures.append(f"{script.name}: {problem}")
    print(table(figures))
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
