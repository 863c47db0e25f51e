"""Receiving units for the chat: find the centre by commune name, old commune name or old
district, or get the candidates."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.agency import AgencyLevel
from chalicelib.services.places import PLACES_DIR, get_receiving_units, load_receiving_units
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def units():
    return load_receiving_units()


def test_the_provincial_centre_and_64_commune_centres(units):
    assert len(units.all()) == 65
    centre = units.provincial_centre()
    assert centre.level is AgencyLevel.PROVINCE
    assert centre.name == "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"
    communes = [u for u in units.all() if u.level is AgencyLevel.COMMUNE]
    assert len(communes) == 64
    assert all(u.name.startswith("Trung tâm Phục vụ hành chính công ") for u in communes)
    assert all(u.address and u.working_hours for u in units.all())


def test_sample_values_are_marked_and_an_unknown_phone_is_empty(units):
    for unit in units.all():
        assert unit.is_sample("address") and unit.is_sample("working_hours")
        assert unit.phone == "" or unit.is_sample("phone"), unit.name


def test_find_by_todays_commune_name(units):
    answer = units.find("phuong bac lieu")
    assert answer.unit.name == "Trung tâm Phục vụ hành chính công phường Bạc Liêu"
    assert answer.unit.commune_code == "31825"
    assert not answer.ambiguous


def test_find_by_old_commune_name(units):
    answer = units.find("xã Vĩnh Trạch Đông cũ")
    assert answer.unit.name == "Trung tâm Phục vụ hành chính công phường Hiệp Thành"
    assert answer.candidates[0].match.old_unit == "Xã Vĩnh Trạch Đông"


def test_a_split_old_commune_lists_the_candidates(units):
    answer = units.find("xa khanh thuan")
    assert answer.unit is None and answer.ambiguous
    assert [c.unit.name for c in answer.candidates] == [
        "Trung tâm Phục vụ hành chính công xã Nguyễn Phích",
        "Trung tâm Phục vụ hành chính công xã U Minh",
    ]
    assert all(c.match.partial for c in answer.candidates)


def test_an_unknown_name_gives_no_unit_and_no_candidates(units):
    answer = units.find("quan 1 ho chi minh")
    assert answer.unit is None and answer.candidates == [] and not answer.ambiguous


def test_the_packaged_communes_are_the_catalogue_copy():
    packaged = (PLACES_DIR / "ca-mau-communes.json").read_bytes()
    assert packaged == (ROOT / "data" / "catalogue" / "ca-mau-communes.json").read_bytes()


def test_a_commune_without_a_receiving_unit_is_refused(tmp_path):
    for name in ("ca-mau-communes.json", "old-districts.json"):
        (tmp_path / name).write_bytes((PLACES_DIR / name).read_bytes())
    units = json.loads((PLACES_DIR / "receiving-units.json").read_text(encoding="utf-8"))
    units["units"] = units["units"][:-1]
    (tmp_path / "receiving-units.json").write_text(json.dumps(units), encoding="utf-8")
    with pytest.raises(ValueError, match="differ"):
        load_receiving_units(tmp_path)


def test_the_cached_instance_is_loaded_once():
    assert get_receiving_units() is get_receiving_units()
