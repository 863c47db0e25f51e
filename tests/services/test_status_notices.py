"""The citizen's notice for each recorded back-office change: what happened and the next step,
in Vietnamese with full diacritics (a pure function; no AWS)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.dossier import (
    Applicant,
    Channel,
    Dossier,
    DossierResult,
    DossierStatus,
    Fee,
)
from chalicelib.services.status_notices import notice_message, template_data

S = DossierStatus
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 09:00 in Vietnam
HOTLINE = "0290 3 822 822"


def _due() -> str:
    from chalicelib.domain.calendar import default_calendar

    return default_calendar().due_date(T0 + timedelta(hours=1), 3).strftime("%d/%m/%Y")


DUE = _due()  # three working days from the acceptance, as the calendar counts them


def _dossier() -> Dossier:
    return Dossier.open(
        code="000.00.17.H12-261124-0001",
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        receiving_agency_code="000.00.17.H12",
        applicant=Applicant(name="Lê Thử", phone="0912000111"),
        channel=Channel.ONLINE,
        at=T0,
        actor="zalo",
        time_limit_days=3,
    )


def _after(*events: dict) -> tuple[Dossier, int]:
    dossier = _dossier()
    for n, event in enumerate(events, start=1):
        event = dict(event)
        status = event.pop("status")
        recorded = dossier.record(status, T0 + timedelta(hours=n), "officer", **event)
        assert recorded.changed
    return dossier, len(dossier.history) - 1


def _text(*events: dict, link: str | None = None) -> str:
    dossier, entry = _after(*events)
    return notice_message(dossier, entry, result_link=link, hotline=HOTLINE).text


CASES = [
    ([], ["HỒ SƠ 000.00.17.H12-261124-0001", "Thủ tục đăng ký khai sinh", "đã được đăng ký"]),
    ([{"status": S.ACCEPTED}], ["đã được tiếp nhận", f"Ngày hẹn trả kết quả: {DUE} (dự kiến)"]),
    (
        [{"status": S.ACCEPTED, "due_date": date(2026, 12, 1)}],
        ["Ngày hẹn trả kết quả: 01/12/2026."],
    ),
    ([{"status": S.REFUSED, "reason": "Thiếu tờ khai"}], ["KHÔNG được tiếp nhận", "Thiếu tờ khai"]),
    ([{"status": S.ACCEPTED}, {"status": S.PROCESSING}], ["đang được xử lý", DUE]),
    (
        [{"status": S.SUPPLEMENT_REQUESTED, "missing": ["Giấy chứng sinh"]}],
        ["BỔ SUNG", "- Giấy chứng sinh", "ngay trong cuộc trò chuyện Zalo này"],
    ),
    (
        [
            {"status": S.ACCEPTED},
            {
                "status": S.FINANCIAL_OBLIGATION,
                "fee": Fee(amount=1250000, purpose="Lệ phí", payment_url="https://pay.test/1"),
            },
        ],
        ["nghĩa vụ tài chính", "Số tiền: 1.250.000 đồng", "https://pay.test/1"],
    ),
    ([{"status": S.WITHDRAWAL_REQUESTED}], ["yêu cầu rút hồ sơ"]),
    ([{"status": S.STOPPED, "reason": "Công dân rút"}], ["DỪNG xử lý", "Công dân rút"]),
    (
        [
            {"status": S.ACCEPTED},
            {"status": S.RESULT_READY, "result": DossierResult(pickup="Quầy 3")},
        ],
        ["KẾT QUẢ", "Nhận kết quả tại: Quầy 3", "giấy tờ tùy thân"],
    ),
    (
        [
            {"status": S.ACCEPTED},
            {"status": S.RESULT_READY, "result": DossierResult(pickup="Quầy 3")},
            {"status": S.RESULT_DELIVERED},
        ],
        ["đã được trả"],
    ),
    (
        [
            {"status": S.ACCEPTED},
            {"status": S.ACCEPTED, "apology": True, "due_date": date(2026, 12, 4), "reason": "Chờ"},
        ],
        ["XIN LỖI", DUE, "Ngày hẹn trả kết quả mới: 04/12/2026", "Lý do: Chờ."],
    ),
]


@pytest.mark.parametrize(("events", "says"), CASES)
def test_each_change_says_what_happened_and_the_next_step(events, says):
    text = _text(*events)
    for part in says:
        assert part in text


def test_the_electronic_result_link_is_in_the_text_and_a_button():
    dossier, entry = _after(
        {"status": S.ACCEPTED},
        {"status": S.RESULT_READY, "result": DossierResult(key="results/x/" + "a" * 32)},
    )
    message = notice_message(dossier, entry, result_link="https://r.test/l", hotline=HOTLINE)
    assert "Kết quả điện tử: https://r.test/l" in message.text
    first = message.buttons[0]
    assert (first.type, first.payload) == ("oa.open.url", "https://r.test/l")


def test_every_notice_offers_the_dossier_lookup():
    for events, _ in CASES:
        dossier, entry = _after(*events)
        message = notice_message(dossier, entry, result_link=None, hotline=HOTLINE)
        assert message.buttons[-1].payload == dossier.code


def test_the_template_parameters_name_the_status_and_the_due_date():
    dossier, entry = _after({"status": S.ACCEPTED})
    assert template_data(dossier, entry) == {
        "dossier_code": dossier.code,
        "procedure_name": "Thủ tục đăng ký khai sinh",
        "status_name": "Được tiếp nhận",
        "changed_at": "10:00 24/11/2026",
        "due_date": DUE,
    }
