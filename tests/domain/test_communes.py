"""Finding today's commune from what a citizen types: a current name, an old commune name, an
old district. One table a reader can check against ca-mau-communes.json (formed_from) and
old-districts.json. Several fits give every candidate, never a guess."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.communes import Places
from tests.conftest import ROOT

PLACES_DIR = ROOT / "chalicelib" / "domain" / "places"
PLACES = Places.from_documents(
    json.loads((PLACES_DIR / "ca-mau-communes.json").read_text(encoding="utf-8")),
    json.loads((PLACES_DIR / "old-districts.json").read_text(encoding="utf-8")),
)

CASES = [
    # (what the citizen types, the communes it fits, in order)
    ("xã Vĩnh Trạch Đông cũ", ["Phường Hiệp Thành"]),
    ("vinh trach dong", ["Phường Hiệp Thành"]),  # no accents
    ("VINH TRACH DONG CU", ["Phường Hiệp Thành"]),  # any case
    ("vinh trach dongg", ["Phường Hiệp Thành"]),  # a typo
    ("vĩnh  trạch   đông", ["Phường Hiệp Thành"]),  # stray spaces
    ("Phường Bạc Liêu", ["Phường Bạc Liêu"]),  # today's name
    ("phuong bac lieu", ["Phường Bạc Liêu"]),
    ("Tân Thành", ["Phường Tân Thành"]),  # today's ward; old xã and phường both went there
    ("xã Tân Thành cũ", ["Phường Tân Thành"]),
    ("xã Tân Thạnh cũ", ["Xã Phong Thạnh"]),  # the Giá Rai one, told apart by its accents
    ("xa tan thanh", ["Phường Tân Thành", "Xã Phong Thạnh"]),  # without accents: both
    ("xa khanh thuan", ["Xã Nguyễn Phích", "Xã U Minh"]),  # split in two
    ("xã Lợi An", ["Phường Lý Văn Lâm", "Xã Trần Văn Thời", "Xã Lương Thế Trân"]),
    ("Khánh Lâm", ["Xã Khánh Lâm"]),  # today's xã Khánh Lâm, not a guess
    ("xã Khánh Lâm cũ", ["Xã U Minh", "Xã Khánh Lâm"]),  # the old one was split
    ("thi tran nam can", ["Xã Năm Căn", "Xã Đất Mới"]),
    ("phuong 1", ["Phường Bạc Liêu", "Phường Giá Rai", "Phường An Xuyên"]),  # three towns
    ("phuong 1 bac lieu", ["Phường Bạc Liêu"]),
    ("Phường 1 (thành phố Cà Mau)", ["Phường An Xuyên"]),
    ("p1 tx gia rai", []),  # "p1" is not "phường 1": nothing rather than a guess
    ("phuong 1 thi xa gia rai", ["Phường Giá Rai"]),
    ("huyện U Minh", ["Xã Nguyễn Phích", "Xã U Minh", "Xã Khánh An", "Xã Khánh Lâm"]),
    ("huyen hong dan", ["Xã Hồng Dân", "Xã Ninh Quới", "Xã Vĩnh Lộc", "Xã Ninh Thạnh Lợi"]),
    ("thanh pho bac lieu", ["Phường Bạc Liêu", "Phường Vĩnh Trạch", "Phường Hiệp Thành"]),
    ("U Minh", ["Xã U Minh"]),  # today's xã, not the old district
    ("ha noi", []),
    ("", []),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_find(query, expected):
    lookup = PLACES.find(query)
    assert [c.name for c in lookup.communes] == expected
    assert (lookup.found is not None) == (len(expected) == 1)
    assert lookup.ambiguous == (len(expected) > 1)


def test_a_match_says_which_old_unit_and_district_and_whether_it_was_split():
    (match,) = PLACES.find("xa vinh trach dong cu").matches
    assert match.old_unit == "Xã Vĩnh Trạch Đông"
    assert match.old_district == "Thành phố Bạc Liêu"
    assert not match.partial and not match.approximate
    split = PLACES.find("xa khanh thuan").matches
    assert all(m.partial and m.old_district == "Huyện U Minh" for m in split)
    assert PLACES.find("vinh trach dongg").matches[0].approximate


def test_every_old_unit_lies_in_exactly_one_old_district():
    for commune in PLACES.communes:
        for unit in commune.formed_from:
            found = PLACES.find(f"{unit} cũ")
            assert commune in found.communes, (unit, commune.name)
            assert all(m.old_district for m in found.matches if m.old_unit == unit), unit


def test_the_data_has_64_communes_and_16_old_districts():
    assert len(PLACES.communes) == 64
    assert {c.kind for c in PLACES.communes} == {"xa", "phuong"}
    assert len(PLACES.districts) == 16
