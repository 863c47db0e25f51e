"""Import agencies and procedures from JSON in the national database's shape.

    python -m ops.import_catalogue --procedures FILE [--procedures FILE ...]
                                   [--overrides FILE] [--agencies FILE]

Runs against whatever AWS the environment points at (a real account, or a moto server via
AWS_ENDPOINT_URL). Idempotent: a record whose content did not change is not written, and an
unchanged catalogue keeps its search index. A malformed record is reported by its code and
skipped; the others load. Exit status: 0 when everything loaded, 1 when some records were
skipped, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _read(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def run(procedure_files: list[str], overrides_file: str | None, agencies_file: str | None):
    """Import the files; returns (ImportCounts, errors)."""
    from chalicelib.catalogue.importer import parse_agencies, parse_procedures
    from chalicelib.catalogue.store import get_store

    records: list[Any] = []
    for name in procedure_files:
        data = _read(name)
        records.extend(data.get("procedures", []) if isinstance(data, dict) else data)
    overrides = _read(overrides_file).get("procedures", {}) if overrides_file else {}
    report = parse_procedures(records, overrides)
    agencies: list[Any] = []
    errors = list(report.errors)
    if agencies_file:
        agency_report = parse_agencies(_read(agencies_file))
        agencies = list(agency_report.agencies)
        errors += list(agency_report.errors)
    counts = get_store().import_catalogue(agencies, report.procedures)
    counts.errors = errors
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", action="append", default=[], required=True)
    parser.add_argument("--overrides")
    parser.add_argument("--agencies")
    args = parser.parse_args(argv)
    counts = run(args.procedures, args.overrides, args.agencies)
    for code, reason in counts.errors:
        print(f"skipped {code}: {reason}", file=sys.stderr)
    print(
        f"written {counts.written}, unchanged {counts.unchanged}, "
        f"skipped {len(counts.errors)}, index {counts.index_version}"
    )
    return 1 if counts.errors else 0


if __name__ == "__main__":
    sys.exit(main())
