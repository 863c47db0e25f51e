"""Dossier codes (mã hồ sơ) and the status table."""

from datetime import date

import pytest

from chalicelib.domain.dossier import (
    DOSSIER_CODE_EXAMPLE,
    STATUS_OFFICIAL_NAMES,
    DossierStatus,
    InvalidDossierCode,
    code_receipt_date,
    format_code,
    normalize_code,
)


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


@pytest.mark.parametrize("seq", [0, -1])
def test_format_code_rejects_sequences_below_1(seq):
    with pytest.raises(InvalidDossierCode) as raised:
        format_code("000.00.17.H12", date(2026, 11, 26), seq)
    assert raised.value.code == "invalid_dossier_code"


def test_format_code_uses_more_digits_past_9999_and_the_code_stays_valid():
    code = format_code("000.00.17.H12", date(2026, 11, 26), 10000)
    assert code == "000.00.17.H12-261126-10000"
    assert normalize_code(code) == code


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
