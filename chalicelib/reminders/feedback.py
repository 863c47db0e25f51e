"""Due feedback items (questions, feedback, petitions): a step past its deadline goes into the
agency's daily digest.

The item's due date (``storage/feedback.py``, ``Feedback.next_due``) is the target of the step
it waits for. Past the deadline, a new item whose answer is late, or an answered one whose
publication is late, is listed every working day (condition ``feedback_overdue``, the step in
``title``) until it moves on; otherwise its due date moves to the next step's target.
"""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.domain.feedback import Feedback, FeedbackKind, FeedbackState
from chalicelib.reminders.registry import handler
from chalicelib.reminders.runner import Run
from chalicelib.storage.digests import DigestEntry
from chalicelib.storage.feedback import FeedbackStore
from chalicelib.storage.table import Item


def overdue_step(fb: Feedback, today: date) -> str | None:
    """The step whose deadline passed before ``today`` while the item waits for it."""
    waiting = None
    if fb.state is FeedbackState.NEW:
        waiting = "answer"
    elif fb.state is FeedbackState.ANSWERED and fb.kind is not FeedbackKind.OWNERSHIP_REVIEW:
        waiting = "publish"
    target = fb.targets.get(waiting) if waiting else None
    return waiting if target is not None and target < today else None


@handler("feedback")
def handle_feedback(item: Item, run: Run) -> None:
    fb = Feedback.model_validate_json(item["data"])
    step = overdue_step(fb, run.today)
    if step is not None:
        if run.working_day:
            target = fb.targets[step]
            run.digest(
                DigestEntry(
                    agency=fb.agency,
                    day=run.today,
                    condition="feedback_overdue",
                    kind="feedback",
                    ref=fb.ref,
                    title=f"{fb.kind.value}: {step}",
                    due_date=target.isoformat(),
                    days_late=run.calendar.working_days_between(target, run.today),
                )
            )
        return  # its due date is the passed target: listed again on the next run
    tomorrow = run.today + timedelta(days=1)
    upcoming = fb.next_due(tomorrow)
    current = str(item.get("gsi3sk", ""))[:10]
    if upcoming is None or upcoming.isoformat() != current:
        FeedbackStore(run.table).refresh_due(fb.ref, tomorrow)
