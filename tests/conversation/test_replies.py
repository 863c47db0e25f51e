"""Fitting replies into Zalo's limits: 2,000 characters per text, 5 buttons per message."""

from __future__ import annotations

import pytest

from chalicelib.conversation.model import Button, Reply
from chalicelib.conversation.replies import compose, page_buttons, short_title, split_text


def test_a_5000_character_reply_goes_out_as_three_messages() -> None:
    text = "\n".join("x" * 99 for _ in range(50))  # 50 lines of 100 chars with newlines
    assert len(text) == 4999
    replies = compose(text + "y")
    assert len(replies) == 3
    assert all(len(r.text) <= 2000 for r in replies)


def test_split_breaks_at_line_boundaries_and_loses_nothing() -> None:
    lines = [f"Dòng số {i}: " + "nội dung " * 20 for i in range(40)]
    text = "\n".join(lines)
    pieces = split_text(text)
    assert len(pieces) > 1
    assert "\n".join(pieces) == text
    for piece in pieces:
        assert len(piece) <= 2000
        assert all(line in lines for line in piece.split("\n"))


def test_a_line_longer_than_the_limit_breaks_between_words() -> None:
    words = [f"từ{i}" for i in range(600)]
    line = " ".join(words)
    pieces = split_text(line, limit=500)
    assert all(len(p) <= 500 for p in pieces)
    assert " ".join(pieces).split(" ") == words  # no word was cut


def test_only_a_word_longer_than_the_limit_is_cut() -> None:
    pieces = split_text("a " + "b" * 25 + " c", limit=10)
    assert all(len(p) <= 10 for p in pieces)
    assert "".join(pieces).replace(" ", "") == "a" + "b" * 25 + "c"


def test_short_text_is_one_piece_and_blank_text_none() -> None:
    assert split_text("Xin chào") == ["Xin chào"]
    assert split_text("  \n ") == []


def test_buttons_go_on_the_last_message_of_a_split_reply() -> None:
    button = Button(title="Menu", payload="#menu")
    replies = compose("a\n" * 1500, [button])
    assert [r.buttons for r in replies] == [[], [button]]


def test_compose_refuses_more_than_five_buttons() -> None:
    buttons = [Button(title=str(i), payload=f"#proc:{i}") for i in range(6)]
    with pytest.raises(ValueError, match="5 buttons"):
        compose("x", buttons)


def test_reply_model_enforces_zalo_limits() -> None:
    with pytest.raises(ValueError):
        Reply(text="x" * 2001)
    with pytest.raises(ValueError):
        Reply(text="x", buttons=[Button(title="b", payload="#menu")] * 6)
    with pytest.raises(ValueError):
        Button(title="b", payload="#" * 1001)


BUTTONS = [Button(title=f"Mục {i}", payload=f"#flow:{i}") for i in range(7)]


def test_five_or_fewer_buttons_fit_on_one_page() -> None:
    assert page_buttons(BUTTONS[:5], "menu") == BUTTONS[:5]


def test_more_than_five_buttons_page_with_xem_them_as_the_fifth() -> None:
    first = page_buttons(BUTTONS, "menu", 0)
    assert first[:4] == BUTTONS[:4]
    assert len(first) == 5
    assert first[4].title == "Xem thêm"
    assert first[4].payload == "#more:menu:1"
    assert page_buttons(BUTTONS, "menu", 1) == BUTTONS[4:]
    assert page_buttons(BUTTONS, "menu", 2) == []


def test_long_menus_page_repeatedly() -> None:
    many = [Button(title=f"Mục {i}", payload=f"#proc:{i}") for i in range(12)]
    seen: list[Button] = []
    page = 0
    while shown := page_buttons(many, "big", page):
        assert len(shown) <= 5
        seen += [b for b in shown if b.title != "Xem thêm"]
        page += 1
    assert seen == many


def test_short_title_cuts_at_a_word_with_an_ellipsis() -> None:
    assert short_title("Tra cứu hồ sơ") == "Tra cứu hồ sơ"
    title = short_title("1. Đăng ký khai sinh có yếu tố nước ngoài")
    assert len(title) <= 20
    assert title.endswith("…")
    assert title.startswith("1. Đăng ký khai")
