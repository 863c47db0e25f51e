"""Procedure and agency models: validation and the helpers a details card needs."""

import pytest
from pydantic import ValidationError

from chalicelib.domain.agency import Agency, AgencyLevel, normalize_agency_code
from chalicelib.domain.dossier import Channel
from chalicelib.domain.procedure import (
    Component,
    Fee,
    OnlineLevel,
    Procedure,
    TimeLimit,
    TimeUnit,
)


def procedure(**kwargs):
    fields = {"code": "1.000656", "name": "Thủ tục đăng ký khai tử"}
    fields.update(kwargs)
    return Procedure(**fields)


def test_name_whitespace_and_line_breaks_are_collapsed():
    assert procedure(name=" Cấp Giấy chứng nhận\nquyền sử dụng  đất ").name == (
        "Cấp Giấy chứng nhận quyền sử dụng đất"
    )


@pytest.mark.parametrize("code", ["1001193", "1.00119", "x.001193", ""])
def test_bad_national_code_is_rejected(code):
    with pytest.raises(ValidationError):
        procedure(code=code)


def test_shortest_longest_and_typical_time_limits():
    limits = (
        TimeLimit(days=5, channel=Channel.IN_PERSON),
        TimeLimit(days=5, channel=Channel.ONLINE),
        TimeLimit(days=1, unit=TimeUnit.DAY, channel=Channel.IN_PERSON),
        TimeLimit(days=2, channel=Channel.ONLINE),
        TimeLimit(days=4, unit=TimeUnit.HOUR),
    )
    p = procedure(time_limits=limits)
    assert p.shortest_time_limit().days == 1
    assert p.longest_time_limit().days == 5
    assert p.typical_time_limit().days == 5
    assert p.time_limit_for(Channel.ONLINE).days == 5  # 5 and 2 tie: the longer is promised


def test_time_limit_helpers_ignore_limits_not_in_days():
    p = procedure(time_limits=(TimeLimit(days=4, unit=TimeUnit.HOUR),))
    assert p.shortest_time_limit() is None and p.typical_time_limit() is None


def test_typical_time_limit_breaks_ties_with_the_longer_limit():
    p = procedure(time_limits=(TimeLimit(days=3), TimeLimit(days=10)))
    assert p.typical_time_limit().days == 10


def test_zero_is_a_same_day_limit_and_is_never_rounded_up():
    assert TimeLimit(days=0).whole_working_days == 0
    assert TimeLimit(days=3).whole_working_days == 3


def test_half_day_limit_rounds_up_to_one_working_day():
    assert TimeLimit(days=0.5).whole_working_days == 1
    assert TimeLimit(days=0).whole_working_days == 0


def test_zero_fee_is_not_an_amount_known():
    fee = Fee(amount=0, description="Mức thu do Hội đồng nhân dân tỉnh quyết định")
    assert not fee.amount_known and "Hội đồng nhân dân" in fee.description
    p = procedure(fees=(fee, Fee(amount=8000), Fee(amount=20000)))
    assert p.fee_amounts() == (8000, 20000)
    assert procedure(fees=(fee,)).fee_amounts() is None


def test_component_counts_and_groups():
    p = procedure(
        components=(
            Component(name="Tờ khai", group="Giấy tờ phải nộp", originals=1),
            Component(name="Bản sao CCCD", group="Giấy tờ phải nộp", copies=2),
            Component(name="Hộ chiếu", group="Giấy tờ phải xuất trình", originals=1),
            Component(name="Ảnh", originals=2),
        )
    )
    assert (p.component_count, p.originals_count, p.copies_count) == (4, 4, 2)
    groups = p.component_groups()
    assert list(groups) == ["Giấy tờ phải nộp", "Giấy tờ phải xuất trình", None]
    assert [c.name for c in groups["Giấy tờ phải nộp"]] == ["Tờ khai", "Bản sao CCCD"]


def test_catalog_only_procedure_cannot_be_submitted_through_zalo():
    assert not procedure(submit_via_zalo=True, catalog_only=True).online_submission_possible
    assert procedure(submit_via_zalo=True).online_submission_possible
    assert not procedure(submit_via_zalo=False).online_submission_possible


def test_implementing_agencies_by_code_or_by_level():
    agencies = [
        Agency(code="000.00.02.H12", name="Sở Tư pháp", level=AgencyLevel.PROVINCE),
        Agency(code="000.00.30.H12", name="UBND phường Bạc Liêu", level=AgencyLevel.COMMUNE),
        Agency(code="000.00.31.H12", name="UBND xã Đá Bạc", level=AgencyLevel.COMMUNE),
    ]
    by_level = procedure(levels=(AgencyLevel.COMMUNE,))
    assert [a.code for a in by_level.implementing_agencies(agencies)] == [
        "000.00.30.H12",
        "000.00.31.H12",
    ]
    by_code = procedure(levels=(AgencyLevel.PROVINCE,), agency_codes=("000.00.02.H12",))
    assert [a.name for a in by_code.implementing_agencies(agencies)] == ["Sở Tư pháp"]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("toan trinh", OnlineLevel.FULL),
        ("Toàn trình", OnlineLevel.FULL),
        ("một phần", OnlineLevel.PARTIAL),
        ("4", OnlineLevel.FULL),
        ("3", OnlineLevel.PARTIAL),
        ("something else", None),
    ],
)
def test_online_level_from_vietnamese(text, level):
    assert OnlineLevel.from_vietnamese(text) is level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Cấp tỉnh", AgencyLevel.PROVINCE),
        ("Cấp huyện", AgencyLevel.DISTRICT),
        ("Cấp xã", AgencyLevel.COMMUNE),
        ("cap xa", AgencyLevel.COMMUNE),
        ("Cấp bộ", None),
    ],
)
def test_agency_level_from_vietnamese(text, level):
    assert AgencyLevel.from_vietnamese(text) is level


def test_agency_code_is_canonicalised_and_validated():
    assert normalize_agency_code(" 000.00.17.h12 ") == "000.00.17.H12"
    assert normalize_agency_code("000.00.17") is None
    assert Agency(code="000.00.17.h12", name="TTPVHCC", level="province").code == "000.00.17.H12"
    with pytest.raises(ValidationError):
        Agency(code="H12", name="x", level="province")
    with pytest.raises(ValidationError):
        Agency(code="000.00.17.H12", name="  ", level="province")


@pytest.mark.parametrize(
    ("name", "group", "optional"),
    [
        ("Tờ khai đăng ký khai sinh", None, False),
        ("Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản …", None, False),
        ("Giấy tờ chứng minh nơi cư trú (nếu có)", None, True),
        ("Trường hợp trẻ em bị bỏ rơi thì phải có biên bản …", None, True),
        ("Văn bản ủy quyền trong trường hợp ủy quyền thực hiện việc đăng ký", None, True),
        ("Tờ khai theo mẫu (nếu người có yêu cầu nộp trực tiếp)", None, True),
        ("Bản vẽ thiết kế", "Trường hợp nhà ở riêng lẻ", True),
        ("Hộ chiếu hoặc thẻ căn cước", "Giấy tờ phải xuất trình", True),
        ("Hộ chiếu hoặc thẻ căn cước", "Giấy tờ phải nộp", False),
    ],
)
def test_a_component_is_optional_only_when_the_record_makes_it_conditional(
    name: str, group: str | None, optional: bool
) -> None:
    from chalicelib.domain.procedure import Component

    assert Component(name=name, group=group).optional is optional
