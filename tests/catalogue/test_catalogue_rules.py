"""The whole catalogue `make run` starts with (data/catalogue/: the national list of online
services merged with the detailed Cà Mau records) against the rules of what Zalo may take.

The expectations here are read from the sources themselves (the national list's vertical flag,
the records' agencies, the procedures' names), not from the rule engine, so wrong rule data
fails them."""

from __future__ import annotations

import json

import pytest

from chalicelib.catalogue.sample import NATIONAL_FILE, load_catalogue, load_sample_catalogue
from chalicelib.domain.vietnamese import fold
from tests.conftest import REFERENCE, ROOT

DATA = ROOT / "data" / "catalogue"
POLICE_CODES = ("1.004194", "1.004222", "1.003677", "1.010041", "1.010038", "1.004206",
                "1.014064", "1.014062", "3.000347", "2.001885")  # fmt: skip


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(DATA)


@pytest.fixture(scope="module")
def national():
    return json.loads((DATA / NATIONAL_FILE).read_text(encoding="utf-8"))["procedures"]


def test_the_catalogue_is_the_2395_national_services_plus_the_detailed_records(catalogue):
    _, report = catalogue
    _, sample = load_sample_catalogue(DATA)
    assert report.errors == ()  # no record is malformed
    assert report.corrected == ()  # no override contradicts a channel rule
    codes = {p.code for p in report.procedures}
    assert len(codes) == len(report.procedures)
    national_codes = {
        p["code"] for p in json.loads((DATA / NATIONAL_FILE).read_text())["procedures"]
    }
    assert len(national_codes) == 2395
    assert codes == national_codes | {p.code for p in sample.procedures}


def test_a_detailed_record_keeps_its_details_and_gains_the_usage_weight(catalogue, national):
    _, report = catalogue
    by_code = {p.code: p for p in report.procedures}
    weight = {p["code"]: p["popularity"] for p in national}
    birth = by_code["1.001193"]
    assert birth.components and birth.time_limits and not birth.catalog_only
    assert birth.popularity == weight["1.001193"] > 0
    residence = by_code["1.004194"]
    assert residence.vertical and residence.popularity == weight["1.004194"]


def test_a_procedure_without_details_has_name_code_and_its_national_portal_page(catalogue):
    _, report = catalogue
    bare = next(p for p in report.procedures if p.code == "1.010028")  # Xóa đăng ký tạm trú
    assert bare.catalog_only and not bare.components
    assert (
        bare.portal_url.startswith("https://dichvucong.gov.vn/") and "1.010028" in bare.portal_url
    )


def test_no_vertical_or_national_system_procedure_is_submitted_through_zalo(catalogue, national):
    _, report = catalogue
    by_code = {p.code: p for p in report.procedures}
    vertical = {p["code"] for p in national if p["vertical"]}
    assert len(vertical) > 200
    for code in vertical:
        assert not by_code[code].submit_via_zalo, code
        assert by_code[code].national_system_url, code
    for procedure in report.procedures:
        agencies = " ".join(fold(a) for a in procedure.agency_names)
        if "cong an" in agencies or procedure.code in POLICE_CODES:
            assert not procedure.submit_via_zalo, procedure.code
            assert procedure.national_system == "police", procedure.code
    for code in ("2.001610", "2.002032"):  # enterprise registration: national business portal
        assert by_code[code].national_system == "business_registration"
        assert not by_code[code].submit_via_zalo


def test_no_postal_service_for_procedures_that_need_the_applicant_in_person(catalogue):
    _, report = catalogue
    in_person = [
        p
        for p in report.procedures
        if "dang ky ket hon" in fold(p.name) or "nhan cha me con" in fold(p.name)
    ]
    assert {"1.000894", "1.000893", "1.001022"} <= {p.code for p in in_person}
    for procedure in in_person:
        assert not procedure.postal_pickup_allowed, procedure.code
        assert not procedure.postal_delivery_allowed, procedure.code
        assert procedure.in_person, procedure.code


def test_the_zalo_channel_still_takes_ordinary_commune_procedures(catalogue):
    _, report = catalogue
    by_code = {p.code: p for p in report.procedures}
    assert by_code["1.001193"].submit_via_zalo  # đăng ký khai sinh
    assert by_code["1.000894"].submit_via_zalo  # kết hôn: filed online, signed in person


def test_the_national_file_is_the_reference_copy():
    reference = REFERENCE / "data" / NATIONAL_FILE
    if not reference.exists():
        pytest.skip("shared reference data not mounted")
    assert (DATA / NATIONAL_FILE).read_bytes() == reference.read_bytes()
