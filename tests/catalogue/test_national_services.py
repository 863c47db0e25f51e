"""The national list of online public services (shared/reference/data)."""

from __future__ import annotations

import json

from chalicelib.catalogue.importer import parse_national_services
from tests.conftest import ROOT

NATIONAL = ROOT.parent / "shared" / "reference" / "data" / "national-online-services.json"


def test_every_national_service_loads_as_a_catalogue_only_procedure():
    document = json.loads(NATIONAL.read_text(encoding="utf-8"))
    report = parse_national_services(document)
    assert report.errors == ()
    assert len(report.procedures) == len(document["procedures"]) == 2395
    temporary_residence = next(p for p in report.procedures if p.code == "1.004194")
    assert temporary_residence.name == "Đăng ký tạm trú"
    assert temporary_residence.vertical is True
    assert temporary_residence.popularity > 0
    assert all(p.catalog_only for p in report.procedures)


def test_bad_records_are_reported_and_the_rest_load():
    report = parse_national_services(
        {
            "procedures": [
                {"code": "1.000001", "name": "Một", "popularity": 5},
                {"code": "1.000001", "name": "Trùng mã"},
                {"code": "not-a-code", "name": "Sai mã"},
                {"code": "1.000002", "name": "   "},
                "not an object",
                {"code": "1.000003", "name": "Ba", "popularity": "many"},
            ]
        }
    )
    assert [p.code for p in report.procedures] == ["1.000001"]
    assert {code for code, _ in report.errors} == {
        "1.000001",
        "not-a-code",
        "1.000002",
        "?",
        "1.000003",
    }
