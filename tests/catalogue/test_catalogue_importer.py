"""Import of national procedure records (Cổng DVCQG JSON shape) and agencies."""

import copy
import json
from pathlib import Path

import pytest

from chalicelib.catalogue.importer import (
    content_hash,
    parse_agencies,
    parse_procedure,
    parse_procedures,
)
from chalicelib.domain.agency import AgencyLevel
from chalicelib.domain.dossier import Channel
from chalicelib.domain.procedure import OnlineLevel, TimeUnit

DATA = Path(__file__).resolve().parents[2] / "data" / "catalogue"


@pytest.fixture(scope="module")
def national():
    return json.loads((DATA / "tthc-sample.json").read_text(encoding="utf-8"))


def record(**overrides):
    base = {
        "MATTHC": "1.004873",
        "TENTTHC": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
        "CAPTHUCHIEN": ["Cấp xã"],
        "LINHVUCTHUCHIEN": {"MALINHVUC": "G15-TP07", "TENLINHVUC": "Hộ tịch"},
        "COQUANTHUCHIEN": [{"TENDONVI": "Ủy ban nhân dân cấp xã"}],
        "CACHTHUCTHUCHIEN": [
            {
                "KENH": 1,
                "THOIGIAN": [
                    {
                        "THOIGIANGIAIQUYET": 3,
                        "DONVITINH": "Ngày làm việc",
                        "MOTA": "",
                        "PHILEPHI": [
                            {"SOTIEN": 0, "DONVI": "Đồng", "MOTA": "Do HĐND tỉnh quyết định"}
                        ],
                    }
                ],
            }
        ],
        "THANHPHANHOSO": [
            {
                "TRUONGHOP": "Giấy tờ phải nộp",
                "GIAYTO": [
                    {"MAGIAYTO": "A1", "TENGIAYTO": "Tờ khai", "SOBANCHINH": 1, "SOBANSAO": 0}
                ],
            }
        ],
        "KETQUATHUCHIEN": [{"MAKETQUA": "KQ1", "TENKETQUA": "Giấy xác nhận"}],
    }
    base.update(overrides)
    return base


# ---------------------------------------------------------------- the reference sample


def test_reference_sample_loads_exactly_as_it_is(national):
    report = parse_procedures(national)
    assert report.errors == ()
    assert len(report.procedures) == national["count"]["total"] == 18
    assert sum(p.catalog_only for p in report.procedures) == national["count"]["catalog_only"]


def test_birth_registration_from_the_sample(national):
    procedures = {p.code: p for p in parse_procedures(national).procedures}
    birth = procedures["1.001193"]
    assert birth.name == "Thủ tục đăng ký khai sinh"
    assert birth.levels == (AgencyLevel.COMMUNE,)
    assert birth.channels == (Channel.IN_PERSON, Channel.ONLINE, Channel.POSTAL)
    assert birth.typical_time_limit().days == 1
    assert birth.results == ("Giấy khai sinh",)
    assert birth.component_count == 8
    assert birth.postal_pickup_allowed and birth.postal_delivery_allowed


def test_fee_nested_in_each_time_limit_is_read(national):
    procedures = {p.code: p for p in parse_procedures(national).procedures}
    assert procedures["2.000635"].fee_amounts() == (8000, 8000)
    assert procedures["1.004194"].fee_amounts() == (5000, 15000)


def test_toan_trinh_sets_the_full_online_level(national):
    procedures = {p.code: p for p in parse_procedures(national).procedures}
    assert procedures["1.004194"].online_level is OnlineLevel.FULL
    assert procedures["1.001193"].online_level is OnlineLevel.PARTIAL


# ---------------------------------------------------------------- record details


def test_fee_beside_time_limits_is_also_accepted():
    method = {
        "KENH": 2,
        "THOIGIAN": [{"THOIGIANGIAIQUYET": 3, "DONVITINH": "Ngày làm việc"}],
        "PHILEPHI": [{"SOTIEN": "8.000", "DONVI": "Đồng", "MOTA": ""}],
    }
    procedure = parse_procedure(record(CACHTHUCTHUCHIEN=[method]))
    assert [(f.amount, f.channel) for f in procedure.fees] == [(8000, Channel.ONLINE)]


def test_zero_fee_keeps_its_description():
    fee = parse_procedure(record()).fees[0]
    assert fee.amount == 0 and not fee.amount_known
    assert fee.description == "Do HĐND tỉnh quyết định"


def test_repeated_fees_across_cases_are_kept_once():
    period = record()["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]
    other = dict(period, THOIGIANGIAIQUYET=5)
    procedure = parse_procedure(record(CACHTHUCTHUCHIEN=[{"KENH": 1, "THOIGIAN": [period, other]}]))
    assert len(procedure.fees) == 1
    assert [t.days for t in procedure.time_limits] == [3, 5]


def test_calendar_day_unit_is_kept_distinct():
    method = {"KENH": 1, "THOIGIAN": [{"THOIGIANGIAIQUYET": 1, "DONVITINH": "Ngày"}]}
    procedure = parse_procedure(record(CACHTHUCTHUCHIEN=[method]))
    assert procedure.time_limits[0].unit is TimeUnit.DAY


@pytest.mark.parametrize(
    ("days", "text", "stored"),
    [
        (1, "Ngay trong ngày tiếp nhận hồ sơ", 0),
        (1, "Giải quyết ngay", 0),
        (1, "Trả kết quả trong ngày làm việc tiếp theo", 1),
        (1, "", 1),
        (5, "Trong ngày đối với trường hợp đơn giản; 05 ngày nếu phải xác minh", 5),
    ],
)
def test_same_day_limit_is_stored_as_zero_working_days(days, text, stored):
    method = {
        "KENH": 1,
        "THOIGIAN": [{"THOIGIANGIAIQUYET": days, "DONVITINH": "Ngày làm việc", "MOTA": text}],
    }
    procedure = parse_procedure(record(CACHTHUCTHUCHIEN=[method]))
    assert procedure.time_limits[0].whole_working_days == stored


def test_financial_obligation_time_excluded_is_read_from_the_time_limit_text():
    text = "30 ngày (không kể thời gian thực hiện nghĩa vụ tài chính của người sử dụng đất)"
    method = {
        "KENH": 1,
        "THOIGIAN": [{"THOIGIANGIAIQUYET": 30, "DONVITINH": "Ngày làm việc", "MOTA": text}],
    }
    assert parse_procedure(record(CACHTHUCTHUCHIEN=[method])).excludes_financial_obligation_time
    assert not parse_procedure(record()).excludes_financial_obligation_time


def test_financial_obligation_setting_can_be_overridden_by_the_province():
    procedure = parse_procedure(record(), override={"excludes_financial_obligation_time": True})
    assert procedure.excludes_financial_obligation_time


def test_provenance_keys_are_ignored():
    noisy = record(_source={"portal_url": "x"}, _note="remark")
    noisy["THANHPHANHOSO"][0]["GIAYTO"][0]["_comment"] = "ignored"
    assert content_hash(parse_procedure(noisy)) == content_hash(parse_procedure(record()))


def test_catalog_only_record_has_no_details():
    sparse = {
        "MATTHC": "1.014064",
        "TENTTHC": "Cấp lại thẻ căn cước",
        "CAPTHUCHIEN": ["Cấp xã"],
        "LINHVUCTHUCHIEN": {"TENLINHVUC": "Cấp, quản lý căn cước"},
        "COQUANTHUCHIEN": [{"TENDONVI": "Công an cấp Xã"}],
    }
    procedure = parse_procedure(sparse)
    assert procedure.catalog_only and procedure.field_code is None
    assert procedure.online_level is OnlineLevel.NONE


def test_agency_code_from_madonvi_is_canonicalised():
    procedure = parse_procedure(
        record(COQUANTHUCHIEN=[{"TENDONVI": "Sở Tư pháp", "MADONVI": "000.00.02.h12"}])
    )
    assert procedure.agency_codes == ("000.00.02.H12",)


def test_template_link_and_file_types_extension_keys():
    giayto = {
        "TENGIAYTO": "Ảnh 4x6",
        "SOBANCHINH": 2,
        "MAUDON": "https://example.invalid/mau.docx",
        "DINHDANG": "JPG, .png",
    }
    procedure = parse_procedure(record(THANHPHANHOSO=[{"GIAYTO": [giayto]}]))
    component = procedure.components[0]
    assert component.accepted_file_types == ("jpg", "png")
    assert component.template_url == "https://example.invalid/mau.docx"
    assert component.group is None and component.originals == 2


# ---------------------------------------------------------------- errors and overrides


def test_malformed_record_is_reported_by_code_and_the_rest_load():
    bad_channel = record(MATTHC="1.000001", CACHTHUCTHUCHIEN=[{"KENH": 9}])
    bad_count = record(MATTHC="1.000002")
    bad_count["THANHPHANHOSO"][0]["GIAYTO"][0]["SOBANCHINH"] = -1
    report = parse_procedures([bad_channel, record(), bad_count, "not an object", {"X": 1}])
    assert [p.code for p in report.procedures] == ["1.004873"]
    assert [code for code, _ in report.errors] == ["1.000001", "1.000002", "?", "?"]
    assert "KENH" in report.errors[0][1]


def test_bad_procedure_code_is_reported():
    report = parse_procedures([record(MATTHC="1001193")])
    assert report.procedures == () and report.errors[0][0] == "1001193"


def test_duplicate_code_keeps_the_first_record():
    report = parse_procedures([record(), record(TENTTHC="Khác")])
    assert [p.name for p in report.procedures] == [record()["TENTTHC"]]
    assert report.errors == (("1.004873", "duplicate code; first record kept"),)


def test_province_override_is_applied():
    overrides = {
        "1.004873": {
            "agency_codes": ["000.00.02.h12"],
            "submit_via_zalo": True,
            "portal_url": "https://dichvucong.gov.vn/x",
            "postal_pickup_allowed": True,
            "_why": "remark",
        }
    }
    procedure = parse_procedures([record()], overrides).procedures[0]
    assert procedure.agency_codes == ("000.00.02.H12",)
    assert procedure.submit_via_zalo and procedure.portal_url == "https://dichvucong.gov.vn/x"
    assert procedure.postal_pickup_allowed and not procedure.postal_delivery_allowed


def test_without_override_zalo_submission_is_off():
    assert not parse_procedures([record()]).procedures[0].submit_via_zalo


@pytest.mark.parametrize(
    "override",
    [
        {"submit_via_zalo": "yes"},
        {"agency_codes": ["H12"]},
        {"portal_url": "http://insecure"},
        {"colour": "red"},
    ],
)
def test_bad_override_is_reported_for_its_procedure(override):
    report = parse_procedures([record()], {"1.004873": override})
    assert report.procedures == ()
    assert report.errors[0][0] == "1.004873"


def test_override_for_an_unknown_procedure_is_reported():
    report = parse_procedures([record()], {"9.999999": {"submit_via_zalo": True}})
    assert len(report.procedures) == 1
    assert report.errors[0][0] == "9.999999"


# ---------------------------------------------------------------- idempotency


def test_content_hash_is_stable_and_sensitive(national):
    first = [content_hash(p) for p in parse_procedures(national).procedures]
    second = [content_hash(p) for p in parse_procedures(copy.deepcopy(national)).procedures]
    assert first == second
    assert len(set(first)) == len(first)
    renamed = parse_procedure(record(TENTTHC="Tên khác"))
    assert content_hash(renamed) != content_hash(parse_procedure(record()))


def test_importing_twice_gives_equal_reports(national):
    assert parse_procedures(national) == parse_procedures(national)


# ---------------------------------------------------------------- agencies


def test_agencies_parse_with_vietnamese_levels_and_report_problems():
    report = parse_agencies(
        {
            "_note": "sample",
            "agencies": [
                {"code": "000.00.00.H12", "name": "UBND tỉnh", "level": "Cấp tỉnh"},
                {
                    "code": "000.00.30.H12",
                    "name": "UBND xã",
                    "level": "commune",
                    "parent_code": "000.00.00.H12",
                    "_x": 1,
                },
                {"code": "000.00.30.H12", "name": "Trùng", "level": "commune"},
                {"code": "bad", "name": "Sai", "level": "commune"},
                {
                    "code": "000.00.31.H12",
                    "name": "Mồ côi",
                    "level": "commune",
                    "parent_code": "000.00.99.H12",
                },
            ],
        }
    )
    assert [a.code for a in report.agencies] == ["000.00.00.H12", "000.00.30.H12", "000.00.31.H12"]
    assert report.agencies[0].level is AgencyLevel.PROVINCE
    assert [code for code, _ in report.errors] == ["000.00.30.H12", "bad", "000.00.31.H12"]
