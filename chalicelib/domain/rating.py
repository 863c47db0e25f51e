"""A citizen's satisfaction rating of a dossier's service, and the counters it adds up to.

The score is 1..5; the criteria the rules name are optional: time against the promise
(``early``, ``on_time``, ``late``), the number of contacts needed (1, 2, 3 = three or more),
the officers' attitude (``good``, ``fair``, ``poor``); and a comment (at most 1,000 characters,
kept with the rating, never logged, never in aggregates). One rating per dossier: a later one
replaces the earlier (:func:`counters` of each give the exact adjustment of the aggregates).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

TimeAgainstPromise = Literal["early", "on_time", "late"]
Attitude = Literal["good", "fair", "poor"]
MAX_COMMENT_CHARS = 1000
SCORES = (1, 2, 3, 4, 5)
TIMES: tuple[TimeAgainstPromise, ...] = ("early", "on_time", "late")
CONTACTS = (1, 2, 3)
ATTITUDES: tuple[Attitude, ...] = ("good", "fair", "poor")


class Rating(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    score: int = Field(ge=1, le=5)
    time: TimeAgainstPromise | None = None
    contacts: int | None = Field(default=None, ge=1, le=3)
    attitude: Attitude | None = None
    comment: str = Field(default="", max_length=MAX_COMMENT_CHARS)
    rated_at: AwareDatetime

    @field_validator("comment")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        return value.strip()


def counters(rating: Rating | None) -> dict[str, int]:
    """The aggregate counters one rating contributes (all zero for None)."""
    found = {"count": 0, "score_sum": 0, "comments": 0}
    found.update({f"score_{s}": 0 for s in SCORES})
    found.update({f"time_{t}": 0 for t in TIMES})
    found.update({f"contacts_{c}": 0 for c in CONTACTS})
    found.update({f"attitude_{a}": 0 for a in ATTITUDES})
    if rating is None:
        return found
    found["count"] = 1
    found["score_sum"] = rating.score
    found[f"score_{rating.score}"] = 1
    if rating.time:
        found[f"time_{rating.time}"] = 1
    if rating.contacts:
        found[f"contacts_{rating.contacts}"] = 1
    if rating.attitude:
        found[f"attitude_{rating.attitude}"] = 1
    if rating.comment:
        found["comments"] = 1
    return found


def adjustment(old: Rating | None, new: Rating) -> dict[str, int]:
    """What replacing ``old`` by ``new`` changes in the aggregates (non-zero entries only)."""
    before, after = counters(old), counters(new)
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


def summary(agency: str, month: str, totals: dict[str, int]) -> dict[str, object]:
    """The aggregates of an agency's month as the integration API answers them."""
    full = {**counters(None), **{k: int(v) for k, v in totals.items() if k in counters(None)}}
    count = full["count"]
    return {
        "agency": agency,
        "month": month,
        "count": count,
        "average_score": round(full["score_sum"] / count, 2) if count else None,
        "scores": {str(s): full[f"score_{s}"] for s in SCORES},
        "time_against_promise": {t: full[f"time_{t}"] for t in TIMES},
        "contacts": {("3+" if c == 3 else str(c)): full[f"contacts_{c}"] for c in CONTACTS},
        "attitude": {a: full[f"attitude_{a}"] for a in ATTITUDES},
        "comments": full["comments"],
    }


def month_of(moment: datetime) -> str:
    """The local month (``YYYY-MM``) a rating given at ``moment`` counts in."""
    from chalicelib.domain.calendar import local_date

    return local_date(moment).strftime("%Y-%m")
