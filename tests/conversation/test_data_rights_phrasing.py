"""How citizens ask for their data (issue 15), typed any way: seeing it, a copy, erasing it; an
erasure request is never read as anything else."""

from __future__ import annotations

import pytest

from chalicelib.conversation.flows import classify
from chalicelib.conversation.flows.privacy import EXPORT_MY_DATA, MY_DATA
from chalicelib.conversation.intents import Intent

PHRASINGS = [
    ("Dữ liệu của tôi", MY_DATA),
    ("du lieu cua toi", MY_DATA),
    ("XEM DU LIEU CA NHAN", MY_DATA),
    ("he thong luu gi ve toi vay", MY_DATA),
    ("thông tin của tôi", MY_DATA),
    ("xuất dữ liệu", EXPORT_MY_DATA),
    ("xuat du lieu cua toi", EXPORT_MY_DATA),
    ("tai du lieu ca nhan", EXPORT_MY_DATA),
    ("cho toi ban sao du lieu", EXPORT_MY_DATA),
    ("xóa dữ liệu của tôi", Intent.DELETE_MY_DATA),
    ("xoa du lieu ca nhan cua toi", Intent.DELETE_MY_DATA),
    ("xoa thong tin cua toi", Intent.DELETE_MY_DATA),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS)
def test_data_rights_requests_are_understood(text: str, expected: str) -> None:
    assert classify(text).intent == expected
