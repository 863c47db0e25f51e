"""Integration API reports of issue 15: agencies' daily digests and monthly satisfaction
ratings. Both read only (a Query of one agency's day; a GetItem of one agency's month).

- ``GET /integration/v1/digests/{agency}?date=YYYY-MM-DD`` (scope ``digest``; ``date``
  defaults to today's local date): the entries the reminders schedule stored for that day.
- ``GET /integration/v1/ratings?agency=<code>&month=YYYY-MM`` (scope ``ratings``): the month's
  counters and average (no comment texts: they may hold personal data).

Refusals: 400 ``invalid_agency`` / ``invalid_date`` / ``invalid_month``, 403
``agency_not_served`` (a client restricted to other agencies).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict

from chalicelib.api.integration.auth import Client, authenticated
from chalicelib.api.integration.responses import error, ok
from chalicelib.domain.agency import normalize_agency_code
from chalicelib.domain.calendar import local_date

_MONTH = re.compile(r"20[0-9]{2}-(0[1-9]|1[0-2])")


class DigestEntryOut(BaseModel):
    """One thing an agency must look at on the day (no personal data)."""

    model_config = ConfigDict(extra="forbid")

    condition: str  # due_soon, overdue, feedback_overdue
    kind: str  # dossier, feedback
    ref: str  # the dossier code or the feedback item's ref
    title: str  # the procedure's name (feedback: "<kind>: <step>")
    status: int | None = None
    due_date: str | None = None
    days_late: int | None = None  # working days
    anomalies: int = 0  # flagged in the dossier's history


class DigestAnswer(BaseModel):
    """An agency's digest of a local day."""

    model_config = ConfigDict(extra="forbid")

    agency: str
    date: str
    counts: dict[str, int]
    entries: list[DigestEntryOut]


class RatingsAnswer(BaseModel):
    """An agency's satisfaction ratings of a month (the month of each dossier's first rating)."""

    model_config = ConfigDict(extra="forbid")

    agency: str
    month: str
    count: int
    average_score: float | None
    scores: dict[str, int]
    time_against_promise: dict[str, int]
    contacts: dict[str, int]
    attitude: dict[str, int]
    comments: int


def _query(request: Any) -> dict[str, str]:
    return dict(getattr(request, "query_params", None) or {})


def _agency(text: str | None, client: Client) -> tuple[str | None, Response | None]:
    code = normalize_agency_code(text or "")
    if code is None:
        return None, error(400, "invalid_agency", "Give the agency's QCVN 102 code.")
    if not client.serves(code):
        return None, error(403, "agency_not_served", "This client does not serve that agency.")
    return code, None


@authenticated(scope="digest")
def digest(request: Any, client: Client, agency: str) -> Response:
    from chalicelib.storage.digests import Digests
    from chalicelib.storage.table import get_table

    code, refused = _agency(agency, client)
    if refused is not None or code is None:
        return refused or error(400, "invalid_agency", "Give the agency's QCVN 102 code.")
    raw = _query(request).get("date")
    try:
        day = date.fromisoformat(raw) if raw else local_date(datetime.now(UTC))
    except ValueError:
        return error(400, "invalid_date", "date must be YYYY-MM-DD.")
    entries = Digests(get_table()).of_day(code, day)
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.condition] = counts.get(entry.condition, 0) + 1
    answer = DigestAnswer(
        agency=code,
        date=day.isoformat(),
        counts=counts,
        entries=[
            DigestEntryOut(
                **{k: v for k, v in entry.as_json().items() if k not in ("agency", "day")}
            )
            for entry in entries
        ],
    )
    return ok(answer.model_dump(mode="json"))


@authenticated(scope="ratings")
def ratings(request: Any, client: Client) -> Response:
    from chalicelib.domain.rating import summary
    from chalicelib.storage.ratings import Ratings
    from chalicelib.storage.table import get_table

    query = _query(request)
    code, refused = _agency(query.get("agency"), client)
    if refused is not None or code is None:
        return refused or error(400, "invalid_agency", "Give the agency's QCVN 102 code.")
    month = query.get("month") or local_date(datetime.now(UTC)).strftime("%Y-%m")
    if not _MONTH.fullmatch(month):
        return error(400, "invalid_month", "month must be YYYY-MM.")
    answer = RatingsAnswer.model_validate(
        summary(code, month, Ratings(get_table()).month(code, month))
    )
    return ok(answer.model_dump(mode="json"))
