"""The sample catalogue shipped in data/catalogue/ for today's Cà Mau."""

import json
from collections import Counter
from pathlib import Path

import pytest

from chalicelib.catalogue.sample import (
    AGENCIES_FILE,
    OVERRIDES_FILE,
    PROCEDURE_FILES,
    load_sample_catalogue,
)
from chalicelib.domain.agency import AgencyLevel
from chalicelib.domain.procedure import OnlineLevel

DATA = Path(__file__).resolve().parents[2] / "data" / "catalogue"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "data"


@pytest.fixture(scope="module")
def catalogue():
    return load_sample_catalogue(DATA)


def test_sample_loads_without_errors_and_has_at_least_40_procedures(catalogue):
    _, report = catalogue
    assert report.errors == ()
    assert report.corrected == ()  # the overrides agree with the channel rules
    assert len(report.procedures) >= 40


def test_every_commune_and_ward_has_a_peoples_committee(catalogue):
    agencies, _ = catalogue
    units = json.loads((DATA / "ca-mau-communes.json").read_text(encoding="utf-8"))["units"]
    communes = [a for a in agencies if a.level is AgencyLevel.COMMUNE]
    assert len(communes) == 64
    assert {a.administrative_unit_code for a in communes} == {u["code"] for u in units}
    assert Counter(a.name.split()[4] for a in communes) == {"xã": 55, "phường": 9}


def test_province_has_the_service_centre_and_at_least_ten_departments(catalogue):
    agencies, _ = catalogue
    names = [a.name for a in agencies if a.level is AgencyLevel.PROVINCE]
    assert "Trung tâm Phục vụ hành chính công tỉnh Cà Mau" in names
    assert sum(name.startswith("Sở ") for name in names) >= 10
    assert "Công an tỉnh Cà Mau" in names
    assert not [a for a in agencies if a.level is AgencyLevel.DISTRICT]


def test_override_agency_codes_exist(catalogue):
    agencies, report = catalogue
    codes = {a.code for a in agencies}
    for procedure in report.procedures:
        assert set(procedure.agency_codes) <= codes, procedure.code


def test_some_procedures_are_not_submittable_through_zalo_and_link_to_the_portal(catalogue):
    _, report = catalogue
    off_zalo = [p for p in report.procedures if not p.submit_via_zalo]
    assert len(off_zalo) >= 5
    assert all(p.portal_url and p.portal_url.startswith("https://") for p in off_zalo)
    assert any(p.submit_via_zalo for p in report.procedures)


def test_sample_covers_levels_online_levels_and_catalog_only_records(catalogue):
    _, report = catalogue
    levels = {level for p in report.procedures for level in p.levels}
    assert {AgencyLevel.PROVINCE, AgencyLevel.COMMUNE} <= levels
    online = Counter(p.online_level for p in report.procedures if not p.catalog_only)
    assert online[OnlineLevel.FULL] >= 5 and online[OnlineLevel.PARTIAL] >= 5
    assert sum(p.catalog_only for p in report.procedures) >= 3
    assert len({p.field_name for p in report.procedures}) >= 12


@pytest.mark.parametrize("name", [AGENCIES_FILE, OVERRIDES_FILE, *PROCEDURE_FILES])
def test_sample_files_say_they_are_sample_data(name):
    document = json.loads((DATA / name).read_text(encoding="utf-8"))
    assert document.get("_note") or document.get("note")


@pytest.mark.parametrize("name", ["tthc-sample.json", "ca-mau-communes.json"])
def test_copied_reference_files_are_unchanged(name):
    if not (REFERENCE / name).exists():
        pytest.skip("shared reference data not mounted")
    assert (DATA / name).read_bytes() == (REFERENCE / name).read_bytes()
