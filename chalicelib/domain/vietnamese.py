"""Vietnamese text folding shared by search and intent matching.

Citizens type with or without diacritics, in any case, with stray spaces. Everything
that compares what they type with known words goes through :func:`fold`, so the
comparison is accent-, case- and spacing-insensitive in one place.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case ASCII form of ``text``: diacritics removed, ``đ`` -> ``d``,
    punctuation turned into single spaces, trimmed. Idempotent."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.lower()).strip()


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    folded = fold(text)
    return folded.split() if folded else []
