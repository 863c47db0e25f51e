"""Masking personal data out of a text before it is published (the public FAQ, issue 14).

Two layers, both applied by :func:`mask_personal_data`:

1. the sender's own known data (name, phone, ID number, address, e-mail), found with or without
   diacritics, in any case, with any spacing or separators between digits;
2. patterns that look like personal data whoever it belongs to: e-mail addresses, Vietnamese
   phone numbers (``0912 345 678``, ``+84 91-234-5678``, landlines ``0290 3 822 822``), ID
   numbers (9 or 12 digits, also in groups of three), tax codes (10 or 13 digits), dossier
   codes (they lead to one applicant) and street addresses (a house number with its street:
   ``số 12 đường Lý Thường Kiệt``, ``12/3 Nguyễn Trãi``, ``hẻm 45``).

No pattern finds every Vietnamese name: an officer reads and approves the masked text before
anything is published (``POST /integration/v1/feedback/{ref}/publish``). Pure Python.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MASK = "***"

_DIGIT_SEP = r"[\s.\-]?"
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
_DOSSIER_CODE = re.compile(
    r"\b\d{3}\s*\.\s*\d{2}\s*\.\s*\d{2}\s*\.\s*[A-Za-z]\d{2}\s*-\s*\d{6}\s*-\s*\d{4,}\b"
)
# A phone: +84 / 84 / 0 then 8 to 10 more digits, separators allowed between digits.
_PHONE = re.compile(r"(?<![\w+])(?:\(?\+84\)?|84|0)[\s.\-]?\d(?:[\s.\-]?\d){7,9}(?![\d])")
# ID numbers and tax codes: 9, 10, 12 or 13 digits written together, or in groups of 3/4
# separated by spaces ("096 201 001 234"), or a branch tax code ##########-###.
_ID_NUMBER = re.compile(
    r"(?<![\w.,])"
    r"(?:\d{10}-\d{3}|\d{12,13}|\d{9,10}|\d{3}(?: \d{3}){2,3}|\d{4}(?: \d{4}){2})"
    r"(?![\w])"
)
# A house number with its street or alley: "số 12", "số nhà 12A", "12/3/4", "hẻm 45", "ngõ 7",
# optionally followed by "đường|phố X Y Z" (capitalised words).
_STREET_WORDS = r"(?:đường|duong|phố|pho|đ\.)"
_NAME_WORD = r"[A-ZÀ-Ỹ][\wÀ-ỹ]*"
_HOUSE = re.compile(
    r"(?i:\b(?:số\s+nhà|so\s+nha|nhà\s+số|nha\s+so|số|so|hẻm|hem|kiệt|kiet|ngõ|ngo|ngách|ngach)"
    r"\s*\d+[A-Za-z]?(?:/\d+[A-Za-z]?)*)"
    r"(?:\s*,?\s*(?i:" + _STREET_WORDS + r")\s+" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,4})?"
)
_SLASH_NUMBER = re.compile(  # "23/4 Nguyễn Trãi": a house number needs its street (not a date)
    r"\b\d{1,4}[A-Za-z]?(?:/\d{1,3}[A-Za-z]?)+\s+(?:(?i:"
    + _STREET_WORDS
    + r")\s+)?"
    + _NAME_WORD
    + r"(?:\s+"
    + _NAME_WORD
    + r"){0,4}"
)
_NUMBER_STREET = re.compile(
    r"\b\d+[A-Za-z]?\s+(?i:"
    + _STREET_WORDS
    + r")\s+"
    + _NAME_WORD
    + r"(?:\s+"
    + _NAME_WORD
    + r"){0,4}"
)


def _fold_char(ch: str) -> str:
    """One character folded to one character: lower-case ASCII letter or digit, else a space."""
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if base.isascii() and base.isalnum() else " "


def _spans_of_words(text: str, needle: str) -> list[tuple[int, int]]:
    """Where the words of ``needle`` stand together in ``text``, whatever the diacritics, case
    and punctuation between them (positions in ``text``)."""
    words = "".join(_fold_char(c) for c in needle).split()
    if not words:
        return []
    folded = "".join(_fold_char(c) for c in text)  # same length as text: one char each
    pattern = re.compile(r"(?<![a-z0-9])" + r"\s+".join(map(re.escape, words)) + r"(?![a-z0-9])")
    return [(m.start(), m.end()) for m in pattern.finditer(folded)]


def _digit_spans(text: str, digits: str) -> list[tuple[int, int]]:
    """Where the digit string ``digits`` is written in ``text`` with optional separators."""
    if len(digits) < 6:
        return []
    pattern = re.compile(r"(?<!\d)" + _DIGIT_SEP.join(digits) + r"(?!\d)")
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _phone_variants(phone: str) -> list[str]:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("84") and len(digits) >= 11:
        return [digits, "0" + digits[2:], digits[2:]]
    if digits.startswith("0"):
        return [digits, "84" + digits[1:], digits[1:]]
    return [digits]


def _known_spans(text: str, known: Iterable[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for value in known:
        value = (value or "").strip()
        if not value:
            continue
        compact = re.sub(r"[\s.\-()+]", "", value)
        if compact.isdigit():  # a phone, an ID number, a tax code
            for variant in _phone_variants(compact):
                spans += _digit_spans(text, variant)
            continue
        if "@" in value:
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(value), text, re.I)]
            continue
        spans += _spans_of_words(text, value)
        parts = [p.strip() for p in value.split(",") if p.strip()]
        # an address: its first part (house and street) on its own
        if len(parts) > 1 and (any(ch.isdigit() for ch in parts[0]) or len(parts[0].split()) >= 2):
            spans += _spans_of_words(text, parts[0])
        names = value.split()
        if len(parts) == 1 and len(names) >= 3:  # a full name: the given names on their own
            spans += _spans_of_words(text, " ".join(names[-2:]))
    return spans


def _pattern_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for pattern in (
        _EMAIL,
        _DOSSIER_CODE,
        _PHONE,
        _ID_NUMBER,
        _HOUSE,
        _SLASH_NUMBER,
        _NUMBER_STREET,
    ):
        spans += [(m.start(), m.end()) for m in pattern.finditer(text)]
    return spans


def mask_personal_data(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with the sender's ``known`` values and personal-data patterns replaced by
    :data:`MASK` (overlapping finds merged into one mask)."""
    spans = sorted(_known_spans(text, known) + _pattern_spans(text))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        # keep the spaces around a masked run
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            continue
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out)


def has_personal_data(text: str, known: Iterable[str] = ()) -> bool:
    """Whether :func:`mask_personal_data` would change ``text``."""
    return mask_personal_data(text, known) != text
