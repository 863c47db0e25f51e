"""Due dossiers: reminders to their citizens and entries in their agencies' digests.

The conditions and their dates are :mod:`chalicelib.domain.reminders`; this handler decides,
for a run on a local day, which of them are due, acts on them once and sets the dossier's next
check date (or removes it when nothing can become due any more).
"""

from __future__ import annotations

from datetime import date

from chalicelib.conversation import commands, texts
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.reminders import Due, conditions
from chalicelib.notify.model import OutboundButton, OutboundMessage
from chalicelib.platform import log
from chalicelib.reminders.registry import handler
from chalicelib.reminders.runner import Run
from chalicelib.storage.digests import DigestEntry
from chalicelib.storage.dossiers import Dossiers
from chalicelib.storage.table import Item


@handler("dossier")
def handle_dossier(item: Item, run: Run) -> None:
    dossiers = Dossiers(run.table, rules=run.rules)
    dossier, version = dossiers.parse(item)
    later: list[date] = []
    for due in conditions(dossier, run.rules, run.calendar):
        if due.starts > run.today:
            later.append(due.starts)
            continue
        if due.until is not None and due.until < run.today:
            continue
        if due.audience == "agency":
            if run.working_day:
                run.digest(_entry(dossier, due, run))
            if due.repeats:
                upcoming = run.calendar.next_working_day(run.today)
                if due.until is None or upcoming <= due.until:
                    later.append(upcoming)
            continue
        if run.quiet:
            later.append(run.defer())
            continue
        if not _remind(dossier, due, run):
            later.append(run.today)  # another run holds it: look again
    upcoming_check = min(later) if later else None
    current = str(item.get("gsi3sk", ""))[:10]
    if upcoming_check is None or upcoming_check.isoformat() != current:
        dossiers.set_next_check(dossier.code, version, upcoming_check)


def _entry(dossier: Dossier, due: Due, run: Run) -> DigestEntry:
    days_late = None
    if due.condition == "overdue" and dossier.due_date is not None:
        days_late = run.calendar.working_days_between(dossier.due_date, run.today)
    return DigestEntry(
        agency=dossier.receiving_agency_code,
        day=run.today,
        condition=due.condition,
        kind="dossier",
        ref=dossier.code,
        title=dossier.procedure_name,
        status=int(dossier.status),
        due_date=dossier.due_date.isoformat() if dossier.due_date else None,
        days_late=days_late,
        anomalies=anomalies(dossier),
    )


def anomalies(dossier: Dossier) -> int:
    """Anomalies the back office's changes were flagged with (``anomalies`` of the history
    entries: a second supplement request, an apology too late, a change out of order…)."""
    return sum(len(change.anomalies) for change in dossier.history)


def _remind(dossier: Dossier, due: Due, run: Run) -> bool:
    """Queue the citizen's reminder once; True when handled (or nobody to address)."""
    from chalicelib.notify.outbox import QueuedNotice

    user_id = dossier.owner_zalo_user_id
    phone = None if user_id else dossier.applicant.phone
    key = f"reminder:dossier:{dossier.code}:{due.condition}:{due.period_on(run.today)}"
    if not user_id and not phone:
        log.info("reminder_unaddressed", condition=due.condition)
        return True
    notice = QueuedNotice(
        notice_id=key,
        kind=f"reminder_{due.condition}",
        user_id=user_id,
        phone=phone,
        message=message(dossier, due.condition),
        template_data={
            "dossier_code": dossier.code,
            "procedure_name": dossier.procedure_name[:100],
            "status": dossier.status.official_name,
        },
    )
    return run.remind(key, notice)


def message(dossier: Dossier, condition: str) -> OutboundMessage:
    """The citizen's reminder for ``condition`` (Vietnamese, from texts)."""
    code, name = dossier.code, dossier.procedure_name
    look = OutboundButton(
        title=texts.REMINDER_BUTTON_DOSSIER, payload=commands.build("dossier", code)
    )
    if condition == "supplement":
        text = texts.reminder_supplement(code, name, dossier.supplement_items)
        return OutboundMessage(text=text, buttons=[look])
    if condition == "result_pickup":
        place = dossier.result.pickup if dossier.result and dossier.result.pickup else ""
        text = texts.reminder_result_pickup(code, name, place)
        return OutboundMessage(text=text, buttons=[look])
    if condition == "fees":
        fee = dossier.fee
        text = texts.reminder_fees(
            code, name, fee.amount if fee else None, fee.purpose if fee else ""
        )
        buttons = [look]
        if fee is not None and fee.payment_url:
            pay = OutboundButton(
                title=texts.REMINDER_BUTTON_PAY, payload=fee.payment_url, type="oa.open.url"
            )
            buttons.insert(0, pay)
        return OutboundMessage(text=text, buttons=buttons)
    if condition == "rating":
        buttons = [
            OutboundButton(title=title, payload=commands.build("rate", code, str(score)))
            for score, title in sorted(texts.RATING_SCORE_TITLES.items())
        ]
        return OutboundMessage(text=texts.rating_invitation(code, name), buttons=buttons)
    raise ValueError(f"no citizen reminder for {condition!r}")
