"""What citizens read about dossiers and personal data: the content the law requires."""

from datetime import UTC, date, datetime

import pytest

from chalicelib.conversation import texts
from chalicelib.conversation.model import DossierView
from chalicelib.zalo.messages import MAX_TEXT_CHARS

CENTRE = "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"
HOTLINE = "0290 3 822 822"


def view(**kwargs):
    fields = {
        "code": "000.00.17.H12-261118-0008",
        "procedure_name": "Đăng ký khai sinh",
        "status_name": "Đang xử lý",
        "is_owner": True,
        "due_date": date(2026, 12, 3),
    }
    fields.update(kwargs)
    return DossierView(**fields)


# ---------------------------------------------------------------- status texts


@pytest.mark.parametrize("status", range(1, 11))
def test_every_status_says_what_happens_next(status):
    step = texts.next_step(status, (), result_ready=status in (9, 10))
    assert step and len(step) > 40


def test_withdrawn_and_stopped_dossiers_have_their_own_texts():
    withdrawn = texts.next_step(7, (), False)
    stopped = texts.next_step(8, (), False)
    assert "rút hồ sơ" in withdrawn and "nộp hồ sơ mới" in withdrawn
    assert "dừng giải quyết" in stopped and "lý do" in stopped
    assert withdrawn != stopped


def test_supplement_says_what_is_missing_how_to_send_it_and_that_the_clock_restarts():
    step = texts.next_step(5, ("Bản sao giấy chứng sinh", "Tờ khai"), False)
    assert "Bản sao giấy chứng sinh; Tờ khai" in step
    assert "nơi đã nộp hồ sơ" in step and "Cổng Dịch vụ công quốc gia" in step
    assert "tính lại từ ngày cơ quan nhận đủ hồ sơ" in step


def test_result_ready_says_where_and_with_what_to_collect_or_that_it_comes_by_post():
    step = texts.next_step(9, (), True)
    assert "giấy tiếp nhận hồ sơ và hẹn trả kết quả" in step and "căn cước" in step
    assert "bưu chính công ích" in step and "nơi đã nộp hồ sơ" in step


def test_computed_due_date_is_labelled_an_estimate():
    text = texts.dossier_owner(view(due_date_is_estimate=True), HOTLINE)
    assert "Ngày hẹn trả kết quả dự kiến: 03/12/2026" in text
    assert "giấy tiếp nhận" in text


def test_after_a_supplement_the_complete_dossier_date_is_shown_beside_the_first_receipt():
    first, complete = (
        datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 3, 0, tzinfo=UTC),
    )
    text = texts.dossier_owner(view(received_at=first, complete_received_at=complete), HOTLINE)
    assert "Ngày tiếp nhận: 09:00 23/11/2026" in text
    assert "Ngày nhận đủ hồ sơ bổ sung: 10:00 30/11/2026" in text


def test_the_agencys_due_date_is_shown_without_the_estimate_label():
    text = texts.dossier_owner(view(due_date_is_estimate=False), HOTLINE)
    assert "Ngày hẹn trả kết quả: 03/12/2026" in text and "dự kiến" not in text


def test_overdue_dossier_tells_about_the_apology_slip_and_the_hotline():
    text = texts.dossier_owner(view(overdue=True), HOTLINE)
    assert "03/12/2026 (đã quá hạn)" in text
    assert "phiếu xin lỗi và hẹn lại ngày trả kết quả" in text and HOTLINE in text


def test_a_zero_day_limit_reads_as_the_same_day():
    assert texts.time_limit(0, "working_day").startswith("trong ngày")
    assert texts.time_limit(3, "working_day") == "3 ngày làm việc"
    same_day, three = texts.time_limit(0, "working_day"), texts.time_limit(3, "working_day")
    assert texts.time_limits_range(same_day, three) == (
        "trong ngày hoặc đến 3 ngày làm việc (tùy trường hợp)"
    )


# ---------------------------------------------------------------- personal data


def notice():
    return (
        texts.privacy_notice(CENTRE, HOTLINE),
        texts.privacy_notice_details(CENTRE, HOTLINE, "ap-southeast-1"),
    )


def test_notice_parts_each_fit_one_zalo_message_and_the_first_is_short():
    summary, details = notice()
    assert len(summary) <= 700
    assert len(details) <= MAX_TEXT_CHARS


def test_notice_names_the_controller_with_contact_and_the_law():
    summary, _ = notice()
    assert CENTRE in summary and HOTLINE in summary
    assert "bên kiểm soát dữ liệu cá nhân" in summary
    assert "91/2025/QH15" in summary and "356/2025/NĐ-CP" in summary


def test_notice_lists_every_data_type_with_how_long_it_is_kept():
    _, details = notice()
    lowered = details.lower()
    for data in (
        "mã định danh zalo",
        "tin nhắn",
        "họ tên",
        "số điện thoại",
        "số căn cước",
        "địa chỉ",
        "ảnh giấy tờ",
        "vị trí",
    ):
        assert data in lowered, data
    for period in ("1 ngày", "90 ngày", "7 ngày", "thời hạn lưu trữ"):
        assert period in details


def test_notice_names_who_receives_the_data_and_where_it_is_stored():
    _, details = notice()
    for recipient in ("cơ quan có thẩm quyền", "bưu chính", "VNG", "Singapore"):
        assert recipient in details


@pytest.mark.parametrize(
    "right",
    [
        "được biết",
        "truy cập",
        "chỉnh sửa",
        "hạn chế xử lý",
        "phản đối xử lý",
        "rút lại sự đồng ý",
        "xóa dữ liệu",
        "khiếu nại",
    ],
)
def test_notice_lists_every_right_of_the_data_subject(right):
    _, details = notice()
    assert right in details


def test_whoever_gives_another_persons_data_confirms_they_may():
    _, details = notice()
    assert "dữ liệu của người khác" in details and "có quyền cung cấp" in details


def test_an_unknown_region_is_named_rather_than_guessed():
    assert "eu-west-1" in texts.storage_location("eu-west-1")
    assert "Singapore" in texts.storage_location("ap-southeast-1")


def test_declining_is_recorded_truthfully():
    assert "chỉ giữ mã định danh Zalo" in texts.CONSENT_DECLINED
    assert "không có dữ liệu cá nhân nào" not in texts.CONSENT_DECLINED
