"""How many procedures of today's catalogue the chat takes a submission of (issue 11).

The whole catalogue (the 2,395 national online services merged with the detailed Cà Mau
records, as `make run` loads it) is turned into the chat's procedure cards by the same adapter
the chat uses (services/lookups.py, over an in-memory catalogue: no AWS), and each card is
judged by the submission flow's own rule (flows/submission.py ``submittable``). "Before" is
the rule that needed a receiving agency code in the record (commune procedures have none).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class MemoryCatalogue:
    """The two reads the lookups adapter makes of the catalogue store, from memory."""

    def __init__(self, procedures: list, agencies: list) -> None:
        self._procedures = {p.code: p for p in procedures}
        self._agencies = {a.code: a for a in agencies}

    def procedure(self, code: str):
        return self._procedures.get(code)

    def agency(self, code: str):
        return self._agencies.get(code)


def figure(metric: str, value: int, unit: str) -> None:
    print(json.dumps({"bench": "submittable", "metric": metric, "value": value, "unit": unit}))


def main() -> int:
    from chalicelib.catalogue.sample import load_catalogue
    from chalicelib.conversation.flows.submission import submittable
    from chalicelib.services.lookups import StoreLookups

    agencies, report = load_catalogue(ROOT / "data" / "catalogue")
    lookups = StoreLookups(MemoryCatalogue(list(report.procedures), agencies), None)
    cards = [lookups.procedure_card(p.code) for p in report.procedures]
    cards = [c for c in cards if c is not None]
    allowed = [c for c in cards if c.submit_in_zalo]
    before = [c for c in allowed if c.documents and c.receiving_agency_code]
    now = [c for c in cards if submittable(c)]
    at_commune = [c for c in now if not c.receiving_agency_code and "commune" in c.receiving_levels]
    print(f"submittable: {len(now)} of {len(cards)} procedures", file=sys.stderr)
    figure("procedures", len(cards), "procedures")
    figure("zalo_allowed", len(allowed), "procedures")
    figure("submittable_before", len(before), "procedures (a receiving agency code needed)")
    figure("submittable_now", len(now), "procedures")
    figure("submittable_at_a_commune_centre", len(at_commune), "procedures (centre chosen)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
