"""Identity numbers citizens type: personal ID, mobile number, business tax code.

Convention, the same for every kind: ``normalize_*`` returns the canonical form or None when
the text is not a valid number of that kind (never raises on bad input, so chat code can ask
again); the ``Annotated`` types below (``PersonalIdNumber``, ``MobileNumber``, ``TaxCode``)
use the same functions inside pydantic models and raise ``ValueError`` there, which pydantic
reports as a ``ValidationError``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

# Province-of-birth codes printed in 12-digit ID numbers (Thông tư 07/2016/TT-BCA, 63 pre-2025
# provinces). Numbers issued before the 2025 merger keep these codes, so the list does not
# follow the new 34-province map. Cà Mau 096, Bạc Liêu 095.
_ID_PROVINCE_CODES = frozenset(
    f"{n:03d}"
    for n in (
        *(1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34),
        *(35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67),
        *(68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96),
    )
)
_SEPARATORS = re.compile(r"[\s.\-()/]+")
_MOBILE_FIRST_DIGITS = frozenset("35789")


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text.strip())


class PersonalIdInfo(BaseModel):
    """What a 12-digit ID number encodes. Immutable."""

    model_config = ConfigDict(frozen=True)

    number: str
    province_code: str
    female: bool
    birth_year: int


def normalize_personal_id(text: str) -> str | None:
    """A 12-digit personal ID (căn cước) or a legacy 9-digit CMND, digits only; else None.

    Spaces, dots and dashes are ignored. A 12-digit number must start with a known
    province-of-birth code; the rest has no check digit, so a typo inside it cannot be caught.
    """
    digits = _compact(text)
    if not digits.isdigit():
        return None
    if len(digits) == 9:
        return digits
    if len(digits) == 12 and digits[:3] in _ID_PROVINCE_CODES:
        return digits
    return None


def personal_id_info(number: str) -> PersonalIdInfo | None:
    """Province code, sex and birth year of a 12-digit ID number; None for anything else.

    The 4th digit encodes century and sex: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s...
    """
    normalized = normalize_personal_id(number)
    if normalized is None or len(normalized) != 12:
        return None
    century_sex = int(normalized[3])
    return PersonalIdInfo(
        number=normalized,
        province_code=normalized[:3],
        female=century_sex % 2 == 1,
        birth_year=1900 + (century_sex // 2) * 100 + int(normalized[4:6]),
    )


def normalize_mobile(text: str) -> str | None:
    """A Vietnamese mobile number in E.164 (``+84912345678``), or None.

    Accepts ``0912 345 678``, ``+84 912 345 678``, ``(+84) 91-234-5678`` and Zalo's ``84912345678``:
    a national prefix then 9 digits whose first is 3, 5, 7, 8 or 9.
    """
    compact = _compact(text)
    if compact.startswith("+84"):
        rest = compact[3:]
    elif compact.startswith("84") and len(compact) == 11:
        rest = compact[2:]
    elif compact.startswith("0"):
        rest = compact[1:]
    else:
        return None
    if len(rest) != 9 or not rest.isdigit() or rest[0] not in _MOBILE_FIRST_DIGITS:
        return None
    return "+84" + rest


def normalize_tax_code(text: str) -> str | None:
    """A business tax code (mã số thuế) in its standard form, or None.

    10 digits with a valid check digit, or a 13-digit branch code written ``##########-###``.
    Validation is python-stdnum's ``stdnum.vn.mst``.
    """
    # stdnum costs ~80 ms to import; most requests never see a tax code.
    from stdnum.exceptions import ValidationError
    from stdnum.vn import mst

    try:
        return mst.format(mst.validate(text))
    except ValidationError:
        return None


def _require(normalizer: Callable[[str], str | None], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        normalized = normalizer(value)
        if normalized is None:
            raise ValueError(f"not a valid {what}")
        return normalized

    return check


PersonalIdNumber = Annotated[str, AfterValidator(_require(normalize_personal_id, "ID number"))]
MobileNumber = Annotated[str, AfterValidator(_require(normalize_mobile, "mobile number"))]
TaxCode = Annotated[str, AfterValidator(_require(normalize_tax_code, "tax code"))]


def mask(value: str, visible: int = 4) -> str:
    """``value`` with all but its last ``visible`` characters replaced by '*', for display."""
    if len(value) <= visible:
        return "*" * len(value)
    return "*" * (len(value) - visible) + value[-visible:]
