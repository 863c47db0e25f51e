"""Which procedures of today's catalogue the chat takes (issue 11): commune procedures are
taken once the citizen names the receiving centre, and the example the submission prompt
gives is one of them."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT


class _MemoryCatalogue:
    def __init__(self, procedures, agencies) -> None:
        self._procedures = {p.code: p for p in procedures}
        self._agencies = {a.code: a for a in agencies}

    def procedure(self, code):
        return self._procedures.get(code)

    def agency(self, code):
        return self._agencies.get(code)


@pytest.fixture(scope="module")
def cards():
    from chalicelib.catalogue.sample import load_catalogue
    from chalicelib.services.lookups import StoreLookups

    agencies, report = load_catalogue(ROOT / "data" / "catalogue")
    lookups = StoreLookups(_MemoryCatalogue(report.procedures, agencies), None)
    return {p.code: lookups.procedure_card(p.code) for p in report.procedures}


def test_the_prompts_example_is_submittable(cards) -> None:
    from chalicelib.conversation import texts
    from chalicelib.conversation.flows.submission import submittable

    assert "đăng ký khai sinh" in texts.ASK_SUBMISSION_PROCEDURE
    card = cards["1.001193"]  # Thủ tục đăng ký khai sinh
    assert card.name == "Thủ tục đăng ký khai sinh"
    assert submittable(card) and card.receiving_agency_code is None
    assert card.receiving_levels == ["commune"]


def test_every_zalo_procedure_with_components_is_taken_at_some_centre(cards) -> None:
    from chalicelib.conversation.flows.submission import submittable

    allowed = [c for c in cards.values() if c.submit_in_zalo and c.documents]
    assert allowed and all(submittable(c) for c in allowed)
    at_commune = [c for c in allowed if not c.receiving_agency_code]
    assert len(at_commune) > len(allowed) - len(at_commune)  # most of them are commune-level
    assert not any(submittable(c) for c in cards.values() if not c.submit_in_zalo)


def test_every_receiving_unit_has_the_agency_code_of_its_commune() -> None:
    import json

    from chalicelib.services.places import load_receiving_units

    agencies = json.loads((ROOT / "data" / "catalogue" / "agencies.json").read_text())
    agencies = agencies["agencies"] if isinstance(agencies, dict) else agencies
    by_commune = {
        a["administrative_unit_code"]: a["code"]
        for a in agencies
        if a.get("administrative_unit_code")
    }
    units = load_receiving_units().all()
    assert len(units) == 65
    for unit in units:
        expected = by_commune.get(unit.commune_code) if unit.commune_code else "000.00.17.H12"
        assert unit.agency_code == expected, unit.id
