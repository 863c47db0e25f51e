"""What the Zalo channel may take: the rules of data/catalogue/channel-rules.json on single
procedures (the whole catalogue is checked in tests/catalogue/test_catalogue_rules.py)."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.channel_rules import ChannelRules
from chalicelib.domain.procedure import Procedure
from tests.conftest import ROOT

RULES = ChannelRules.from_document(
    json.loads((ROOT / "data" / "catalogue" / "channel-rules.json").read_text(encoding="utf-8"))
)


def _procedure(**fields) -> Procedure:
    return Procedure(**{"code": "1.000001", "name": "Thủ tục mẫu", **fields})


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"agency_names": ("Công an cấp Xã",)}, "police"),
        ({"field_name": "Đăng ký, quản lý cư trú"}, "police"),
        ({"field_name": "dang ky, quan ly cu tru"}, "police"),  # no accents, any case
        ({"name": "Cấp lại thẻ căn cước"}, "police"),
        ({"name": "Xóa đăng ký tạm trú", "vertical": True}, "police"),
        ({"name": "Đăng ký thuế lần đầu", "vertical": True}, "tax"),
        ({"name": "Giải quyết hưởng chế độ thai sản", "vertical": True}, "social_insurance"),
        ({"field_name": "Thành lập và hoạt động doanh nghiệp"}, "business_registration"),
        ({"name": "Thủ tục huỷ tờ khai hải quan", "vertical": True}, "vertical"),
        ({"name": "Thủ tục đăng ký khai sinh"}, None),
        # a commune procedure that mentions residence is not a police one unless flagged
        ({"name": "Liên thông đăng ký khai sinh, đăng ký thường trú"}, None),
        ({"field_name": "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)"}, None),
    ],
)
def test_national_system_rule_by_agency_field_name_or_vertical_flag(fields, rule):
    found = RULES.national_system(_procedure(**fields))
    assert (found.id if found else None) == rule


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("Thủ tục đăng ký kết hôn", "marriage"),
        ("Thủ tục đăng ký kết hôn có yếu tố nước ngoài", "marriage"),
        ("Thủ tục đăng ký nhận cha, mẹ, con", "parentage"),
        ("Thủ tục đăng ký khai sinh", None),
        ("Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", None),
    ],
)
def test_in_person_rule_by_name(name, rule):
    found = RULES.in_person_rule(_procedure(name=name))
    assert (found.id if found else None) == rule


def test_apply_turns_zalo_off_for_police_names_the_link_and_reports_the_contradiction():
    procedure, problems = RULES.apply(
        _procedure(name="Đăng ký tạm trú", agency_names=("Công an cấp Xã",), submit_via_zalo=True)
    )
    assert procedure.submit_via_zalo is False
    assert procedure.national_system == "police"
    assert procedure.national_system_url == "https://vneid.gov.vn"
    assert len(problems) == 1 and "police" in problems[0] and "Luật Cư trú" in problems[0]
    assert RULES.apply(procedure) == (procedure, [])  # idempotent, nothing left to report


def test_apply_removes_postal_service_where_the_applicant_must_be_present():
    procedure, problems = RULES.apply(
        _procedure(
            name="Thủ tục đăng ký kết hôn",
            submit_via_zalo=True,
            postal_pickup_allowed=True,
            postal_delivery_allowed=True,
        )
    )
    assert (procedure.postal_pickup_allowed, procedure.postal_delivery_allowed) == (False, False)
    assert procedure.in_person and procedure.submit_via_zalo  # the dossier may still go online
    assert len(problems) == 1 and "Luật Hộ tịch" in problems[0]


def test_complies_is_false_exactly_when_a_setting_breaks_a_rule():
    assert RULES.complies(_procedure(name="Đăng ký tạm trú", vertical=True)) is True
    assert not RULES.complies(
        _procedure(name="Đăng ký tạm trú", vertical=True, submit_via_zalo=True)
    )
    assert not RULES.complies(_procedure(name="Đăng ký kết hôn", postal_delivery_allowed=True))
    assert RULES.complies(_procedure(name="Đăng ký khai sinh", submit_via_zalo=True))


def test_every_rule_names_its_source_and_every_national_system_rule_a_https_link():
    assert RULES.not_via_zalo and RULES.in_person
    for rule in (*RULES.not_via_zalo, *RULES.in_person):
        assert rule.source.strip() and rule.why.strip(), rule.id
    for rule in RULES.not_via_zalo:
        assert rule.link.startswith("https://"), rule.id
