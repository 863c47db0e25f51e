"""Today's communes and wards of Cà Mau, the units they were formed from on 1 July 2025, and
finding one from what a citizen types: a current name, an old commune name ("xã Vĩnh Trạch
Đông cũ") or an old district ("huyện U Minh").

A name that fits several units (an old commune split between two new ones, "Tân Thành" and
"Tân Thạnh" that read the same without accents, "Phường 1" of three old towns) gives every
candidate, never a guess. Pure: the data (places/ca-mau-communes.json, places/old-districts.json)
is handed in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.vietnamese import fold

# Unit-type words as citizens type them, folded, longest first; the value is the unit kind.
_KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("thi tran", "thi_tran"),
    ("thanh pho", "thanh_pho"),
    ("thi xa", "thi_xa"),
    ("phuong", "phuong"),
    ("huyen", "huyen"),
    ("xa", "xa"),
    ("tt", "thi_tran"),
    ("tp", "thanh_pho"),
    ("tx", "thi_xa"),
    ("p", "phuong"),
    ("h", "huyen"),
)
_DISTRICT_KINDS = frozenset({"huyen", "thanh_pho", "thi_xa"})
_OLD_MARKERS = frozenset({"cu", "truoc day", "truoc sap nhap"})
_NOISE = ("tinh ca mau", "tinh bac lieu", "ca mau cu", "bac lieu cu", "o dau", "dau")
_QUALIFIER = re.compile(r"\s*\(([^)]*)\)")
_FUZZY_RATIO = 0.86  # accepted similarity of folded names for a typo (no digits involved)


class Commune(BaseModel):
    """A commune-level unit in force since 1 July 2025 (xã or phường)."""

    model_config = ConfigDict(frozen=True)

    name: str  # "Phường Bạc Liêu"
    kind: str  # "xa" | "phuong"
    code: str  # 5-digit national code (QĐ 19/2025/QĐ-TTg)
    formed_from: tuple[str, ...] = ()
    split_old_units: tuple[str, ...] = ()


class OldDistrict(BaseModel):
    """A district-level unit abolished on 1 July 2025 and the units it held."""

    model_config = ConfigDict(frozen=True)

    name: str  # "Huyện U Minh"
    kind: str  # "huyen" | "thanh_pho" | "thi_xa"
    old_province: str
    units: tuple[str, ...]


class CommuneMatch(BaseModel):
    """One way the query fits a current commune."""

    model_config = ConfigDict(frozen=True)

    commune: Commune
    old_unit: str | None = None  # the old unit named, as written in ``formed_from``
    old_district: str | None = None  # the old district named, or the old unit's district
    partial: bool = False  # only part of the old unit went to this commune
    approximate: bool = False  # matched despite a typo


class CommuneLookup(BaseModel):
    """Everything the query fits. ``found`` is set only when exactly one commune fits."""

    model_config = ConfigDict(frozen=True)

    query: str
    matches: tuple[CommuneMatch, ...] = ()

    @property
    def communes(self) -> list[Commune]:
        """The distinct communes the query fits, in match order."""
        seen: dict[str, Commune] = {}
        for match in self.matches:
            seen.setdefault(match.commune.code, match.commune)
        return list(seen.values())

    @property
    def found(self) -> Commune | None:
        communes = self.communes
        return communes[0] if len(communes) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.communes) > 1


class Places(BaseModel):
    """The communes and the old districts, with their lookups."""

    model_config = ConfigDict(frozen=True)

    communes: tuple[Commune, ...]
    districts: tuple[OldDistrict, ...] = ()

    @classmethod
    def from_documents(
        cls, communes: Mapping[str, Any], districts: Mapping[str, Any] | None = None
    ) -> Places:
        """From the decoded ca-mau-communes.json and old-districts.json."""
        units = [
            Commune(
                name=u["name"],
                kind=u["kind"],
                code=u["code"],
                formed_from=tuple(u.get("formed_from") or ()),
                split_old_units=tuple(u.get("split_old_units") or ()),
            )
            for u in communes["units"]
        ]
        old = [
            OldDistrict(
                name=d["name"], kind=d["kind"], old_province=d["old_province"], units=d["units"]
            )
            for d in (districts or {}).get("districts", [])
        ]
        return cls(communes=tuple(units), districts=tuple(old))

    def by_code(self, code: str) -> Commune | None:
        return next((c for c in self.communes if c.code == code), None)

    def find(self, query: str) -> CommuneLookup:
        """What ``query`` names (see module docstring). Accent-, case- and spacing-insensitive,
        tolerant of one or two typos in names without digits; diacritics the citizen did type
        settle "Tân Thành" against "Tân Thạnh"."""
        return CommuneLookup(query=query, matches=tuple(_find(self, query)))


# --------------------------------------------------------------------------- parsing


# Old-style and new-style tone placement ("Hoà" / "Hòa") name the same place; compare one form.
_OLD_STYLE = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}  # fmt: skip


def _nfc_lower(text: str) -> str:
    """Lower case, NFC, single spaces, tone marks placed one way (for comparisons only)."""
    lowered = " ".join(unicodedata.normalize("NFC", text).lower().split())
    for old, new in _OLD_STYLE.items():
        lowered = lowered.replace(old, new)
    return lowered


def _has_diacritics(text: str) -> bool:
    return fold(text) != " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


class _Query(BaseModel):
    kind: str | None = None
    base: str  # folded name without the unit-type word
    raw_base: str  # NFC lower-case name as typed (diacritics kept) for accent-exact matches
    old: bool = False


def _parse(text: str) -> _Query:
    raw = _nfc_lower(text.replace("(", " ").replace(")", " "))
    folded = fold(raw)
    old = False
    for marker in sorted(_OLD_MARKERS, key=len, reverse=True):
        if folded.endswith(" " + marker) or folded == marker:
            old = True
            folded = folded[: -len(marker)].strip()
    for noise in _NOISE:
        folded = re.sub(rf"(^| ){noise}($| )", " ", folded).strip()
    kind = None
    for word, value in _KIND_WORDS:
        if folded.startswith(word + " "):
            kind, folded = value, folded[len(word) + 1 :].strip()
            break
    # The name as typed, without the kind word and the "cũ" marker, for accent-exact matches.
    raw_words = raw.split()
    raw_base = " ".join(w for w in raw_words if fold(w) in folded.split())
    return _Query(kind=kind, base=folded, raw_base=raw_base, old=old)


def _split_name(name: str) -> tuple[str | None, str, str]:
    """("xa", "vinh trach dong", "vĩnh trạch đông") from "Xã Vĩnh Trạch Đông"; the
    parenthesised qualifier is dropped."""
    plain = _QUALIFIER.sub("", name).strip()
    folded = fold(plain)
    raw = _nfc_lower(plain)
    for word, value in _KIND_WORDS[:6]:  # full words only in data
        if folded.startswith(word + " "):
            return value, folded[len(word) + 1 :], " ".join(raw.split()[len(word.split()) :])
    return None, folded, raw


def _qualifier(name: str) -> str | None:
    found = _QUALIFIER.search(name)
    return found.group(1) if found else None


def _similar(a: str, b: str) -> bool:
    if any(ch.isdigit() for ch in a + b):
        return False
    return SequenceMatcher(None, a, b).ratio() >= _FUZZY_RATIO


# --------------------------------------------------------------------------- matching


def _kind_fits(query_kind: str | None, kind: str | None) -> bool:
    return query_kind is None or kind is None or query_kind == kind


def _district_of(places: Places, unit: str) -> list[OldDistrict]:
    """The old district(s) that held ``unit`` (a ``formed_from`` entry: names compared with
    their diacritics, "Tân Thành" is not "Tân Thạnh"; a qualifier names the district)."""
    kind, _, spelled = _split_name(unit)
    qualifier = _qualifier(unit)
    found = []
    for district in places.districts:
        if qualifier and fold(qualifier) != fold(district.name):
            continue
        for held in district.units:
            held_kind, _, held_spelled = _split_name(held)
            if held_spelled == spelled and _kind_fits(kind, held_kind):
                found.append(district)
                break
    return found


def _old_unit_matches(
    places: Places, query: _Query, district: OldDistrict | None, approximate: bool
) -> list[CommuneMatch]:
    matches = []
    for commune in places.communes:
        for unit in commune.formed_from:
            kind, base, _ = _split_name(unit)
            if not _kind_fits(query.kind, kind) or query.kind in _DISTRICT_KINDS:
                continue
            if not (base == query.base or (approximate and _similar(base, query.base))):
                continue
            districts = _district_of(places, unit)
            if district is not None and district not in districts:
                continue
            matches.append(
                CommuneMatch(
                    commune=commune,
                    old_unit=unit,
                    old_district=districts[0].name if len(districts) == 1 else None,
                    partial=_QUALIFIER.sub("", unit).strip() in commune.split_old_units
                    or unit in commune.split_old_units,
                    approximate=approximate and base != query.base,
                )
            )
    return matches


def _district_matches(places: Places, query: _Query, approximate: bool) -> list[CommuneMatch]:
    if query.kind is not None and query.kind not in _DISTRICT_KINDS:
        return []
    matches = []
    for district in places.districts:
        kind, base, _ = _split_name(district.name)
        if not _kind_fits(query.kind, kind):
            continue
        if not (base == query.base or (approximate and _similar(base, query.base))):
            continue
        for commune in places.communes:
            for unit in commune.formed_from:
                if district in _district_of(places, unit):
                    matches.append(
                        CommuneMatch(
                            commune=commune,
                            old_district=district.name,
                            approximate=approximate and base != query.base,
                        )
                    )
                    break
    return matches


def _current_matches(places: Places, query: _Query, approximate: bool) -> list[CommuneMatch]:
    matches = []
    for commune in places.communes:
        kind, base, _ = _split_name(commune.name)
        if not _kind_fits(query.kind, kind) or query.kind in _DISTRICT_KINDS:
            continue
        if base == query.base or (approximate and _similar(base, query.base)):
            matches.append(
                CommuneMatch(commune=commune, approximate=approximate and base != query.base)
            )
    return matches


def _trailing_district(places: Places, query: _Query) -> tuple[_Query, OldDistrict] | None:
    """ "phuong 1 bac lieu" / "phuong 1 (thanh pho bac lieu)" -> ("phuong 1", Thành phố Bạc
    Liêu)."""
    for district in places.districts:
        kind, base, _ = _split_name(district.name)
        if not query.base.endswith(" " + base):
            continue
        rest = query.base[: -len(base)].strip()
        for word, value in _KIND_WORDS:
            if value == kind and (rest.endswith(" " + word)):
                rest = rest[: -len(word)].strip()
                break
        if rest:
            return query.model_copy(update={"base": rest}), district
    return None


def _narrow_by_accents(query: _Query, matches: Sequence[CommuneMatch]) -> list[CommuneMatch]:
    """When the citizen typed diacritics, keep the matches spelled exactly so (if any)."""
    if not _has_diacritics(query.raw_base):
        return list(matches)

    def spelled(match: CommuneMatch) -> str:
        name = match.old_unit or match.old_district or match.commune.name
        return _split_name(name)[2]

    exact = [m for m in matches if spelled(m) == query.raw_base]
    return exact or list(matches)


def _find(places: Places, text: str) -> Iterable[CommuneMatch]:
    query = _parse(text)
    if not query.base:
        return []
    for approximate in (False, True):
        current = [] if query.old else _current_matches(places, query, approximate)
        if current and query.kind not in _DISTRICT_KINDS:
            # A current name is an answer, not a guess; "cũ" asks for the old unit instead.
            return _narrow_by_accents(query, current)
        matches = []
        trailing = _trailing_district(places, query)
        if trailing is not None:  # "phường 1 (thành phố Cà Mau)": the district narrows it
            rest, district = trailing
            matches = _old_unit_matches(places, rest, district, approximate)
        if not matches:
            matches = _old_unit_matches(places, query, None, approximate)
            matches += _district_matches(places, query, approximate)
        if matches:
            return _narrow_by_accents(query, matches)
    return []
