"""GET /integration/v1/digests/{agency} and GET /integration/v1/ratings: signed, scoped, per
agency, read only."""

from __future__ import annotations

import json

import pytest

from chalicelib.api import reports
from chalicelib.api.integration.responses import body_of
from chalicelib.domain.rating import Rating
from tests.api.integration.signing import request
from tests.conftest import INTEGRATION_CLIENTS, INTEGRATION_SECRETS
from tests.reminders.conftest import AGENCY, dossier, local, store

OTHER = "000.00.12.H12"


def _call(handler, req, *args):
    response = handler(req, *args)
    return response.status_code, body_of(response)


def _seed_digest() -> None:
    from chalicelib.storage.digests import DigestEntry, Digests
    from chalicelib.storage.table import get_table

    day = local(2026, 12, 2).date()
    Digests(get_table()).put_all(
        [
            DigestEntry(AGENCY, day, "overdue", "dossier", "X-1", "Thủ tục A", 4, "2026-11-26", 4),
            DigestEntry(AGENCY, day, "due_soon", "dossier", "X-2", "Thủ tục B", 4, "2026-12-03"),
            DigestEntry(OTHER, day, "overdue", "dossier", "Y-1", "Thủ tục C", 2, "2026-11-20", 8),
        ]
    )


def test_an_agencys_day_is_listed_with_its_counts(aws):
    _seed_digest()
    status, body = _call(
        reports.digest, request(query_params={"date": "2026-12-02"}), AGENCY.lower()
    )
    assert status == 200
    assert body["agency"] == AGENCY and body["date"] == "2026-12-02"
    assert body["counts"] == {"due_soon": 1, "overdue": 1}
    overdue = next(e for e in body["entries"] if e["condition"] == "overdue")
    assert (overdue["ref"], overdue["days_late"], overdue["title"]) == ("X-1", 4, "Thủ tục A")
    empty = _call(reports.digest, request(query_params={"date": "2026-12-01"}), AGENCY)[1]
    assert empty["entries"] == [] and empty["counts"] == {}


@pytest.mark.parametrize(
    "query, agency, code",
    [
        ({"date": "02/12/2026"}, AGENCY, "invalid_date"),
        ({"date": "2026-12-02"}, "not an agency", "invalid_agency"),
    ],
)
def test_bad_digest_requests_are_refused_with_a_stable_code(aws, query, agency, code):
    status, body = _call(reports.digest, request(query_params=query), agency)
    assert (status, body["error"]["code"]) == (400, code)


def test_scopes_and_agencies_are_enforced(aws, monkeypatch):
    from chalicelib.platform.container import reset_all

    # "narrow" may call the dossiers API only.
    status, body = _call(reports.digest, request(client="narrow"), AGENCY)
    assert (status, body["error"]["code"]) == (403, "scope_not_allowed")
    clients = dict(INTEGRATION_CLIENTS)
    clients["narrow"] = {
        "secrets": [INTEGRATION_SECRETS["narrow"]],
        "agencies": [OTHER],
        "scopes": ["digest", "ratings"],
    }
    monkeypatch.setenv("INTEGRATION_CLIENTS", json.dumps(clients))
    reset_all()
    _seed_digest()
    status, body = _call(reports.digest, request(client="narrow"), AGENCY)
    assert (status, body["error"]["code"]) == (403, "agency_not_served")
    query = {"agency": AGENCY, "month": "2026-12"}
    status, body = _call(reports.ratings, request(client="narrow", query_params=query))
    assert (status, body["error"]["code"]) == (403, "agency_not_served")
    status, body = _call(
        reports.digest, request(client="narrow", query_params={"date": "2026-12-02"}), OTHER
    )
    assert status == 200 and [e["ref"] for e in body["entries"]] == ["Y-1"]


def test_monthly_ratings_of_an_agency(aws):
    from chalicelib.storage.ratings import Ratings
    from chalicelib.storage.table import get_table

    ratings = Ratings(get_table())
    for seq, (score, time) in enumerate([(5, "early"), (4, "on_time"), (2, "late")], 1):
        d = dossier(seq, accepted=local(2026, 11, 23))
        store(d)
        ratings.rate(d.code, AGENCY, Rating(score=score, time=time, rated_at=local(2026, 12, 1)))
    status, body = _call(
        reports.ratings, request(query_params={"agency": AGENCY, "month": "2026-12"})
    )
    assert status == 200
    assert body["count"] == 3 and body["average_score"] == pytest.approx(3.67)
    assert body["scores"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert body["time_against_promise"] == {"early": 1, "on_time": 1, "late": 1}
    assert "comment" not in json.dumps(body).replace('"comments"', "")
    none = _call(reports.ratings, request(query_params={"agency": AGENCY, "month": "2026-11"}))[1]
    assert none["count"] == 0 and none["average_score"] is None
    bad = _call(reports.ratings, request(query_params={"agency": AGENCY, "month": "2026-13"}))
    assert bad[0] == 400 and bad[1]["error"]["code"] == "invalid_month"
