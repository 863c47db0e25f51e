"""Procedure search for the chat: forgiving about accents, case, word order, small typos and
the abbreviations people type ("gpxd", "cccd", "đk"...).

The index is a plain JSON-serialisable dict built offline (:func:`build_index`) and stored as
one object; :meth:`SearchIndex.from_dict` only wraps it, so a Lambda cold start pays for
reading the JSON and nothing else. Typo tolerance tables are built on the first query that
needs them.

Ranking, in order of weight: how much of the query the name covers (rare words count more),
whether the query words appear together and in order in the name, how early they appear,
and how specific (short) the name is. A national code typed as the query returns that
procedure alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.procedure import Procedure
from chalicelib.domain.vietnamese import fold

INDEX_VERSION = 1

_CODE_QUERY = re.compile(r"^\s*(\d\.\d{6})(?:\.[0-9A-Za-z.]+)?\s*$")

# Abbreviations as typed (folded), expanded to the words of procedure names.
ABBREVIATIONS: dict[str, str] = {
    "hs": "ho so",
    "gp": "giay phep",
    "gpxd": "giay phep xay dung",
    "xd": "xay dung",
    "gplx": "giay phep lai xe",
    "gpkd": "giay phep kinh doanh",
    "gpld": "giay phep lao dong",
    "cccd": "can cuoc",
    "cmnd": "can cuoc",
    "cc": "can cuoc",
    "dk": "dang ky",
    "dky": "dang ky",
    "gks": "giay khai sinh",
    "ks": "khai sinh",
    "kh": "ket hon",
    "kd": "kinh doanh",
    "hkd": "ho kinh doanh",
    "dn": "doanh nghiep",
    "dntn": "doanh nghiep tu nhan",
    "tnhh": "trach nhiem huu han",
    "qsdd": "quyen su dung dat",
    "gcn": "giay chung nhan",
    "xn": "xac nhan",
    "tthn": "tinh trang hon nhan",
    "lltp": "ly lich tu phap",
    "bhyt": "bao hiem y te",
    "bhxh": "bao hiem xa hoi",
    "tctn": "tro cap that nghiep",
    "ubnd": "uy ban nhan dan",
}
# Everyday names for things the catalogue calls otherwise (folded phrase -> catalogue words).
PHRASE_SYNONYMS: dict[str, str] = {
    "so do": "giay chung nhan quyen su dung dat",
    "so hong": "giay chung nhan quyen su dung dat",
    "can cuoc cong dan": "can cuoc",
    "chung minh nhan dan": "can cuoc",
    "ho khau": "thuong tru",
    "lam giay khai sinh": "dang ky khai sinh",
    "lam khai sinh": "dang ky khai sinh",
    "bang lai xe": "giay phep lai xe",
    "bang lai": "giay phep lai xe",
}
# Conversation filler that never distinguishes procedures; dropped unless nothing else is left.
STOPWORDS = frozenset(
    {"toi", "muon", "minh", "em", "anh", "chi", "lam", "nao", "nhu", "sao", "dau", "gi", "xin"}
    | {"hoi", "oi", "a", "ah", "nhe", "voi", "giup", "thu", "tuc", "cho", "duoc", "khong"}
)

# Words that open many names without saying what the procedure is about ("Thủ tục đăng ký
# khai sinh", "Cấp giấy phép xây dựng..."): a match right after them counts as at the start.
GENERIC_LEADING_WORDS = frozenset({"thu", "tuc", "cap", "dang", "ky"})

_NAME_WEIGHT, _FIELD_WEIGHT = 1.0, 0.5
_EXACT, _VARIANT, _TYPO_1, _TYPO_2 = 1.0, 0.95, 0.8, 0.6


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    name: str
    field: str
    score: float


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[Hit]
    total: int


def build_index(procedures: Iterable[Procedure]) -> dict:
    """A compact, JSON-serialisable index of ``procedures`` (same input -> equal output).

    Shape: ``{"version": 1, "docs": [[code, name, field, folded name, folded field]],
    "postings": {word: [doc numbers]}}``. Duplicate codes keep the first procedure.
    """
    docs: list[list[str]] = []
    postings: dict[str, list[int]] = {}
    seen: set[str] = set()
    for procedure in procedures:
        if procedure.code in seen:
            continue
        seen.add(procedure.code)
        number = len(docs)
        folded_name, folded_field = fold(procedure.name), fold(procedure.field_name)
        docs.append(
            [procedure.code, procedure.name, procedure.field_name, folded_name, folded_field]
        )
        for word in dict.fromkeys((folded_name + " " + folded_field).split()):
            postings.setdefault(word, []).append(number)
    return {"version": INDEX_VERSION, "docs": docs, "postings": postings}


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (adjacent swaps cost 1), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class SearchIndex:
    """Search over an index dict. Read-only after construction; safe to share."""

    def __init__(self, docs: list[list[str]], postings: dict[str, list[int]]) -> None:
        self._docs = docs
        self._postings = postings
        self._by_code = {doc[0]: number for number, doc in enumerate(docs)}
        self._delete_map: dict[str, set[str]] | None = None
        self._analysis: dict[int, tuple[list[str], dict[str, list[int]], frozenset[str]]] = {}

    @classmethod
    def from_dict(cls, data: dict) -> SearchIndex:
        """Wrap an index made by :func:`build_index`. Raises ValueError for another version."""
        if data.get("version") != INDEX_VERSION:
            raise ValueError(f"unsupported index version {data.get('version')!r}")
        return cls(data["docs"], data["postings"])

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

    def _idf(self, word: str) -> float:
        return math.log(1 + len(self._docs) / (1 + len(self._postings.get(word, ()))))

    def _typo_candidates(self, token: str) -> dict[str, float]:
        if self._delete_map is None:
            delete_map: dict[str, set[str]] = {}
            for word in self._postings:
                if len(word) >= 3:
                    for deleted in _deletes(word):
                        delete_map.setdefault(deleted, set()).add(word)
            self._delete_map = delete_map
        pool: set[str] = set(self._delete_map.get(token, ()))  # one letter missing
        for deleted in _deletes(token):
            if deleted in self._postings:  # one letter too many
                pool.add(deleted)
            pool |= self._delete_map.get(deleted, set())  # substitution or swap
        found = {w: _TYPO_1 for w in pool if _osa_distance(token, w, 1) <= 1}
        if not found and len(token) >= 8:
            found = {
                w: _TYPO_2
                for w in self._postings
                if abs(len(w) - len(token)) <= 2 and _osa_distance(token, w, 2) <= 2
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
        return {}

    @staticmethod
    def _tokens(query: str) -> list[str]:
        folded = " " + fold(query) + " "
        for phrase, replacement in PHRASE_SYNONYMS.items():
            folded = folded.replace(f" {phrase} ", f" {replacement} ")
        tokens: list[str] = []
        for token in folded.split():
            tokens.extend(ABBREVIATIONS.get(token, token).split())
        meaningful = [t for t in tokens if t not in STOPWORDS]
        return meaningful or tokens

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
        if code_match and code_match.group(1) in self._by_code:
            doc = self._docs[self._by_code[code_match.group(1)]]
            hits = [Hit(doc[0], doc[1], doc[2], 1000.0)] if offset == 0 else []
            return SearchPage(hits=hits, total=1)

        groups = []
        for token in self._tokens(query):
            candidates = self._resolve(token)
            if candidates:
                best = max(candidates, key=lambda w: (candidates[w], self._idf(w)))
                groups.append((candidates, self._idf(best)))
        if not groups:
            return SearchPage(hits=[], total=0)

        total_weight = sum(idf for _, idf in groups)
        # A document must cover a third of the query's weight, and at least half of what the
        # best document covers: chatty queries ("... cho con") still find the procedure, while
        # a single shared common word does not make a result.
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
        for number, bound_value in upper.items():
            if bound_value <= threshold:
                continue
            doc = self._docs[number]
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
            scored.append((-round(score, 3), len(name_tokens), doc[0], doc, coverage))
        best = max((entry[4] for entry in scored), default=0.0)
        scored = [entry for entry in scored if entry[4] >= best / 2]
        scored.sort()
        page = scored[offset : offset + limit]
        hits = [Hit(doc[0], doc[1], doc[2], -negative) for negative, _, _, doc, _ in page]
        return SearchPage(hits=hits, total=len(scored))


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
