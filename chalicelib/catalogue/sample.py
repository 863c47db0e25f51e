"""The sample catalogue for today's Cà Mau, shipped in data/catalogue/ and used by the local
runner and tests. Reads files only; storing them is the storage layer's job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.catalogue.importer import ImportReport, parse_agencies, parse_procedures
from chalicelib.domain.agency import Agency

AGENCIES_FILE = "agencies.json"
PROCEDURE_FILES = ("tthc-sample.json", "procedures-camau.json")
OVERRIDES_FILE = "province-overrides.json"


class SampleDataError(ValueError):
    """The sample agency list is inconsistent (bad or duplicate codes, unknown parents)."""


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def load_sample_catalogue(data_dir: str | Path) -> tuple[list[Agency], ImportReport]:
    """(agencies, procedure import report) from the files in ``data_dir``.

    Procedures from every file in PROCEDURE_FILES are parsed together with the province
    overrides, so a duplicate code across files or an override for a missing procedure shows up
    in ``report.errors``. Raises FileNotFoundError for a missing file, json.JSONDecodeError for
    invalid JSON and SampleDataError when an agency record is invalid. Pure apart from reading.
    """
    directory = Path(data_dir)
    agency_report = parse_agencies(_read(directory / AGENCIES_FILE))
    if agency_report.errors:
        raise SampleDataError(f"invalid agencies: {list(agency_report.errors)[:5]}")
    records: list[Any] = []
    for name in PROCEDURE_FILES:
        records.extend(_read(directory / name).get("procedures") or [])
    overrides = _read(directory / OVERRIDES_FILE).get("procedures") or {}
    return list(agency_report.agencies), parse_procedures(records, overrides)
