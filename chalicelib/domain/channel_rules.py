"""What the Zalo channel may take: rules kept as data (data/catalogue/channel-rules.json) with
their legal source beside them, applied to procedures here.

- A procedure of a vertically managed sector or run on a national system (police, tax, social
  insurance, business registration, VNeID) is not submitted through Zalo: the card gives the
  national portal or VNeID link instead.
- A procedure that needs the applicant in person (đăng ký kết hôn, nhận cha, mẹ, con) offers
  no postal pickup or delivery (Quyết định 45/2016/QĐ-TTg art. 1.2).

Pure: no I/O. Matching is accent-, case- and spacing-insensitive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.procedure import Procedure
from chalicelib.domain.vietnamese import fold


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    why: str
    source: str
    codes: tuple[str, ...] = ()
    agency_contains: tuple[str, ...] = ()
    field_names: tuple[str, ...] = ()
    name_contains: tuple[str, ...] = ()

    def matches(self, procedure: Procedure) -> bool:
        if procedure.code in self.codes:
            return True
        agencies = [fold(name) for name in procedure.agency_names]
        if any(fold(part) in agency for part in self.agency_contains for agency in agencies):
            return True
        if procedure.field_name and fold(procedure.field_name) in {
            fold(f) for f in self.field_names
        }:
            return True
        name = fold(procedure.name)
        return any(fold(part) in name for part in self.name_contains)


class NationalSystemRule(_Rule):
    """Procedures that are not submitted through Zalo; ``link`` is where they are filed."""

    link: str
    vertical: bool | None = None
    # Name fragments that place a procedure the national portal flags as vertical in this
    # sector (a national-list record has only its name and that flag).
    vertical_name_contains: tuple[str, ...] = ()

    def matches(self, procedure: Procedure) -> bool:
        if self.vertical is not None and procedure.vertical == self.vertical:
            return True
        if procedure.vertical:
            name = fold(procedure.name)
            if any(fold(part) in name for part in self.vertical_name_contains):
                return True
        return super().matches(procedure)


class InPersonRule(_Rule):
    """Procedures that need the applicant at the agency: no postal pickup or delivery."""


class ChannelRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    not_via_zalo: tuple[NationalSystemRule, ...] = ()
    in_person: tuple[InPersonRule, ...] = ()

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> ChannelRules:
        """From the decoded channel-rules.json ('_' keys are remarks)."""
        public = {k: v for k, v in document.items() if not str(k).startswith("_")}
        return cls.model_validate(public)

    def national_system(self, procedure: Procedure) -> NationalSystemRule | None:
        """The first not-via-Zalo rule ``procedure`` falls under, or None."""
        return next((r for r in self.not_via_zalo if r.matches(procedure)), None)

    def in_person_rule(self, procedure: Procedure) -> InPersonRule | None:
        """The first in-person rule ``procedure`` falls under, or None."""
        return next((r for r in self.in_person if r.matches(procedure)), None)

    def apply(self, procedure: Procedure) -> tuple[Procedure, list[str]]:
        """``procedure`` with the rules applied, and what its settings contradicted (one
        reason per rule, naming its source). Idempotent."""
        changes: dict[str, Any] = {}
        problems: list[str] = []
        system = self.national_system(procedure)
        if system is not None:
            if procedure.submit_via_zalo:
                problems.append(
                    f"submit_via_zalo is true but rule {system.id!r} forbids it ({system.source})"
                )
            changes.update(
                submit_via_zalo=False, national_system=system.id, national_system_url=system.link
            )
        presence = self.in_person_rule(procedure)
        if presence is not None:
            if procedure.postal_pickup_allowed or procedure.postal_delivery_allowed:
                problems.append(
                    f"postal service is allowed but rule {presence.id!r} requires the applicant "
                    f"in person ({presence.source})"
                )
            changes.update(
                postal_pickup_allowed=False, postal_delivery_allowed=False, in_person=True
            )
        return (procedure.model_copy(update=changes) if changes else procedure), problems

    def complies(self, procedure: Procedure) -> bool:
        """True when ``procedure`` breaks no rule (what the catalogue test asserts)."""
        if self.national_system(procedure) is not None and procedure.submit_via_zalo:
            return False
        postal = procedure.postal_pickup_allowed or procedure.postal_delivery_allowed
        return not (postal and self.in_person_rule(procedure) is not None)
