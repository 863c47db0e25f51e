"""What the citizen is told about a recorded back-office change: a pure function of the dossier
and its history entry (every sentence in :mod:`chalicelib.conversation.texts`).

Each notice says what happened and the next step: accepted with the due date; refused with the
reason; what to supplement and how (in the chat); the fee with the amount and the payment link;
the apology with the new date; the result with where to collect it or a link to the electronic
result; handed over. ``template_data`` is what a template by phone carries (no Zalo user).
"""

from __future__ import annotations

from typing import Any

from chalicelib.conversation import texts
from chalicelib.domain.dossier import EVENT_APOLOGY, Dossier, DossierStatus, DueDateSource
from chalicelib.notify.model import OutboundButton, OutboundMessage
from chalicelib.zalo.limits import MAX_PAYLOAD_CHARS

_S = DossierStatus


def _url_button(title: str, url: str | None) -> list[OutboundButton]:
    if not url or len(url) > MAX_PAYLOAD_CHARS or not url.startswith(("https://", "http://")):
        return []
    return [OutboundButton(title=title, payload=url, type="oa.open.url")]


def notice_text(dossier: Dossier, entry: int, *, result_link: str | None, hotline: str) -> str:
    """The body of the notice for ``dossier.history[entry]`` (without the heading)."""
    change = dossier.history[entry]
    due_line = texts.notice_due(dossier.due_date, dossier.due_date_source is DueDateSource.ESTIMATE)
    if change.event == EVENT_APOLOGY:
        return texts.notice_apology(dossier.original_due_date, dossier.due_date, change.note)
    status = change.status
    if status is _S.NEW:
        body = texts.notice_registered()
    elif status is _S.ACCEPTED:
        body = texts.notice_accepted(dossier.received_at, due_line)
    elif status is _S.REFUSED:
        body = texts.notice_refused(change.note, hotline)
    elif status is _S.PROCESSING:
        body = texts.notice_processing(due_line)
    elif status is _S.SUPPLEMENT_REQUESTED:
        body = texts.notice_supplement(dossier.supplement_items)
    elif status is _S.FINANCIAL_OBLIGATION:
        fee = dossier.fee
        body = texts.notice_fee(
            fee.amount if fee else 0,
            fee.purpose if fee else "",
            fee.payment_url if fee else None,
            dossier.excludes_financial_obligation_time,
        )
    elif status is _S.WITHDRAWAL_REQUESTED:
        body = texts.notice_withdrawal(change.note)
    elif status is _S.STOPPED:
        body = texts.notice_stopped(change.note)
    elif status is _S.RESULT_READY:
        result = dossier.result
        body = texts.notice_result(result_link, result.pickup if result else None)
    else:
        body = texts.notice_delivered()
    return texts.notice_updated(body) if "status_repeated" in change.anomalies else body


def notice_message(
    dossier: Dossier, entry: int, *, result_link: str | None, hotline: str
) -> OutboundMessage:
    """The whole notice: heading, body, and a button where there is a next step to tap."""
    change = dossier.history[entry]
    text = (
        texts.notice_head(dossier.code, dossier.procedure_name)
        + "\n"
        + notice_text(dossier, entry, result_link=result_link, hotline=hotline)
    )
    buttons: list[OutboundButton] = []
    if not change.event and change.status is _S.RESULT_READY:
        buttons = _url_button(texts.NOTICE_BTN_RESULT, result_link)
    elif not change.event and change.status is _S.FINANCIAL_OBLIGATION and dossier.fee:
        buttons = _url_button(texts.NOTICE_BTN_PAY, dossier.fee.payment_url)
    buttons.append(OutboundButton(title=texts.NOTICE_BTN_LOOKUP, payload=dossier.code))
    return OutboundMessage(text=text, buttons=buttons)


def template_data(dossier: Dossier, entry: int) -> dict[str, Any]:
    """The parameters of the status template (by phone, when no Zalo user is linked)."""
    change = dossier.history[entry]
    return {
        "dossier_code": dossier.code,
        "procedure_name": dossier.procedure_name[:100],
        "status_name": change.status.official_name,
        "changed_at": change.at.astimezone(texts._VIETNAM).strftime("%H:%M %d/%m/%Y"),
        "due_date": dossier.due_date.strftime("%d/%m/%Y") if dossier.due_date else "",
    }
