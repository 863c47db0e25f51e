"""Dossier codes (mã hồ sơ) and the status table."""

from datetime import date

import pytest

from chalicelib.domain.dossier import (
    DOSSIER_CODE_EXAMPLE,
    STATUS_OFFICIAL_NAMES,
    DossierStatus,
    InvalidDossierCode,
    code_receipt_date,
    find_code,
    format_code,
    normalize_code,
)

# What people type or paste -> the canonical code. Formats: Thông tư 01/2018/TT-VPCP (QCVN 102
# unit code, 4-digit sequence) and the national systems' short unit code (4-6 digit sequence).
TYPED_CODES = [
    ("000.00.17.H12-261118-0008", "000.00.17.H12-261118-0008"),  # commune centre, TT 01/2018
    ("000.00.00.H12-260105-0123", "000.00.00.H12-260105-0123"),  # provincial centre
    ("000.00.04.G12-251230-0001", "000.00.04.G12-251230-0001"),  # a ministry unit (G..)
    ("000.00.17.h12-261118-0008", "000.00.17.H12-261118-0008"),  # lower case
    ("000.00.17.H12 261118 0008", "000.00.17.H12-261118-0008"),  # spaces for dashes
    ("000.00.17.H12_261118_0008", "000.00.17.H12-261118-0008"),  # underscores
    ("000.00.17.H12/261118/0008", "000.00.17.H12-261118-0008"),  # slashes
    ("000,00,17,H12-261118-0008", "000.00.17.H12-261118-0008"),  # commas for dots
    ("000 00 17 H12 261118 0008", "000.00.17.H12-261118-0008"),  # spaces only
    ("0000017H122611180008", "000.00.17.H12-261118-0008"),  # no separators at all
    ("G22.99-251225-020175", "G22.99-251225-020175"),  # national system, 6-digit sequence
    ("g22.99 – 251225 – 020175", "G22.99-251225-020175"),  # en dashes, lower case
    ("G22.99-2512250201", "G22.99-251225-0201"),  # 4-digit sequence, no last dash
    ("H12.22-261118-0008", "H12.22-261118-0008"),  # short provincial unit code
    ("G01.010.005-260301-000123", "G01.010.005-260301-000123"),  # three-level unit code
]


@pytest.mark.parametrize(("typed", "canonical"), TYPED_CODES)
def test_every_code_format_is_normalised_the_same_way(typed, canonical):
    assert normalize_code(typed) == canonical
    assert normalize_code(canonical) == canonical  # idempotent
    assert find_code(f"Cho tôi hỏi hồ sơ {typed} ạ") == canonical


@pytest.mark.parametrize(
    "text",
    [
        "G22-251225-020175",  # no unit group
        "G22.99-251225-0201756",  # 7-digit sequence
        "G22.99-251232-020175",  # 32 December
        "G22.99-251225-020",  # 3-digit sequence
        "22.99-251225-020175",  # no level-1 letter
        "0912345678",
        "096090001234",
    ],
)
def test_near_misses_of_the_national_format_are_not_codes(text):
    assert normalize_code(text) is None
    assert find_code(text) is None


def test_find_code_skips_a_code_with_an_impossible_date_and_takes_the_next():
    text = "000.00.17.H12-260230-0001 hay 000.00.17.H12-260227-0001"
    assert find_code(text) == "000.00.17.H12-260227-0001"


def test_receipt_date_of_a_national_code():
    assert code_receipt_date("g22.99-251225-020175") == date(2025, 12, 25)


@pytest.mark.parametrize(
    "typed",
    [
        "000.00.17.H12-261126-0007",
        " 000.00.17.h12 - 261126-0007 ",
        "000.00.17.H12 – 261126 – 0007",  # en dashes pasted from a PDF
        "000. 00.17.H12-261126-0007\n",
    ],
)
def test_normalize_code_accepts_case_and_stray_spaces(typed):
    assert normalize_code(typed) == "000.00.17.H12-261126-0007"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "000.00.17.H12-261126-007",  # 3-digit sequence
        "000.00.17.H12-261326-0007",  # month 13
        "000.00.17.H12-260230-0007",  # 30 February
        "00.00.17.H12-261126-0007",
        "000.00.17.H12-261126-0007-1",
        "1.001193",
    ],
)
def test_normalize_code_returns_none_for_non_codes(text):
    assert normalize_code(text) is None


def test_normalize_code_is_idempotent():
    once = normalize_code(" 000.00.17.h12 - 261126-0007 ")
    assert normalize_code(once) == once


def test_example_code_is_a_valid_code():
    assert normalize_code(DOSSIER_CODE_EXAMPLE) == DOSSIER_CODE_EXAMPLE


def test_format_code_pads_the_sequence_and_uses_the_local_date():
    assert format_code("000.00.17.h12", date(2026, 11, 26), 7) == DOSSIER_CODE_EXAMPLE


@pytest.mark.parametrize("seq", [0, -1, 1_000_000])
def test_format_code_rejects_sequences_outside_1_to_999999(seq):
    with pytest.raises(InvalidDossierCode) as raised:
        format_code("000.00.17.H12", date(2026, 11, 26), seq)
    assert raised.value.code == "invalid_dossier_code"


def test_format_code_uses_more_digits_past_9999_and_the_code_stays_valid():
    code = format_code("000.00.17.H12", date(2026, 11, 26), 10000)
    assert code == "000.00.17.H12-261126-10000"
    assert normalize_code(code) == code
    assert normalize_code("000.00.17.H12-261126-999999") == "000.00.17.H12-261126-999999"
    assert normalize_code("000.00.17.H12-261126-00071") is None  # padded past 4: a typo


def test_format_code_rejects_a_bad_agency_code():
    with pytest.raises(InvalidDossierCode):
        format_code("H12", date(2026, 11, 26), 1)


def test_code_receipt_date_reads_the_date_part():
    assert code_receipt_date(DOSSIER_CODE_EXAMPLE) == date(2026, 11, 26)
    assert code_receipt_date("nonsense") is None


def test_statuses_are_1_to_10_with_official_names():
    assert [int(s) for s in DossierStatus] == list(range(1, 11))
    assert set(STATUS_OFFICIAL_NAMES) == set(DossierStatus)
    assert DossierStatus(5).official_name == "Yêu cầu bổ sung giấy tờ"
    assert DossierStatus(10).official_name == "Đã trả kết quả"
