"""The catalogue of today's Cà Mau shipped in data/catalogue/ and used by the local runner and
tests: the national list of online services merged with the detailed (partly sample) records,
the province overrides and the channel rules. Reads files only; storing them is the storage
layer's job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.catalogue.importer import (
    CatalogueReport,
    ImportReport,
    merge_catalogue,
    parse_agencies,
    parse_national_services,
    parse_procedures,
)
from chalicelib.domain.agency import Agency
from chalicelib.domain.channel_rules import ChannelRules

AGENCIES_FILE = "agencies.json"
PROCEDURE_FILES = ("tthc-sample.json", "procedures-camau.json")
OVERRIDES_FILE = "province-overrides.json"
NATIONAL_FILE = "national-online-services.json"
RULES_FILE = "channel-rules.json"


class SampleDataError(ValueError):
    """The sample agency list is inconsistent (bad or duplicate codes, unknown parents)."""


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def load_rules(data_dir: str | Path) -> ChannelRules:
    """The channel rules (what Zalo may take) from ``data_dir``."""
    return ChannelRules.from_document(_read(Path(data_dir) / RULES_FILE))


def _agencies(directory: Path) -> list[Agency]:
    agency_report = parse_agencies(_read(directory / AGENCIES_FILE))
    if agency_report.errors:
        raise SampleDataError(f"invalid agencies: {list(agency_report.errors)[:5]}")
    return list(agency_report.agencies)


def _detailed(directory: Path) -> ImportReport:
    records: list[Any] = []
    for name in PROCEDURE_FILES:
        records.extend(_read(directory / name).get("procedures") or [])
    overrides = _read(directory / OVERRIDES_FILE).get("procedures") or {}
    return parse_procedures(records, overrides)


def load_sample_catalogue(data_dir: str | Path) -> tuple[list[Agency], CatalogueReport]:
    """(agencies, report) of the detailed records only (the 50 procedures with details).

    Procedures from every file in PROCEDURE_FILES are parsed together with the province
    overrides, so a duplicate code across files or an override for a missing procedure shows
    up in ``report.errors``; the channel rules (RULES_FILE) are applied. Raises
    FileNotFoundError for a missing file, json.JSONDecodeError for invalid JSON and
    SampleDataError when an agency record is invalid. Pure apart from reading.
    """
    directory = Path(data_dir)
    return _agencies(directory), merge_catalogue(_detailed(directory), None, load_rules(directory))


def load_catalogue(data_dir: str | Path) -> tuple[list[Agency], CatalogueReport]:
    """(agencies, report) of the whole catalogue: the national list of online services
    (NATIONAL_FILE, 2,395 procedures) merged with the detailed records and checked against
    the channel rules (see :func:`chalicelib.catalogue.importer.merge_catalogue`). Raises as
    :func:`load_sample_catalogue`. Pure apart from reading."""
    directory = Path(data_dir)
    national = parse_national_services(_read(directory / NATIONAL_FILE))
    report = merge_catalogue(_detailed(directory), national, load_rules(directory))
    return _agencies(directory), report
