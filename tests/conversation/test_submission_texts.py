"""What the citizen reads about refused files and in the receipt: Vietnamese, complete, honest
about the estimate."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.conversation import texts
from chalicelib.documents.rejection import RejectionReason
from chalicelib.domain.submission import Receipt, ReceivedComponent, ResultDelivery


@pytest.mark.parametrize("reason", list(RejectionReason))
def test_every_rejection_reason_has_a_vietnamese_sentence_asking_to_send_again(reason):
    sentence = texts.document_rejected(reason.value, allowed=("pdf",))
    assert sentence == texts.DOCUMENT_REJECTED[reason.value].format(max_mb=10, allowed="PDF")
    assert "gửi lại" in sentence and "{" not in sentence


def test_the_size_and_the_allowed_types_are_named():
    assert "tối đa 10 MB" in texts.document_rejected("too_large", max_mb=10)
    sentence = texts.document_rejected("type_not_allowed", allowed=("pdf", "jpeg", "docx"))
    assert "PDF, JPG, Word (DOCX)" in sentence


def receipt(**changes) -> Receipt:
    values = {
        "code": "000.00.17.H12-261126-0001",
        "procedure_code": "1.001193",
        "procedure_name": "Thủ tục đăng ký khai sinh",
        "receiving_agency_name": "Trung tâm Phục vụ hành chính công phường An Xuyên",
        "components": (
            ReceivedComponent(code="TK", name="Tờ khai đăng ký khai sinh", files=1),
            ReceivedComponent(code="GCS", name="Giấy chứng sinh", files=2),
        ),
        "received_at": datetime(2026, 11, 26, 2, 30, tzinfo=UTC),
        "expected_result_date": date(2026, 11, 30),
        "result_delivery": ResultDelivery.AT_AGENCY,
        "result_place": "Trung tâm Phục vụ hành chính công phường An Xuyên",
        "lookup_url": "https://dichvucong.camau.test/public/dossiers/000.00.17.H12-261126-0001",
    }
    values.update(changes)
    return Receipt(**values)


def test_the_receipt_message_has_the_receipt_form_content():
    text = texts.submission_receipt(receipt())
    assert text.splitlines() == [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: 000.00.17.H12-261126-0001",
        "Thủ tục: Thủ tục đăng ký khai sinh",
        "Nơi tiếp nhận: Trung tâm Phục vụ hành chính công phường An Xuyên",
        "Thời gian nộp: 09:30 26/11/2026",
        "Thành phần hồ sơ đã nhận:",
        "- Tờ khai đăng ký khai sinh: 1 tệp",
        "- Giấy chứng sinh: 2 tệp",
        "Ngày hẹn trả kết quả (dự kiến): 30/11/2026. "
        "Ngày hẹn chính thức được xác định khi cơ quan tiếp nhận hồ sơ.",
        "Nơi trả kết quả: Nhận trực tiếp tại nơi nộp hồ sơ: "
        "Trung tâm Phục vụ hành chính công phường An Xuyên",
        "Tra cứu hồ sơ: https://dichvucong.camau.test/public/dossiers/000.00.17.H12-261126-0001",
    ]


def test_without_a_time_limit_the_receipt_promises_no_date():
    text = texts.submission_receipt(receipt(expected_result_date=None, result_place=""))
    assert "dự kiến" not in text
    assert "cơ quan sẽ thông báo" in text
    assert "Nơi trả kết quả: Nhận trực tiếp tại nơi nộp hồ sơ" in text
