"""Agencies that receive and process dossiers (cơ quan, đơn vị).

Agency codes follow QCVN 102:2016 (``000.00.17.H12``). They are data, loaded from the
catalogue, never constants in code: Cà Mau's level-1 code is itself an inference.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, field_validator

from chalicelib.domain.vietnamese import fold

# V1V2V3.Z1Z2.Y1Y2.MX1X2: three digits, two, two, then a letter and two digits (H12, G15...).
AGENCY_CODE_PATTERN = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")


class AgencyLevel(StrEnum):
    """Administrative level. ``district`` exists only for records from before 1 July 2025."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"

    @classmethod
    def from_vietnamese(cls, text: str) -> AgencyLevel | None:
        """Map 'Cấp tỉnh' / 'Cấp huyện' / 'Cấp xã' (any case or accents) to a level, else None."""
        folded = fold(text)
        for marker, level in (("tinh", cls.PROVINCE), ("huyen", cls.DISTRICT), ("xa", cls.COMMUNE)):
            if marker in folded.split():
                return level
        return None


# Agency wording of national records that predates 1 July 2025 (two-level local government:
# no district level, no "thị trấn"). Matched on folded text; the replacement is today's name.
_CURRENT_NAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^uy ban nhan dan (cap xa|xa phuong thi tran|xa phuong)$"),
        "Ủy ban nhân dân xã, phường",
    ),
    (re.compile(r"^cong an (cap xa|xa phuong thi tran|xa phuong)$"), "Công an xã, phường"),
    (re.compile(r"^cong an (cap tinh|tinh)$"), "Công an tỉnh"),
)


def current_agency_name(name: str) -> str:
    """``name`` from a national record in today's wording ("Ủy ban Nhân dân xã, phường, thị
    trấn." -> "Ủy ban nhân dân xã, phường"; "Công an cấp Xã" -> "Công an xã, phường"); any
    other name is returned trimmed, unchanged."""
    folded = fold(name)
    for pattern, current in _CURRENT_NAMES:
        if pattern.match(folded):
            return current
    return " ".join(name.split()).rstrip(".")


def normalize_agency_code(text: str) -> str | None:
    """``text`` as a canonical QCVN 102 agency code (upper case, no spaces), or None."""
    candidate = re.sub(r"\s+", "", text).upper()
    return candidate if AGENCY_CODE_PATTERN.match(candidate) else None


def canonical_agency_code(value: str) -> str:
    """:func:`normalize_agency_code` for model validators: raises ValueError when invalid."""
    canonical = normalize_agency_code(value)
    if canonical is None:
        raise ValueError(f"not a QCVN 102 agency code: {value!r}")
    return canonical


class Agency(BaseModel):
    """One agency. Immutable; equality is by value."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    level: AgencyLevel
    parent_code: str | None = None
    address: str = ""
    phone: str = ""
    working_hours: str = ""
    # 5-digit national administrative-unit code (Quyết định 19/2025/QĐ-TTg) for the People's
    # Committee of a commune or ward; the postal provider needs it for addresses.
    administrative_unit_code: str | None = None

    @field_validator("code", "parent_code")
    @classmethod
    def _canonical_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = normalize_agency_code(value)
        if code is None:
            raise ValueError(f"not a QCVN 102 agency code: {value!r}")
        return code

    @field_validator("name")
    @classmethod
    def _non_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()


class ReceivingUnit(BaseModel):
    """Where citizens file dossiers and collect results (bộ phận tiếp nhận và trả kết quả):
    the provincial Public Administration Service Centre or a commune-level one (Nghị định
    118/2025). ``commune_code`` is the commune's 5-digit national code (None for the
    province). ``sample`` names the fields whose values are placeholders; an empty ``phone``
    means unknown."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    level: AgencyLevel
    commune_code: str | None = None
    # The QCVN 102 code of the agency a dossier filed here is received by (its code prefix).
    agency_code: str | None = None
    address: str = ""
    phone: str = ""
    working_hours: str = ""
    sample: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()

    def is_sample(self, field: str) -> bool:
        """True when ``field`` ("address", "phone", "working_hours") holds a placeholder."""
        return field in self.sample
