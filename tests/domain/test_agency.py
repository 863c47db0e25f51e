"""Agencies: today's wording of the implementing agency named in national records."""

import pytest

from chalicelib.domain.agency import current_agency_name


@pytest.mark.parametrize(
    ("recorded", "today"),
    [
        ("Ủy ban Nhân dân xã, phường, thị trấn.", "Ủy ban nhân dân xã, phường"),
        ("Ủy ban nhân dân cấp xã", "Ủy ban nhân dân xã, phường"),
        ("Công an cấp Xã", "Công an xã, phường"),
        ("Công an tỉnh", "Công an tỉnh"),
        ("Sở Tư pháp", "Sở Tư pháp"),
        ("  Văn phòng Đăng ký đất đai  ", "Văn phòng Đăng ký đất đai"),
    ],
)
def test_current_agency_name(recorded, today):
    assert current_agency_name(recorded) == today
    assert "thị trấn" not in current_agency_name(recorded)
