"""Masking personal data before publication: a table of Vietnamese examples."""

from __future__ import annotations

import pytest

from chalicelib.domain.masking import MASK, has_personal_data, mask_personal_data

SENDER = (
    "Nguyễn Văn An",
    "+84912345678",
    "096201001234",
    "Số 12 đường Lý Thường Kiệt, phường An Xuyên, Cà Mau",
    "an.nguyen@gmail.com",
)

# (text, expected after masking) with the sender's known data above.
TABLE = [
    # the sender's own data, with or without diacritics, any case
    ("Tôi là Nguyễn Văn An, hỏi về khai sinh", f"Tôi là {MASK}, hỏi về khai sinh"),
    ("toi la nguyen van an hoi ve khai sinh", f"toi la {MASK} hoi ve khai sinh"),
    ("NGUYỄN VĂN AN xin hỏi", f"{MASK} xin hỏi"),
    ("anh Văn An ở phường", f"anh {MASK} ở phường"),
    ("gọi 0912 345 678 giúp", f"gọi {MASK} giúp"),
    ("gọi 0912.345.678 giúp", f"gọi {MASK} giúp"),
    ("gọi +84 912 345 678 giúp", f"gọi {MASK} giúp"),
    ("số CCCD 096201001234 của tôi", f"số CCCD {MASK} của tôi"),
    ("nhà ở so 12 duong ly thuong kiet nhé", f"nhà ở {MASK} nhé"),
    ("mail an.nguyen@gmail.com nhé", f"mail {MASK} nhé"),
    # anyone's data, by pattern
    ("liên hệ chị Lan 0987-654-321", f"liên hệ chị Lan {MASK}"),
    ("số máy bàn 0290 3 822 822", f"số máy bàn {MASK}"),
    ("(+84) 98 765 4321 là số tôi", f"{MASK} là số tôi"),
    ("CMND cũ 381234567", f"CMND cũ {MASK}"),
    ("căn cước 096 190 000 002", f"căn cước {MASK}"),
    ("mã số thuế 0312345678-001", f"mã số thuế {MASK}"),
    ("email tran.b@camau.gov.vn hỏi", f"email {MASK} hỏi"),
    ("hồ sơ 000.00.17.H12-261118-0008 chậm", f"hồ sơ {MASK} chậm"),
    ("nhà số 45 đường Trần Hưng Đạo bị ngập", f"{MASK} bị ngập"),
    ("hẻm 12 Phan Ngọc Hiển có ổ gà", f"{MASK} Phan Ngọc Hiển có ổ gà"),
    ("đến 23/4 Nguyễn Trãi hỏi", f"đến {MASK} hỏi"),
    ("ở 78 đường Ngô Quyền, phường 9", f"ở {MASK}, phường 9"),
    # what is not personal data stays
    ("Lệ phí 100.000 đồng, nộp ngày 26/11/2026", "Lệ phí 100.000 đồng, nộp ngày 26/11/2026"),
    ("Thủ tục 1.001193 cần 2 bản sao", "Thủ tục 1.001193 cần 2 bản sao"),
    ("Đường Nguyễn Tất Thành bị ngập khi mưa", "Đường Nguyễn Tất Thành bị ngập khi mưa"),
    ("Giờ làm việc từ 7 giờ đến 17 giờ", "Giờ làm việc từ 7 giờ đến 17 giờ"),
    ("An toàn giao thông", "An toàn giao thông"),
]


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_masking_table(text: str, expected: str) -> None:
    assert mask_personal_data(text, SENDER) == expected


def test_nothing_known_still_masks_patterns() -> None:
    assert mask_personal_data("gọi 0912345678") == f"gọi {MASK}"
    assert has_personal_data("gọi 0912345678")
    assert not has_personal_data("Thủ tục khai sinh mất bao lâu?")
