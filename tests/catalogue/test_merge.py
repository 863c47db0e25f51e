"""Merging the national list of online services with the detailed records: what wins."""

from __future__ import annotations

from chalicelib.catalogue.importer import (
    NATIONAL_PAGE_URL,
    ImportReport,
    is_national_services_document,
    merge_catalogue,
)
from chalicelib.domain.procedure import Procedure


def _national(*procedures: Procedure) -> ImportReport:
    return ImportReport(procedures=procedures)


def test_the_detailed_record_wins_and_takes_only_weight_flag_and_audiences():
    detailed = Procedure(
        code="1.000001",
        name="Thủ tục đăng ký khai sinh",
        field_name="Hộ tịch",
        portal_url="https://dichvucong.gov.vn/own-page",
        submit_via_zalo=True,
    )
    listed = Procedure(
        code="1.000001",
        name="Đăng ký khai sinh",  # the same name once "Thủ tục" is set aside
        popularity=42,
        vertical=False,
        audiences=("citizen",),
        catalog_only=True,
    )
    report = merge_catalogue(ImportReport(procedures=(detailed,)), _national(listed))
    (merged,) = report.procedures
    assert merged.name == "Thủ tục đăng ký khai sinh" and merged.field_name == "Hộ tịch"
    assert merged.portal_url == "https://dichvucong.gov.vn/own-page"
    assert (merged.popularity, merged.audiences, merged.catalog_only) == (42, ("citizen",), False)
    assert report.notes == ()


def test_a_code_whose_names_differ_keeps_the_detailed_record_and_says_so():
    detailed = Procedure(code="1.000002", name="Cấp giấy phép karaoke")
    listed = Procedure(code="1.000002", name="Cấp giấy phép sản xuất rượu", popularity=9)
    report = merge_catalogue(ImportReport(procedures=(detailed,)), _national(listed))
    assert report.procedures == (detailed,)
    assert [code for code, _ in report.notes] == ["1.000002"]
    assert report.errors == ()


def test_a_national_service_without_details_links_to_its_portal_page_and_order_is_stable():
    listed = Procedure(code="1.000003", name="Xóa đăng ký tạm trú", catalog_only=True)
    only_here = Procedure(code="1.000004", name="Thủ tục riêng của tỉnh")
    report = merge_catalogue(ImportReport(procedures=(only_here,)), _national(listed))
    assert [p.code for p in report.procedures] == ["1.000003", "1.000004"]
    assert report.procedures[0].portal_url == NATIONAL_PAGE_URL.format(code="1.000003")
    assert report == merge_catalogue(ImportReport(procedures=(only_here,)), _national(listed))


def test_the_two_file_shapes_are_told_apart():
    assert is_national_services_document({"procedures": [{"code": "1.000001", "name": "A"}]})
    assert not is_national_services_document({"procedures": [{"MATTHC": "1.000001"}]})
    assert not is_national_services_document({"procedures": []})
