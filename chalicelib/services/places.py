"""Receiving units and communes for the chat: "where do I file", "what are the hours", "what is
the phone number", asked by today's commune name, an old commune name or an old district.

Reads the place data packaged with the code (chalicelib/domain/places/: the 64 communes with
the units they were formed from, the old districts, the receiving units' contacts) once per
container; no AWS call. The chat reads them through ``Lookups.centres`` (the centres flow).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.domain.agency import AgencyLevel, ReceivingUnit
from chalicelib.domain.communes import CommuneMatch, Places
from chalicelib.platform.container import cached

PLACES_DIR = Path(__file__).resolve().parent.parent / "domain" / "places"
COMMUNES_FILE = "ca-mau-communes.json"
DISTRICTS_FILE = "old-districts.json"
UNITS_FILE = "receiving-units.json"


@dataclass(frozen=True)
class UnitCandidate:
    """A receiving unit the query may mean, and how the query fits its commune."""

    unit: ReceivingUnit
    match: CommuneMatch


@dataclass(frozen=True)
class UnitAnswer:
    """``unit`` when the query names exactly one commune; else ``candidates`` (several: ask the
    citizen to choose, never guess; none: the name is unknown)."""

    query: str
    unit: ReceivingUnit | None = None
    candidates: list[UnitCandidate] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return self.unit is None and len(self.candidates) > 1


class ReceivingUnits:
    """The receiving units, looked up through the communes."""

    def __init__(self, places: Places, units: list[ReceivingUnit]) -> None:
        self._places = places
        self._units = units
        self._by_commune = {u.commune_code: u for u in units if u.commune_code}

    @property
    def places(self) -> Places:
        return self._places

    def all(self) -> list[ReceivingUnit]:
        return list(self._units)

    def provincial_centre(self) -> ReceivingUnit:
        return next(u for u in self._units if u.level is AgencyLevel.PROVINCE)

    def for_commune(self, commune_code: str) -> ReceivingUnit | None:
        """The commune-level centre of a commune (5-digit code)."""
        return self._by_commune.get(commune_code)

    def find(self, query: str) -> UnitAnswer:
        """The centre of the commune ``query`` names (today's name, an old commune name with
        or without "cũ", an old district), or the candidates when it names several."""
        lookup = self._places.find(query)
        candidates: list[UnitCandidate] = []
        seen: set[str] = set()
        for match in lookup.matches:
            unit = self.for_commune(match.commune.code)
            if unit is not None and unit.id not in seen:
                seen.add(unit.id)
                candidates.append(UnitCandidate(unit=unit, match=match))
        if len(candidates) == 1:
            return UnitAnswer(query=query, unit=candidates[0].unit, candidates=candidates)
        return UnitAnswer(query=query, candidates=candidates)


def load_receiving_units(directory: Path = PLACES_DIR) -> ReceivingUnits:
    """Read the place files from ``directory``. Raises ValueError when a commune has no
    receiving unit or a unit names an unknown commune."""

    def read(name: str) -> Any:
        return json.loads((directory / name).read_text(encoding="utf-8"))

    places = Places.from_documents(read(COMMUNES_FILE), read(DISTRICTS_FILE))
    units = [
        ReceivingUnit.model_validate({k: v for k, v in u.items() if not k.startswith("_")})
        for u in read(UNITS_FILE)["units"]
    ]
    codes = {c.code for c in places.communes}
    covered = {u.commune_code for u in units if u.commune_code}
    if covered != codes:
        raise ValueError(f"receiving units and communes differ: {sorted(codes ^ covered)[:5]}")
    if sum(u.level is AgencyLevel.PROVINCE for u in units) != 1:
        raise ValueError("exactly one provincial receiving unit is expected")
    return ReceivingUnits(places, units)


@cached
def get_receiving_units() -> ReceivingUnits:
    """The packaged receiving units (cached per container)."""
    return load_receiving_units()
