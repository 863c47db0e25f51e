"""Ratings through the processor on moto: one rating per dossier, aggregates adjusted exactly
once (a second rating replaces the first, a redelivered event changes nothing)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from chalicelib.domain.dossier import DossierStatus
from chalicelib.domain.rating import Rating
from tests.inbound.test_processor import USER, _text_event
from tests.reminders.conftest import AGENCY, dossier, local, store


def _delivered(owner: str | None = USER):
    d = dossier(1, accepted=local(2026, 11, 23), owner=owner)
    d.transition(DossierStatus.RESULT_READY, local(2026, 11, 25), "o")
    d.transition(DossierStatus.RESULT_DELIVERED, local(2026, 11, 26), "o")
    store(d)
    return d


def _month() -> dict:
    from chalicelib.domain.rating import month_of
    from chalicelib.storage.ratings import Ratings
    from chalicelib.storage.table import get_table

    return Ratings(get_table()).month(AGENCY, month_of(datetime.now(UTC)))


def _send(text: str, n: int) -> None:
    from chalicelib.root import get_processor

    get_processor().process(_text_event(text, f"rate-{n}", int(time.time() * 1000) + n))


@pytest.fixture
def consented(zalo):
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    Users(get_table()).grant_consent(USER, datetime.now(UTC))
    return zalo


def test_a_rating_and_its_criteria_reach_the_monthly_aggregate_once(consented):
    from chalicelib.root import get_processor

    d = _delivered()
    _send(f"#rate:{d.code}:4", 1)
    assert _month()["count"] == 1 and _month()["score_4"] == 1
    _send(f"#rate:{d.code}:more", 2)
    _send(f"#rate:{d.code}:time:late", 3)
    _send(f"#rate:{d.code}:contacts:3", 4)
    _send(f"#rate:{d.code}:attitude:good", 5)
    last = _text_event("Cán bộ nhiệt tình", "rate-6", int(time.time() * 1000) + 6)
    get_processor().process(last)
    get_processor().process(last)  # redelivered: nothing twice
    month = _month()
    assert month["count"] == 1 and month["score_sum"] == 4
    assert (month["time_late"], month["contacts_3"], month["attitude_good"]) == (1, 1, 1)
    assert month["comments"] == 1
    assert "Đã ghi nhận đánh giá" in consented.texts_to(USER)[-1]

    _send(f"#rate:{d.code}:2", 7)  # a second rating replaces the first
    month = _month()
    assert (month["count"], month["score_sum"], month["score_4"], month["score_2"]) == (1, 2, 0, 1)
    assert (month["time_late"], month["attitude_good"], month["comments"]) == (0, 0, 0)


def test_someone_else_cannot_rate_and_nothing_is_counted(consented):
    d = _delivered(owner="2468000000000000999")
    _send(f"#rate:{d.code}:1", 1)
    assert _month() == {}
    assert "Chỉ người nộp hồ sơ" in consented.texts_to(USER)[-1]


def test_storage_ignores_a_retried_or_older_rating(aws):
    from chalicelib.storage.ratings import Ratings
    from chalicelib.storage.table import get_table

    d = _delivered()
    ratings = Ratings(get_table())
    first = Rating(score=5, rated_at=local(2026, 12, 1))
    assert ratings.rate(d.code, AGENCY, first)
    assert not ratings.rate(d.code, AGENCY, first)  # a retried effect
    assert not ratings.rate(d.code, AGENCY, Rating(score=1, rated_at=local(2026, 11, 30)))
    assert ratings.rate(
        d.code, AGENCY, Rating(score=3, time="on_time", rated_at=local(2026, 12, 2))
    )
    month = ratings.month(AGENCY, "2026-12")
    assert (month["count"], month["score_sum"], month["score_5"], month["time_on_time"]) == (
        1,
        3,
        0,
        1,
    )
    stored = ratings.get(d.code)
    assert stored is not None and stored.score == 3
