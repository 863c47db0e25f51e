"""Dossier.record: what the one-stop system reports is recorded, in the usual order or not;
only an older event or a repeat changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.dossier import (
    Applicant,
    Channel,
    Dossier,
    DossierStatus,
    InvalidApology,
    SupplementItemsRequired,
)

S = DossierStatus
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _accepted() -> Dossier:
    return Dossier.open(
        code="000.00.17.H12-261124-0001",
        procedure_code="1.001193",
        procedure_name="Khai sinh",
        receiving_agency_code="000.00.17.H12",
        applicant=Applicant(name="Thử"),
        channel=Channel.IN_PERSON,
        at=T0,
        actor="o",
        time_limit_days=3,
    )


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_a_usual_change_is_recorded_without_anomaly():
    dossier = _accepted()
    recorded = dossier.record(S.PROCESSING, _at(1), "officer-2")
    assert (recorded.applied, recorded.changed, recorded.entry, recorded.anomalies) == (
        True,
        True,
        1,
        (),
    )
    assert dossier.history[-1].actor == "officer-2"


def test_an_unusual_change_is_recorded_and_flagged():
    dossier = _accepted()
    recorded = dossier.record(S.RESULT_DELIVERED, _at(1), "o")
    assert recorded.changed and recorded.anomalies == ("transition_out_of_order",)
    assert dossier.status is S.RESULT_DELIVERED
    assert dossier.history[-1].anomalies == ("transition_out_of_order",)


def test_a_change_after_a_final_status_is_recorded_and_flagged():
    dossier = _accepted()
    dossier.record(S.REFUSED, _at(1), "o", reason="Thiếu")
    recorded = dossier.record(S.PROCESSING, _at(2), "o")
    assert recorded.anomalies == ("transition_out_of_order",) and dossier.status is S.PROCESSING


def test_an_older_event_is_not_applied_and_changes_nothing():
    dossier = _accepted()
    dossier.record(S.PROCESSING, _at(5), "o")
    before = dossier.model_dump_json()
    recorded = dossier.record(S.REFUSED, _at(1), "o", reason="x")
    assert (recorded.applied, recorded.changed, recorded.entry) == (False, False, None)
    assert dossier.model_dump_json() == before


def test_the_same_event_again_is_the_entry_it_already_is():
    dossier = _accepted()
    first = dossier.record(S.PROCESSING, _at(1), "o")
    dossier.record(S.FINANCIAL_OBLIGATION, _at(2), "o")
    again = dossier.record(S.PROCESSING, _at(1), "o")
    assert (again.changed, again.entry) == (False, first.entry)
    assert len(dossier.history) == 3


def test_the_current_status_again_changes_nothing_unless_its_details_do():
    dossier = _accepted()
    dossier.record(S.PROCESSING, _at(1), "o")
    assert not dossier.record(S.PROCESSING, _at(2), "o").changed
    moved = dossier.record(S.PROCESSING, _at(3), "o", due_date=date(2026, 12, 10))
    assert moved.changed and moved.anomalies == ("status_repeated",)
    assert dossier.due_date == date(2026, 12, 10)


def test_a_second_supplement_request_is_recorded_and_flagged():
    dossier = _accepted()
    dossier.record(S.SUPPLEMENT_REQUESTED, _at(1), "o", missing=["A"])
    dossier.record(S.PROCESSING, _at(2), "o")
    recorded = dossier.record(S.SUPPLEMENT_REQUESTED, _at(3), "o", missing=["B"])
    assert recorded.anomalies == ("second_supplement_request",)
    assert dossier.supplement_items == ("B",)
    with pytest.raises(SupplementItemsRequired):
        dossier.record(S.SUPPLEMENT_REQUESTED, _at(4), "o", missing=[" "])


def test_an_apology_resets_the_date_and_a_late_or_second_one_is_flagged():
    dossier = _accepted()
    due = dossier.due_date
    assert due is not None
    first = dossier.record(
        S.ACCEPTED, _at(1), "o", apology=True, due_date=due + timedelta(3), reason="r"
    )
    assert first.changed and first.anomalies == ()
    assert (dossier.original_due_date, dossier.due_date) == (due, due + timedelta(3))
    late = datetime.combine(due + timedelta(3), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=5
    )
    second = dossier.record(
        S.ACCEPTED, late, "o", apology=True, due_date=due + timedelta(9), reason="r"
    )
    assert second.anomalies == ("second_apology", "apology_too_late")
    assert dossier.original_due_date == due and dossier.apologies == 2
    with pytest.raises(InvalidApology):
        dossier.record(
            S.PROCESSING, late + timedelta(1), "o", apology=True, due_date=due, reason="r"
        )
