"""Fitting replies into Zalo's limits: 2,000 characters per text, 5 buttons per message.

:func:`compose` is the one way the engine turns a logical reply (any length, any number of
buttons already paged with :func:`page_buttons`) into :class:`Reply` messages.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.conversation import commands, texts
from chalicelib.conversation.model import Button, Reply
from chalicelib.zalo.limits import MAX_BUTTONS, MAX_TEXT_CHARS


def split_text(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters.

    Pieces break at line boundaries; a single line longer than ``limit`` breaks between
    words, and only a word longer than ``limit`` is cut. The newline at a break is dropped;
    empty pieces are never returned. Joining the pieces with newlines gives back the text
    whenever no line had to be broken.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    if len(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _split_line(line, limit):
            candidate = f"{current}\n{part}" if current else part
            if len(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    pieces.append(current)
                current = part
    if current.strip():
        pieces.append(current)
    return pieces


def _split_line(line: str, limit: int) -> list[str]:
    if len(line) <= limit:
        return [line]
    parts: list[str] = []
    current = ""
    for word in line.split(" "):
        while len(word) > limit:  # only a word longer than a whole message is ever cut
            if current:
                parts.append(current)
                current = ""
            parts.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = word
    if current:
        parts.append(current)
    return parts


def page_buttons(buttons: Sequence[Button], menu: str, page: int = 0) -> list[Button]:
    """The buttons for page ``page`` of a menu, at most 5.

    When the remaining buttons do not fit, the page holds 4 of them and a 5th "Xem thêm"
    button whose payload is ``#more:<menu>:<page + 1>``. An out-of-range page is empty.
    """
    per_page = MAX_BUTTONS - 1
    start = page * per_page
    if page < 0 or start >= len(buttons):
        return []
    rest = list(buttons[start:])
    if len(rest) <= MAX_BUTTONS:
        return rest
    more = Button(title=texts.MORE_BUTTON, payload=commands.build("more", menu, page + 1))
    return [*rest[:per_page], more]


def compose(text: str, buttons: Sequence[Button] = ()) -> list[Reply]:
    """One logical reply as Zalo messages: the text split to fit, buttons on the last one.
    Raises ValueError if given more than 5 buttons (page them first)."""
    if len(buttons) > MAX_BUTTONS:
        raise ValueError("more than 5 buttons: use page_buttons")
    pieces = split_text(text) or [texts.EMPTY_FALLBACK]
    replies = [Reply(text=piece) for piece in pieces[:-1]]
    replies.append(Reply(text=pieces[-1], buttons=list(buttons)))
    return replies


def short_title(title: str, limit: int = 20) -> str:
    """A button title cut to ``limit`` characters at a word boundary, with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:-") + "…"
