"""Procedure search for the chat and the public API: forgiving about accents, case, word
order, one-letter typos, abbreviations ("gpxd", "cccd", "tncn"), question words and filler
("... cần giấy tờ gì ạ"), and the everyday names people use for procedures ("sổ đỏ",
"giấy độc thân", "mở quán").

The words people use live as data in ``search_vocabulary.json`` (abbreviations, filler,
synonyms, with notes), not in code. The index is a plain JSON-serialisable dict built offline
(:func:`build_index`) and stored as one object; :meth:`SearchIndex.from_dict` only wraps it,
so a Lambda cold start pays for reading the JSON and nothing else (an index built with another
vocabulary is re-analysed in memory once). Typo tolerance (``rapidfuzz``) is imported on the
first query that needs it.

Ranking, in order of weight: how much of the query the name covers (rare words count more),
whether the query words appear together and in order in the name, how early they appear, how
specific (short) the name is, and how much the national portal's users use the procedure
(``popularity``: a popular procedure wins a tie or a near tie). A national code typed as the
query returns that procedure alone.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.domain.procedure import Procedure
from chalicelib.domain.vietnamese import fold

INDEX_VERSION = 2
_READABLE_VERSIONS = (1, 2)

# "1.001193", a provincial instance "1.001193.000.00.00.H12", or either folded ("1 001193").
_CODE_QUERY = re.compile(r"^\s*(\d)[.\s](\d{6})(?:[.\s][0-9A-Za-z.\s]+)?\s*$")
_VOCABULARY_FILE = Path(__file__).with_name("search_vocabulary.json")


def _phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of ``phrases`` as whole words, longest first."""
    ordered = sorted({" ".join(p.split()) for p in phrases if p.strip()}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"(?<!\S)(?:" + "|".join(re.escape(p) for p in ordered) + r")(?!\S)")


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    means: str
    literal: bool


class Vocabulary:
    """The words of ``search_vocabulary.json``, compiled. Immutable after construction."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.abbreviations = {k: v for k, v in data["abbreviations"].items() if k[0] != "_"}
        self.fillers = _phrase_pattern(data["fillers"]["phrases"])
        self.stopwords = frozenset(data["stopwords"]["words"])
        self.name_noise = _phrase_pattern(data["name_noise"]["phrases"])
        self.rules = [
            # every rule says at least one phrase (search_vocabulary.json), so never None
            _Rule(_phrase_pattern(r["say"]), " ".join(r["means"].split()), r.get("literal", False))  # type: ignore[arg-type]
            for r in data["synonyms"]["rules"]
        ]
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
        self.fingerprint = hashlib.sha256(canonical).hexdigest()[:12]

    @classmethod
    def load(cls, path: Path = _VOCABULARY_FILE) -> Vocabulary:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def expand(self, folded: str) -> str:
        """Abbreviations and digits spelled out (both queries and names)."""
        return " ".join(self.abbreviations.get(t, t) for t in folded.split())

    def name_words(self, text: str) -> str:
        """The words a procedure name (or field) is indexed under."""
        expanded = self.expand(fold(text))
        if self.name_noise is not None:
            expanded = self.name_noise.sub(" ", expanded)
        return " ".join(expanded.split())

    def query_variants(self, query: str) -> list[list[str]]:
        """The token lists to search for ``query``: with every synonym applied and, when a
        'literal' synonym fired, also with those words kept as typed. Filler is gone; stop
        words are dropped unless nothing else is left."""
        text = " " + self.expand(fold(query)) + " "
        if self.fillers is not None:
            text = self.fillers.sub(" ", text)
        replaced, literal = " ".join(text.split()), " ".join(text.split())
        for rule in self.rules:
            replaced = rule.pattern.sub(rule.means, replaced)
            if not rule.literal:
                literal = rule.pattern.sub(rule.means, literal)
        variants = []
        for text in dict.fromkeys((replaced, literal)):
            tokens = list(dict.fromkeys(self.expand(text).split()))
            meaningful = [t for t in tokens if t not in self.stopwords]
            if meaningful or tokens:
                variants.append(meaningful or tokens)
        return variants


VOCABULARY = Vocabulary.load()
# What an index was built with: an index of another format is rebuilt by the next import.
INDEX_FORMAT = f"{INDEX_VERSION}:{VOCABULARY.fingerprint}"

# Words that open many names without saying what the procedure is about ("Thủ tục đăng ký
# khai sinh", "Cấp giấy phép xây dựng..."): a match right after them counts as at the start.
GENERIC_LEADING_WORDS = frozenset({"thu", "tuc", "cap", "dang", "ky"})

_NAME_WEIGHT, _FIELD_WEIGHT = 1.0, 0.5
_EXACT, _VARIANT, _TYPO_1, _TYPO_2 = 1.0, 0.95, 0.8, 0.6
# Points the most used procedure gets over an unused one (coverage is worth 100): enough to
# order near ties, never enough to beat a name that covers the query clearly better.
_POPULARITY_POINTS = 16.0
# Sounds that regional accents merge, so people spell one for the other (folded forms).
_INITIAL_SOUNDS = tuple(
    (a, b)
    for x, y in (("tr", "ch"), ("s", "x"), ("d", "gi"), ("r", "d"), ("r", "gi"), ("l", "n"))
    for a, b in ((x, y), (y, x))
)
_FINAL_SOUNDS = (("ng", "n"), ("n", "ng"), ("c", "t"), ("t", "c"))
# Points per query word whose diacritics the name shares (at most three count): folding makes
# "hộ" (household) and "hỗ" (support), "điện" and "diện" one word; a query written with
# diacritics says which one it means.
_ACCENT_POINTS = 2.0
_WORD = re.compile(r"[^\W_]+")


def _accented_words(query: str) -> frozenset[str]:
    """The words of ``query`` that carry diacritics (or đ), lower case, NFC."""
    import unicodedata

    words = _WORD.findall(unicodedata.normalize("NFC", query).lower())
    return frozenset(w for w in words if fold(w) != w)


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    name: str
    field: str
    score: float
    agency: str | None = None  # the agency names the catalogue record gives, "; "-joined
    submit_via_zalo: bool = False  # the province's setting (see services/lookups.py)
    portal_url: str | None = None  # the province's link for this procedure, if any


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[Hit]
    total: int


def build_index(procedures: Iterable[Procedure]) -> dict[str, Any]:
    """A compact, JSON-serialisable index of ``procedures`` (same input -> equal output).

    Shape: ``{"version": 2, "vocabulary": fingerprint, "docs": [[code, name, field, name
    words, field words, popularity, [agency names, submit via Zalo, portal URL]]],
    "postings": {word: [doc numbers]}}``. Duplicate codes keep the first procedure.
    """
    return _build(
        (
            (
                p.code,
                p.name,
                p.field_name,
                p.popularity,
                ("; ".join(p.agency_names), p.submit_via_zalo, p.portal_url or ""),
            )
            for p in procedures
        ),
        VOCABULARY,
    )


def _build(
    rows: Iterable[tuple[str, str, str, int, tuple[str, bool, str]]], vocabulary: Vocabulary
) -> dict[str, Any]:
    docs: list[list[Any]] = []
    postings: dict[str, list[int]] = {}
    seen: set[str] = set()
    for code, name, field, popularity, extra in rows:
        if code in seen:
            continue
        seen.add(code)
        number = len(docs)
        name_words, field_words = vocabulary.name_words(name), vocabulary.name_words(field)
        docs.append([code, name, field, name_words, field_words, int(popularity or 0), extra])
        for word in dict.fromkeys((name_words + " " + field_words).split()):
            postings.setdefault(word, []).append(number)
    return {
        "version": INDEX_VERSION,
        "vocabulary": vocabulary.fingerprint,
        "docs": docs,
        "postings": postings,
    }


class SearchIndex:
    """Search over an index dict. Read-only after construction; safe to share."""

    def __init__(
        self,
        docs: list[list[Any]],
        postings: dict[str, list[int]],
        vocabulary: Vocabulary = VOCABULARY,
    ) -> None:
        self._docs = docs
        self._postings = postings
        self._vocabulary = vocabulary
        self._by_code = {doc[0]: number for number, doc in enumerate(docs)}
        self._words: list[str] | None = None
        self._pairs: set[tuple[str, str]] | None = None
        self._accents: dict[int, frozenset[str]] = {}
        self._analysis: dict[int, tuple[list[str], dict[str, list[int]], frozenset[str]]] = {}
        top = max((doc[5] for doc in docs), default=0)
        self._popularity_scale = _POPULARITY_POINTS / math.log1p(top) if top else 0.0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchIndex:
        """Wrap an index made by :func:`build_index`. An index of an older version or built
        with another vocabulary is re-analysed from its names (tens of milliseconds, once).
        Raises ValueError for an unknown version."""
        version = data.get("version")
        if version not in _READABLE_VERSIONS:
            raise ValueError(f"unsupported index version {version!r}")
        if version == INDEX_VERSION and data.get("vocabulary") == VOCABULARY.fingerprint:
            return cls(data["docs"], data["postings"])
        rows = (
            (d[0], d[1], d[2], d[5] if len(d) > 5 else 0, d[6] if len(d) > 6 else ("", False, ""))
            for d in data["docs"]
        )
        rebuilt = _build(rows, VOCABULARY)
        return cls(rebuilt["docs"], rebuilt["postings"])

    def __len__(self) -> int:
        return len(self._docs)

    # ----------------------------------------------------------------- query analysis

    def _analysed(self, number: int) -> tuple[list[str], dict[str, list[int]], frozenset[str]]:
        """(name tokens, token -> positions, field tokens) of a document, memoised."""
        cached = self._analysis.get(number)
        if cached is None:
            doc = self._docs[number]
            tokens = doc[3].split()
            positions: dict[str, list[int]] = {}
            for i, token in enumerate(tokens):
                positions.setdefault(token, []).append(i)
            cached = (tokens, positions, frozenset(doc[4].split()))
            self._analysis[number] = cached
        return cached

    def _accented_name(self, number: int) -> frozenset[str]:
        """The words of a document's name as written, lower case, memoised."""
        found = self._accents.get(number)
        if found is None:
            found = self._accents[number] = frozenset(_WORD.findall(self._docs[number][1].lower()))
        return found

    def _idf(self, word: str) -> float:
        return math.log(1 + len(self._docs) / (1 + len(self._postings.get(word, ()))))

    def _sound_alikes(self, token: str) -> set[str]:
        """Index words spelled as another region pronounces ``token`` ("chu"/"tru",
        "xoa"/"soa", "dang"/"dan"): one swap of an initial or final sound."""
        found = set()
        for typed, meant in _INITIAL_SOUNDS:
            if token.startswith(typed):
                found.add(meant + token[len(typed) :])
        for typed, meant in _FINAL_SOUNDS:
            if token.endswith(typed):
                found.add(token[: -len(typed)] + meant)
        return {w for w in found if w in self._postings}

    def _typo_candidates(self, token: str) -> dict[str, float]:
        """Index words one edit away (adjacent swaps count one) or sounding alike, or two
        edits away for long words."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        if self._words is None:
            self._words = [w for w in self._postings if len(w) >= 3]
        found = {
            word: _TYPO_1
            for word, _, _ in process.extract(
                token, self._words, scorer=OSA.distance, score_cutoff=1, limit=None
            )
        }
        found.update(dict.fromkeys(self._sound_alikes(token), _TYPO_1))
        if not found and len(token) >= 8:
            found = {
                word: _TYPO_2
                for word, _, _ in process.extract(
                    token, self._words, scorer=OSA.distance, score_cutoff=2, limit=None
                )
            }
        return found

    def _resolve(self, token: str) -> dict[str, float]:
        """Index words a query token may stand for, with a confidence weight."""
        if token in self._postings:
            return {token: _EXACT}
        # "đăng kí" and "đăng ký" are both correct spellings.
        if token.endswith(("i", "y")):
            variant = token[:-1] + ("y" if token.endswith("i") else "i")
            if variant in self._postings:
                return {variant: _VARIANT}
        if len(token) >= 4:
            return self._typo_candidates(token)
        return dict.fromkeys(self._sound_alikes(token), _TYPO_1)

    def _in_context(
        self, tokens: list[str], resolved: list[dict[str, float]]
    ) -> list[dict[str, float]]:
        """A typo can make another real word ("thường chú" for "thường trú"): when a word
        never stands next to its neighbour in any name, but a word one edit away does, both
        are kept as equally likely readings."""
        if len(tokens) < 2:
            return resolved
        if self._pairs is None:
            pairs: set[tuple[str, str]] = set()
            for doc in self._docs:
                words = doc[3].split()
                pairs.update(itertools.pairwise(words))
            self._pairs = pairs
        pairs = self._pairs
        # each neighbour as the index spells it ("ki" -> "ky")
        words = [
            max(r, key=r.__getitem__) if r else t for t, r in zip(tokens, resolved, strict=True)
        ]
        out = list(resolved)
        for i, token in enumerate(tokens):
            if len(token) < 3 or resolved[i] != {token: _EXACT}:
                continue
            before = words[i - 1] if i > 0 else None
            after = words[i + 1] if i + 1 < len(tokens) else None

            def fits(word: str, before: str | None = before, after: str | None = after) -> bool:
                return (before, word) in pairs or (word, after) in pairs

            if fits(token):
                continue
            readings = {w: _TYPO_1 for w in self._typo_candidates(token) if w != token and fits(w)}
            if readings:
                out[i] = {token: _TYPO_1, **readings}
        return out

    # ----------------------------------------------------------------- search

    def search(self, query: str, offset: int = 0, limit: int = 5) -> SearchPage:
        """Procedures matching ``query``, best first, ``limit`` of them from ``offset``.

        ``total`` counts every match. A national code (``1.001193``, also as a provincial
        instance ``1.001193.000.00.00.H12``) returns that procedure alone. Never raises for odd
        input: an empty or meaningless query gives an empty page. Raises ValueError for a
        negative offset or a non-positive limit.
        """
        if offset < 0 or limit < 1:
            raise ValueError("offset must be >= 0 and limit >= 1")
        code_match = _CODE_QUERY.match(query)
        if code_match:  # a code is looked up, never searched as words
            number = self._by_code.get(f"{code_match.group(1)}.{code_match.group(2)}")
            if number is None:
                return SearchPage(hits=[], total=0)
            return SearchPage(hits=[self._hit(number, 1000.0)] if offset == 0 else [], total=1)

        best_of: dict[int, tuple[float, float]] = {}
        accented = _accented_words(query)
        for tokens in self._vocabulary.query_variants(query):
            for number, score, coverage in self._score(tokens, accented):
                if number not in best_of or score > best_of[number][0]:
                    best_of[number] = (score, coverage)
        if not best_of:
            return SearchPage(hits=[], total=0)
        # At least half of what the best document covers: a single shared common word does
        # not make a result.
        best = max(coverage for _, coverage in best_of.values())
        scored = sorted(
            (-round(score, 3), len(self._docs[number][3]), self._docs[number][0], number)
            for number, (score, coverage) in best_of.items()
            if coverage >= best / 2
        )
        page = scored[offset : offset + limit]
        return SearchPage(hits=[self._hit(n, -neg) for neg, _, _, n in page], total=len(scored))

    def _hit(self, number: int, score: float) -> Hit:
        doc = self._docs[number]
        extra = doc[6] if len(doc) > 6 else ("", False, "")
        return Hit(
            doc[0], doc[1], doc[2], score, extra[0] or None, bool(extra[1]), extra[2] or None
        )

    def _score(
        self, tokens: list[str], accented: frozenset[str] = frozenset()
    ) -> list[tuple[int, float, float]]:
        """(document number, score, coverage) of every document matching ``tokens``;
        ``accented``: the query's words written with diacritics, which tell "hộ" from "hỗ"."""
        groups = []
        for candidates in self._in_context(tokens, [self._resolve(t) for t in tokens]):
            if candidates:
                best = max(candidates, key=lambda w: (candidates[w], self._idf(w)))
                groups.append((candidates, self._idf(best)))
        if not groups:
            return []

        total_weight = sum(idf for _, idf in groups)
        # A document must cover a third of the query's weight: chatty queries still find the
        # procedure, while a single shared common word does not make a result.
        minimum = 1 / 3 if len(groups) > 1 else 0.0
        # Upper bound of each document's coverage from the postings alone (name or field,
        # counted as name), so the detailed scoring below only runs for plausible documents.
        upper: dict[int, float] = {}
        for candidates, idf in groups:
            bound: dict[int, float] = {}
            for word, weight in candidates.items():
                for number in self._postings[word]:
                    if bound.get(number, 0.0) < weight:
                        bound[number] = weight
            for number, weight in bound.items():
                upper[number] = upper.get(number, 0.0) + idf * weight
        threshold = minimum * total_weight

        scored = []
        best_covered = 0.0
        # Most promising first: once a document's bound is under half of the best coverage
        # found, neither it nor any after it can be shown (see ``search``), so stop there.
        for number, bound_value in sorted(upper.items(), key=lambda item: -item[1]):
            if bound_value <= threshold or bound_value < best_covered / 2:
                break
            name_tokens, name_positions, field_tokens = self._analysed(number)
            covered = 0.0
            positions: list[list[int]] = []
            for candidates, idf in groups:
                in_name = [
                    (i, weight)
                    for word, weight in candidates.items()
                    for i in name_positions.get(word, ())
                ]
                if in_name:
                    covered += idf * _NAME_WEIGHT * max(w for _, w in in_name)
                    positions.append(sorted(i for i, _ in in_name))
                else:
                    in_field = [w for t, w in candidates.items() if t in field_tokens]
                    if in_field:
                        covered += idf * _FIELD_WEIGHT * max(in_field)
            coverage = covered / total_weight
            if coverage <= minimum:
                continue
            best_covered = max(best_covered, covered)
            togetherness, start = _phrase_score(positions)
            lead = 0
            while lead < len(name_tokens) and name_tokens[lead] in GENERIC_LEADING_WORDS:
                lead += 1
            start = max(0, start - lead)
            matched = len({i for group in positions for i in group})
            specificity = matched / len(name_tokens) if name_tokens else 0.0
            score = (
                100 * coverage + 20 * togetherness + 10 / (1 + start) + 4 * specificity
                if positions
                else 100 * coverage
            )
            score += self._popularity_scale * math.log1p(self._docs[number][5])
            if accented:
                same = len(accented & self._accented_name(number))
                score += _ACCENT_POINTS * min(same, 3)
            scored.append((number, score, coverage))
        return scored


def _phrase_score(positions: list[list[int]]) -> tuple[float, int]:
    """(how tightly and in what order the matched query words sit in the name, where the
    match starts). 1.0 = contiguous and in query order."""
    if not positions:
        return 0.0, 0
    if len(positions) == 1:
        return 1.0, min(positions[0])
    best_span, best_start = None, 0
    for start in positions[0]:
        previous, ok = start, True
        for group in positions[1:]:
            following = [p for p in group if p > previous]
            if not following:
                ok = False
                break
            previous = min(following)
        if ok and (best_span is None or previous - start + 1 < best_span):
            best_span, best_start = previous - start + 1, start
    if best_span is not None:
        return len(positions) / best_span, best_start
    firsts = [min(group) for group in positions]
    span = max(firsts) - min(firsts) + 1
    return 0.6 * len(positions) / span, min(firsts)
