"""Import agencies and procedures from JSON in the national shapes.

    python -m ops.import_catalogue --procedures FILE [--procedures FILE ...]
                                   [--overrides FILE] [--agencies FILE] [--rules FILE]

Each --procedures file is either in the national database's shape (records with MATTHC,
TENTTHC...) or the national list of online services (national-online-services.json: code,
name, audiences, vertical, popularity); the shape is recognised per file. The list and the
detailed records are merged (a detailed record keeps its details and gains the usage weight;
see chalicelib.catalogue.importer.merge_catalogue) and --rules (channel-rules.json: what the
Zalo channel may take) is applied to every procedure.

Runs against whatever AWS the environment points at (a real account, or a moto server via
AWS_ENDPOINT_URL). Idempotent: a record whose content did not change is not written, and an
unchanged catalogue keeps its search index. A malformed record is reported by its code and
skipped ("skipped CODE: reason"); a setting that contradicts a channel rule is corrected by the
rule and reported ("corrected CODE: reason"). Exit status: 0 when everything loaded as given, 1
when some records were skipped or corrected, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _read(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def run(
    procedure_files: list[str],
    overrides_file: str | None,
    agencies_file: str | None,
    rules_file: str | None = None,
):
    """Import the files; returns ImportCounts (with ``errors``)."""
    from chalicelib.catalogue.importer import (
        ImportReport,
        is_national_services_document,
        merge_catalogue,
        parse_agencies,
        parse_national_services,
        parse_procedures,
    )
    from chalicelib.catalogue.store import get_store
    from chalicelib.domain.channel_rules import ChannelRules

    records: list[Any] = []
    national: ImportReport | None = None
    for name in procedure_files:
        data = _read(name)
        if is_national_services_document(data):
            part = parse_national_services(data)
            national = (
                part
                if national is None
                else ImportReport(
                    procedures=national.procedures + part.procedures,
                    errors=national.errors + part.errors,
                )
            )
        else:
            records.extend(data.get("procedures", []) if isinstance(data, dict) else data)
    overrides = _read(overrides_file).get("procedures", {}) if overrides_file else {}
    rules = ChannelRules.from_document(_read(rules_file)) if rules_file else None
    report = merge_catalogue(parse_procedures(records, overrides), national, rules)
    agencies: list[Any] = []
    errors = list(report.errors)
    if agencies_file:
        agency_report = parse_agencies(_read(agencies_file))
        agencies = list(agency_report.agencies)
        errors += list(agency_report.errors)
    counts = get_store().import_catalogue(agencies, report.procedures)
    counts.errors = errors
    counts.corrected = list(report.corrected)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", action="append", default=[], required=True)
    parser.add_argument("--overrides")
    parser.add_argument("--agencies")
    parser.add_argument("--rules")
    args = parser.parse_args(argv)
    counts = run(args.procedures, args.overrides, args.agencies, args.rules)
    for code, reason in counts.errors:
        print(f"skipped {code}: {reason}", file=sys.stderr)
    for code, reason in counts.corrected:
        print(f"corrected {code}: {reason}", file=sys.stderr)
    print(
        f"written {counts.written}, unchanged {counts.unchanged}, "
        f"skipped {len(counts.errors)}, corrected {len(counts.corrected)}, "
        f"index {counts.index_version}"
    )
    return 1 if counts.errors or counts.corrected else 0


if __name__ == "__main__":
    sys.exit(main())
