"""Agency digests by e-mail through Amazon SES (where DIGEST_EMAILS names an address).

The sender (DIGEST_EMAIL_SENDER) must be a verified SES identity; the function's IAM policy
allows ``ses:SendEmail`` from that identity only. No personal data goes in a digest: dossier
codes, procedure names, statuses and dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.conversation import texts
from chalicelib.platform import log
from chalicelib.storage.digests import DigestEntry

_ORDER = ("overdue", "due_soon", "feedback_overdue")


def _row(entry: DigestEntry) -> str:
    parts = [entry.ref]
    if entry.title:
        parts.append(entry.title[:120])
    if entry.due_date:
        parts.append(f"hạn {date.fromisoformat(entry.due_date):%d/%m/%Y}")
    if entry.days_late:
        parts.append(f"trễ {entry.days_late} ngày làm việc")
    if entry.anomalies:
        parts.append(f"{entry.anomalies} bất thường")
    return " – ".join(parts)


def render(agency: str, day: date, entries: list[DigestEntry]) -> tuple[str, str]:
    """(subject, body) of an agency's day."""
    sections = []
    conditions = sorted({e.condition for e in entries}, key=lambda c: (c not in _ORDER, c))
    for condition in sorted(conditions, key=lambda c: _ORDER.index(c) if c in _ORDER else 99):
        rows = [_row(e) for e in entries if e.condition == condition]
        sections.append((texts.DIGEST_CONDITION_TITLES.get(condition, condition), rows))
    shown = f"{day:%d/%m/%Y}"
    return (
        texts.digest_email_subject(agency, shown, len(entries)),
        texts.digest_email_body(agency, shown, sections),
    )


class DigestMailer:
    """One SES SendEmail per agency and day (the caller makes it once per day)."""

    def __init__(self, ses: Any, sender: str, addresses: dict[str, str]) -> None:
        self._ses = ses
        self._sender = sender
        self._addresses = addresses

    def send(self, agency: str, day: date, entries: list[DigestEntry]) -> bool:
        """E-mail the day's entries to the agency; False when it has no address, no sender
        is configured or there is nothing to say."""
        address = self._addresses.get(agency)
        if not address or not self._sender or not entries:
            return False
        subject, body = render(agency, day, entries)
        self._ses.send_email(
            Source=self._sender,
            Destination={"ToAddresses": [address]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        )
        log.info("digest_emailed", agency=agency, entries=len(entries))
        log.metric("DigestEmailed")
        return True
