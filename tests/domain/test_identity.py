"""Personal ID numbers, mobile numbers and tax codes as citizens type them."""

import pytest
from pydantic import BaseModel, ValidationError

from chalicelib.domain.identity import (
    MobileNumber,
    PersonalIdNumber,
    TaxCode,
    mask,
    normalize_mobile,
    normalize_personal_id,
    normalize_tax_code,
    personal_id_info,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("096090001234", "096090001234"),
        (" 096 090 001 234 ", "096090001234"),
        ("095-301-123456", "095301123456"),
        ("381234567", "381234567"),  # legacy 9-digit CMND
    ],
)
def test_personal_id_is_normalised(typed, expected):
    assert normalize_personal_id(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["", "09609000123", "0960900012345", "003090001234", "097090001234", "09609000123a"],
)
def test_invalid_personal_id_gives_none(typed):
    # 003 and 097 are not province codes; lengths other than 9 or 12 are not ID numbers.
    assert normalize_personal_id(typed) is None


def test_personal_id_encodes_province_sex_and_birth_year():
    info = personal_id_info("096305001234")
    assert (info.province_code, info.female, info.birth_year) == ("096", True, 2005)
    male_1990 = personal_id_info("095090001234")
    assert (male_1990.female, male_1990.birth_year) == (False, 1990)
    assert personal_id_info("381234567") is None


@pytest.mark.parametrize(
    "typed",
    [
        "0912345678",
        "0912 345 678",
        "+84912345678",
        "+84 912 345 678",
        "(+84) 91-234-5678",
        "84912345678",  # Zalo's form
        "091.234.5678",
    ],
)
def test_mobile_numbers_become_e164(typed):
    assert normalize_mobile(typed) == "+84912345678"


@pytest.mark.parametrize("first", ["3", "5", "7", "8", "9"])
def test_every_mobile_prefix_is_accepted(first):
    assert normalize_mobile(f"0{first}12345678") == f"+84{first}12345678"


@pytest.mark.parametrize(
    "typed",
    ["02903831121", "0112345678", "091234567", "09123456789", "912345678", "+85512345678", "abc"],
)
def test_non_mobile_numbers_give_none(typed):
    assert normalize_mobile(typed) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0100233488", "0100233488"),
        ("01.00.233.488", "0100233488"),
        ("0314409058-002", "0314409058-002"),
        ("0314409058002", "0314409058-002"),
    ],
)
def test_tax_codes_are_validated_and_formatted(typed, expected):
    assert normalize_tax_code(typed) == expected


@pytest.mark.parametrize("typed", ["0100233480", "12345", "0314409058-000", "abcdefghij"])
def test_invalid_tax_codes_give_none(typed):
    assert normalize_tax_code(typed) is None


class _Form(BaseModel):
    id_number: PersonalIdNumber | None = None
    phone: MobileNumber | None = None
    tax_code: TaxCode | None = None


def test_annotated_types_normalise_inside_models():
    form = _Form(id_number="096 090 001 234", phone="84912345678", tax_code="0314409058002")
    assert (form.id_number, form.phone, form.tax_code) == (
        "096090001234",
        "+84912345678",
        "0314409058-002",
    )


@pytest.mark.parametrize("field", ["id_number", "phone", "tax_code"])
def test_annotated_types_raise_validation_error_for_bad_values(field):
    with pytest.raises(ValidationError):
        _Form(**{field: "12"})


def test_mask_keeps_the_last_four_characters():
    assert mask("096090001234") == "********1234"
    assert mask("123") == "***"
