"""Feedback items on the due index: the step they wait for, past its deadline, is listed in the
agency's digest every working day; before that the due date moves to the next step's target."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.feedback import Feedback, FeedbackKind, FeedbackState
from tests.reminders.conftest import AGENCY, local


def _store(fb: Feedback) -> None:
    from chalicelib.storage.feedback import FeedbackStore
    from chalicelib.storage.table import get_table

    assert FeedbackStore(get_table()).create(fb, date(2026, 11, 20))


def _gsi3sk(ref: str) -> str | None:
    from chalicelib.storage.table import get_table

    item = get_table().get(f"FEEDBACK#{ref}", "FEEDBACK")
    assert item is not None
    return item.get("gsi3sk")


def _feedback(ref: str, **changes) -> Feedback:
    fields = {
        "ref": ref,
        "kind": FeedbackKind.FEEDBACK,
        "agency": AGENCY,
        "created_at": local(2026, 11, 20),
        "content": "Đường vào UBND xã bị ngập",
        "targets": {
            "reject": date(2026, 11, 25),
            "request_info": date(2026, 11, 27),
            "answer": date(2026, 12, 1),
        },
    }
    fields.update(changes)
    return Feedback(**fields)


def test_a_late_answer_is_in_the_digest_every_working_day_and_an_early_step_moves_on(
    reminders_of,
):
    from chalicelib.storage.digests import Digests
    from chalicelib.storage.table import get_table

    late = _feedback("PAKN-261120-AAAAAA")
    on_time = _feedback(
        "PAKN-261120-BBBBBB",
        targets={"reject": date(2026, 12, 2), "request_info": date(2026, 12, 4),
                 "answer": date(2026, 12, 18)},
    )  # fmt: skip
    answered = _feedback(
        "PAKN-261120-CCCCCC",
        state=FeedbackState.ANSWERED,
        targets={"answer": date(2026, 11, 27), "publish": date(2026, 12, 20)},
    )
    for fb in (late, on_time, answered):
        _store(fb)
    assert _gsi3sk(late.ref) == f"2026-11-25#feedback#{late.ref}"  # its first step
    run, outbox = reminders_of()
    report = run.run(local(2026, 12, 2, 8))
    assert report.read == 2  # the late one and the one whose reject target is today
    [entry] = Digests(get_table()).of_day(AGENCY, date(2026, 12, 2))
    assert (entry.condition, entry.kind, entry.ref) == ("feedback_overdue", "feedback", late.ref)
    assert (entry.title, entry.due_date, entry.days_late) == ("feedback: answer", "2026-12-01", 1)
    assert _gsi3sk(on_time.ref) == f"2026-12-04#feedback#{on_time.ref}"  # the next step
    assert _gsi3sk(answered.ref) == f"2026-12-20#feedback#{answered.ref}"  # untouched
    run.run(local(2026, 12, 3, 8))
    again = Digests(get_table()).of_day(AGENCY, date(2026, 12, 3))
    assert [(e.ref, e.days_late) for e in again] == [(late.ref, 2)]
    assert outbox.queued == []  # agencies hear of it in the digest, citizens not at all
