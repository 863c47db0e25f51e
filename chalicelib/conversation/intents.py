"""Free-text understanding: what a citizen's message asks for.

A deliberately small, explainable matcher (no ML):

1. The text is folded (:func:`chalicelib.domain.vietnamese.fold`: no diacritics, lower case,
   punctuation to spaces) and common abbreviations are expanded (``hs`` -> ``ho so``).
2. Every phrase of the table (:data:`GLOBAL_PHRASES`, then each flow's own, gathered by the
   flow registry into one :class:`Classifier`) is looked for as a run of words. A word of 4
   or more letters may differ from the phrase's word by one edit; a whole phrase of 8 or more
   characters may differ by one edit from the typed words (catches ``trs cuu ho so``).
3. The longest matching phrase wins (exact before fuzzy, then table order). Command-like
   intents (cancel, menu, consent, ...) only count in short messages, so a long feedback text
   that mentions "hủy" does not cancel anything.

A dossier code anywhere in the text means DOSSIER_LOOKUP; a national procedure code such as
``1.001193`` means PROCEDURE_LOOKUP.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.dossier import find_code
from chalicelib.domain.vietnamese import fold


class Intent(StrEnum):
    """Intents the engine or today's flows know by name. An intent is any string: a new flow
    may use its own name in its :class:`Phrases` instead of adding a member here."""

    MENU = "menu"
    HELP = "help"
    CANCEL = "cancel"
    SUBMIT = "submit"
    DOSSIER_LOOKUP = "dossier_lookup"
    MY_DOSSIERS = "my_dossiers"
    PROCEDURE_LOOKUP = "procedure_lookup"
    FEEDBACK = "feedback"
    POSTAL = "postal"
    GREETING = "greeting"
    THANKS = "thanks"
    AGREE = "agree"
    DECLINE = "decline"
    DELETE_MY_DATA = "delete_my_data"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Understanding:
    intent: str  # an Intent member, or a flow's own intent name
    dossier_code: str | None = None  # canonical, e.g. 000.00.17.H12-261126-0007
    procedure_code: str | None = None  # e.g. 1.001193
    remainder: str = ""  # folded words left after removing the matched phrase and filler


_PROCEDURE_CODE = re.compile(r"(?<![\w.])([12])\s*\.\s*(\d{6})(?![\w])")


@dataclass(frozen=True, slots=True)
class Phrases:
    """Phrases that mean ``intent``. ``short`` phrases only count when the message has at most
    two more words than the phrase (command-like requests). Phrases are folded words."""

    intent: str
    short: bool
    phrases: tuple[str, ...]


# The global phrases; every flow declares its own (chalicelib.conversation.flows), and the
# registry puts them after these. Order breaks ties between equally long matches.
# fmt: off
GLOBAL_PHRASES: tuple[Phrases, ...] = (
    Phrases(Intent.CANCEL, True, (
        "huy", "huy bo", "thoat", "thoat ra", "dung lai", "thoi", "cancel", "stop", "exit",
        "bo qua", "khong lam nua")),
    Phrases(Intent.MENU, True, (
        "menu", "menu chinh", "danh muc", "trang chu", "bat dau", "start", "quay lai",
        "chuc nang")),
    Phrases(Intent.HELP, True, (
        "help", "tro giup", "giup", "giup do", "huong dan", "ho tro", "cach dung",
        "cach su dung")),
    Phrases(Intent.GREETING, True, ("xin chao", "chao", "hello", "hi", "alo", "chao ban")),
    Phrases(Intent.THANKS, True, (
        "cam on", "cam on nhieu", "xin cam on", "thank", "thanks", "thank you", "tam biet",
        "bye", "ok cam on")),
)

_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "hs": ("ho", "so"), "hoso": ("ho", "so"), "hso": ("ho", "so"),
    "tthc": ("thu", "tuc"), "thutuc": ("thu", "tuc"),
    "tracuu": ("tra", "cuu"), "tc": ("tra", "cuu"),
    "pakn": ("phan", "anh", "kien", "nghi"), "phananh": ("phan", "anh"),
    "kiennghi": ("kien", "nghi"), "gopy": ("gop", "y"), "hoidap": ("hoi", "dap"),
    "dk": ("dang", "ky"), "dky": ("dang", "ky"), "dangky": ("dang", "ky"),
    "ko": ("khong",), "k": ("khong",), "kh": ("khong",), "khg": ("khong",),
    "kg": ("khong",), "hok": ("khong",),
    "dongy": ("dong", "y"), "dl": ("du", "lieu"), "trogiup": ("tro", "giup"),
    "buudien": ("buu", "dien"), "vnpost": ("buu", "chinh"), "xinchao": ("xin", "chao"),
    "camon": ("cam", "on"), "cmon": ("cam", "on"), "tks": ("thanks",), "thank": ("thanks",),
}

# Words dropped from what is left over, so "tôi muốn hỏi thủ tục khai sinh" searches
# "khai sinh". Only words that never carry meaning in a procedure name ("can" is căn cước).
_FILLER = frozenset({
    "toi", "em", "muon", "xin", "hoi", "a", "gi", "oi", "ad", "admin", "vui", "long", "biet",
    "nhu", "nao", "nhe", "voi", "duoc", "khong", "ah", "nha",
})
# fmt: on

_MAX_WORDS = 40  # longer texts are content, not requests; only their start is classified
_SHORT_SLACK = 2
_FUZZY_WORD_MIN = 5  # four letters is a whole syllable: "than" (thân) is no typo of "thank"
_FUZZY_PHRASE_MIN = 8


def find_dossier_code(text: str) -> str | None:
    """The first dossier code in ``text``, canonical (the domain's one parser, every format)."""
    return find_code(text)


def find_procedure_code(text: str) -> str | None:
    """The first national procedure code (``1.001193`` / ``2.000123``) in ``text``."""
    match = _PROCEDURE_CODE.search(text)
    return f"{match.group(1)}.{match.group(2)}" if match else None


class Classifier:
    """Understands messages against one phrase table (the global phrases and every flow's,
    built by the flow registry). Immutable; safe to share."""

    def __init__(self, table: Sequence[Phrases]) -> None:
        self._table = tuple(table)

    def classify(self, text: str | None) -> Understanding:
        """Understand one message. Never raises; empty or unmatched text is UNKNOWN."""
        if not text:
            return Understanding(Intent.UNKNOWN)
        code = find_dossier_code(text)
        if code:
            return Understanding(Intent.DOSSIER_LOOKUP, dossier_code=code)
        procedure_code = find_procedure_code(text)
        if procedure_code:
            return Understanding(Intent.PROCEDURE_LOOKUP, procedure_code=procedure_code)
        tokens = _tokens(text)
        intent = self._best_intent(tokens)
        if intent is None:
            return Understanding(Intent.UNKNOWN, remainder=_remainder(tokens, set()))
        return Understanding(intent, remainder=_remainder(tokens, self._spans_of(intent, tokens)))

    def _spans_of(self, intent: str, tokens: list[str]) -> set[int]:
        """Positions of every word covered by any phrase of ``intent``."""
        used: set[int] = set()
        for group in self._table:
            if group.intent != intent:
                continue
            for phrase in group.phrases:
                found = _find(phrase.split(), phrase, tokens)
                if found:
                    used.update(range(found[0], found[1]))
        return used

    def _best_intent(self, tokens: list[str]) -> str | None:
        """The intent of the best phrase match in ``tokens``, or None."""
        best_key: tuple[int, int, int] | None = None
        best: str | None = None
        order = 0
        for group in self._table:
            for phrase in group.phrases:
                order += 1
                words = phrase.split()
                if group.short and len(tokens) > len(words) + _SHORT_SLACK:
                    continue
                found = _find(words, phrase, tokens)
                if found is None:
                    continue
                key = (len(phrase), 1 if found[2] else 0, -order)
                if best_key is None or key > best_key:
                    best_key, best = key, group.intent
        return best


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for word in fold(text).split()[:_MAX_WORDS]:
        out.extend(_ABBREVIATIONS.get(word, (word,)))
    return out


def _remainder(tokens: list[str], used: set[int]) -> str:
    kept = [t for i, t in enumerate(tokens) if i not in used and t not in _FILLER]
    return " ".join(kept)


def _find(words: list[str], phrase: str, tokens: list[str]) -> tuple[int, int, bool] | None:
    n = len(words)
    fuzzy_at: tuple[int, int] | None = None
    for i in range(len(tokens) - n + 1):
        window = tokens[i : i + n]
        if window == words:
            return i, i + n, True
        if fuzzy_at is None and all(_word_close(a, b) for a, b in zip(window, words, strict=True)):
            fuzzy_at = (i, i + n)
    if fuzzy_at is None and len(phrase) >= _FUZZY_PHRASE_MIN:
        # Whole-phrase typo: one edit over the joined words, also across a missing or extra
        # space (windows one word shorter or longer than the phrase).
        for size in (n, n - 1, n + 1):
            if size < 1:
                continue
            for i in range(len(tokens) - size + 1):
                candidate = " ".join(tokens[i : i + size])
                if abs(len(candidate) - len(phrase)) <= 1 and _within_one_edit(candidate, phrase):
                    fuzzy_at = (i, i + size)
                    break
            if fuzzy_at:
                break
    return (fuzzy_at[0], fuzzy_at[1], False) if fuzzy_at else None


def _word_close(typed: str, known: str) -> bool:
    if typed == known:
        return True
    if len(typed) < _FUZZY_WORD_MIN or len(known) < _FUZZY_WORD_MIN:
        return False
    return _within_one_edit(typed, known)


def _within_one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by at most one edit: insertion, deletion, substitution or a swap
    of two neighbouring letters (``nhgi`` for ``nghi``). Linear time."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:  # one substitution
            return True
        # one swap of neighbouring letters
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    return a[i:] == b[i + 1 :]  # one insertion into the shorter
