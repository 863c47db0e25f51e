"""The PAKN domain: content rules, routing, reference numbers, step targets and due dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.feedback import (
    DEFAULT_TARGET_DAYS,
    Feedback,
    FeedbackKind,
    FeedbackState,
    content_problem,
    find_ref,
    is_complaint,
    make_ref,
    route,
)

AT = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)  # Thursday 09:30 in Cà Mau
CAL = WorkingCalendar()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("hỏi", "too_short"),
        ("a a a a a a", "too_short"),
        ("khai sinh khai sinh khai sinh khai sinh khai sinh", "meaningless"),
        ("xxxxxxxxxxxxx yyyyyyyyyyyyy zzzzzzzzzzzz wwwwwwwwwwwww", "meaningless"),
        ("Đường ấp 3 bị ngập nhiều ngày, xin cho sửa", None),
        ("duong ap 3 bi ngap nhieu ngay xin cho sua", None),
    ],
)
def test_content_rules(text: str, problem: str | None) -> None:
    assert content_problem(text) == problem


def test_complaints_are_recognised_with_or_without_diacritics() -> None:
    assert is_complaint("Tôi muốn khiếu nại quyết định")
    assert is_complaint("don to cao can bo")
    assert not is_complaint("Đường bị ngập, đề nghị sửa")


def test_routing_table_then_field_then_own_agency_then_the_centre() -> None:
    routing = {"procedures": {"1.001193": "A"}, "fields": {"Hộ tịch": "B"}}
    kw = {"routing": routing, "default_agency": "C"}
    assert route(procedure_code="1.001193", field="Hộ tịch", agency_hint="D", **kw) == "A"
    assert route(procedure_code="2.000000", field="ho tich", agency_hint="D", **kw) == "B"
    assert route(procedure_code="2.000000", field="Đất đai", agency_hint="D", **kw) == "D"
    assert route(procedure_code=None, field=None, agency_hint=None, **kw) == "C"


def test_reference_numbers_are_stable_and_found_in_text() -> None:
    ref = make_ref("draft-1", AT)
    assert ref == make_ref("draft-1", AT) and ref.startswith("PAKN-261126-")
    assert find_ref(f"số tham chiếu: {ref.lower().replace('-', ' - ')}") == ref
    assert find_ref("không có số") is None


def test_due_date_follows_the_steps() -> None:
    fb = Feedback(ref="R", kind=FeedbackKind.FEEDBACK, agency="X", created_at=AT)
    fb.start_clock(AT, CAL, DEFAULT_TARGET_DAYS, answer=True)
    assert fb.targets == {
        "reject": date(2026, 11, 30),
        "request_info": date(2026, 12, 3),
        "answer": date(2026, 12, 17),
    }
    assert fb.next_due(date(2026, 11, 26)) == date(2026, 11, 30)
    assert fb.next_due(date(2026, 12, 1)) == date(2026, 12, 3)
    assert fb.next_due(date(2026, 12, 4)) == date(2026, 12, 17)
    assert fb.next_due(date(2027, 1, 4)) == date(2026, 12, 17)  # overdue stays due
    fb.state = FeedbackState.INFO_REQUESTED
    assert fb.next_due(date(2026, 12, 1)) is None  # waiting for the sender
    fb.state, fb.targets["publish"] = FeedbackState.ANSWERED, date(2026, 12, 8)
    assert fb.next_due(date(2026, 12, 4)) == date(2026, 12, 8)
    fb.state = FeedbackState.PUBLISHED
    assert fb.next_due(date(2026, 12, 4)) is None


def test_refresh_due_moves_the_index_entry_for_the_reminders(aws) -> None:
    from chalicelib.root import get_feedback_service
    from chalicelib.storage.table import get_table

    service = get_feedback_service()
    fb = service.file(
        draft_id="d", user_id="u", kind="question", content="Khai sinh cần giấy tờ gì ạ?", at=AT
    )
    due, _ = get_table().query("DUE", index="gsi3")
    assert [i["gsi3sk"] for i in due] == [f"2026-11-30#feedback#{fb.ref}"]
    assert service.store.refresh_due(fb.ref, date(2026, 12, 1)) == date(2026, 12, 3)
    due, _ = get_table().query("DUE", index="gsi3")
    assert [i["gsi3sk"] for i in due] == [f"2026-12-03#feedback#{fb.ref}"]
