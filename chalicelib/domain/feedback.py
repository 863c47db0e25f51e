"""Questions, feedback and petitions (hỏi đáp, phản ánh, kiến nghị: PAKN), issue 14.

An item is filed by a citizen in the chat (or, for an ownership review, by the dossier flow)
and handled by officers of one agency through the integration API: answered, sent back for more
information, transferred to another agency, rejected, and (answers) published with personal
data masked. Each step has a working-day target (Nghị định 20/2008 and the national index:
reject 2, ask for information 5, answer 15, publish 2; configurable); :meth:`Feedback.next_due`
is the next local date the reminders schedule must look at the item.

Pure Python + pydantic: the state machine, the targets, the routing and the content rules.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.domain.calendar import WorkingCalendar, local_date
from chalicelib.domain.vietnamese import fold, words


class FeedbackKind(StrEnum):
    QUESTION = "question"  # hỏi đáp về thủ tục
    FEEDBACK = "feedback"  # phản ánh
    PETITION = "petition"  # kiến nghị
    OWNERSHIP_REVIEW = "ownership_review"  # xem xét chủ hồ sơ (issue 9)

    @property
    def needs_identity(self) -> bool:
        """Feedback and petitions need name, address and phone (Nghị định 20/2008 art. 7)."""
        return self in (FeedbackKind.FEEDBACK, FeedbackKind.PETITION)


class FeedbackState(StrEnum):
    NEW = "new"  # waiting for the agency (also after a transfer or the sender's information)
    INFO_REQUESTED = "info_requested"  # waiting for the sender
    ANSWERED = "answered"
    REJECTED = "rejected"
    PUBLISHED = "published"  # answered and published in the FAQ

    @property
    def open(self) -> bool:
        return self in (FeedbackState.NEW, FeedbackState.INFO_REQUESTED)


STEPS = ("reject", "request_info", "answer", "publish")
DEFAULT_TARGET_DAYS: Mapping[str, int] = {
    "reject": 2,
    "request_info": 5,
    "answer": 15,
    "publish": 2,
}

# What officers may do in each state (the API answers 409 feedback_wrong_state otherwise).
ALLOWED: Mapping[str, frozenset[FeedbackState]] = {
    "answer": frozenset({FeedbackState.NEW, FeedbackState.INFO_REQUESTED}),
    "request_info": frozenset({FeedbackState.NEW}),
    "transfer": frozenset({FeedbackState.NEW, FeedbackState.INFO_REQUESTED}),
    "reject": frozenset({FeedbackState.NEW, FeedbackState.INFO_REQUESTED}),
    "publish": frozenset({FeedbackState.ANSWERED}),
    "supplement": frozenset({FeedbackState.INFO_REQUESTED}),
    "rate": frozenset({FeedbackState.ANSWERED, FeedbackState.PUBLISHED}),
}
TRANSFER_RULE_DAYS = 5  # out-of-scope PAKN go to the competent body within 5 working days


class Sender(BaseModel):
    """Who filed it (personal data: stored on the item, KMS-encrypted, never logged)."""

    model_config = ConfigDict(frozen=True)

    name: str = ""
    phone: str = ""  # E.164
    address: str = ""

    def known(self) -> tuple[str, ...]:
        return tuple(v for v in (self.name, self.phone, self.address) if v)


class FeedbackFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str  # documents/<uuid>
    name: str
    content_type: str
    size: int
    sha256: str
    at: AwareDatetime


class FeedbackEvent(BaseModel):
    """One entry of the item's history (officers see it; the citizen sees the notices)."""

    model_config = ConfigDict(frozen=True)

    at: AwareDatetime
    kind: Literal[
        "filed", "answer", "request_info", "transfer", "reject", "publish", "supplement", "rate"
    ]
    actor: str  # "citizen" or the integration client's id
    agency: str = ""
    text: str = ""  # the answer, the question asked, the reason (Vietnamese)
    digest: str = ""  # SHA-256 of the request's content: a replayed request is recognised


class Feedback(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ref: str
    kind: FeedbackKind
    state: FeedbackState = FeedbackState.NEW
    agency: str
    created_at: AwareDatetime
    user_id: str | None = None  # the Zalo sender (None once erased)
    sender: Sender | None = None
    content: str = ""
    location: tuple[float, float] | None = None
    dossier_code: str | None = None
    procedure_code: str | None = None
    procedure_name: str | None = None
    field: str | None = None
    files: list[FeedbackFile] = Field(default_factory=list)
    events: list[FeedbackEvent] = Field(default_factory=list)
    targets: dict[str, date] = Field(default_factory=dict)
    answer: str | None = None
    rating: Literal["satisfied", "unsatisfied"] | None = None
    published_question: str | None = None
    published_answer: str | None = None
    submission: str = ""  # the chat draft that filed it (exactly once per draft)
    erased: bool = False

    # --- the state machine ------------------------------------------------------------
    def can(self, operation: str) -> bool:
        return self.state in ALLOWED[operation]

    def start_clock(
        self, at: datetime, calendar: WorkingCalendar, days: Mapping[str, int], *, answer: bool
    ) -> None:
        """Targets counted from ``at`` (a receipt, a transfer, the sender's information): reject
        and request for information always, the answer when ``answer`` (a new period)."""
        self.targets["reject"] = calendar.due_date(at, days["reject"])
        self.targets["request_info"] = calendar.due_date(at, days["request_info"])
        if answer:
            self.targets["answer"] = calendar.due_date(at, days["answer"])

    def next_due(self, today: date) -> date | None:
        """The next local date the reminders schedule must check this item, None when nothing
        is due: while new, the first step target not yet passed (reject, then request for
        information, then the answer, which stays once overdue); when answered, publication
        (not for ownership reviews); nothing while the sender is asked, or once closed."""
        t = self.targets
        if self.state is FeedbackState.NEW:
            for step in ("reject", "request_info"):
                if step in t and t[step] >= today:
                    return t[step]
            return t.get("answer")
        if self.state is FeedbackState.ANSWERED and self.kind is not FeedbackKind.OWNERSHIP_REVIEW:
            return t.get("publish")
        return None

    def target_date(self) -> date | None:
        """The date shown to the citizen: the answer target while open."""
        return self.targets.get("answer") if self.state.open else None

    def last_event(self) -> FeedbackEvent | None:
        return self.events[-1] if self.events else None

    def working_days_since_filed(self, at: datetime, calendar: WorkingCalendar) -> int:
        return calendar.working_days_between(calendar.clock_start(self.created_at), local_date(at))


def route(
    *,
    procedure_code: str | None,
    field: str | None,
    agency_hint: str | None,
    routing: Mapping[str, Mapping[str, str]],
    default_agency: str,
) -> str:
    """The agency that handles an item: the routing table's entry for the procedure, then for
    the field (folded), then the procedure's or dossier's own agency (``agency_hint``), else the
    provincial centre (``default_agency``)."""
    procedures = routing.get("procedures", {})
    fields = {fold(k): v for k, v in routing.get("fields", {}).items()}
    if procedure_code and procedure_code in procedures:
        return procedures[procedure_code]
    if field and fold(field) in fields:
        return fields[fold(field)]
    return agency_hint or default_agency


def make_ref(seed: str, at: datetime, length: int = 6) -> str:
    """A reference number like ``PAKN-261126-7F3A9C``: the local date and a digest of ``seed``
    (the draft id), so the same draft always gets the same number."""
    digest = hashlib.sha256(seed.encode()).hexdigest()[:length].upper()
    return f"PAKN-{local_date(at):%y%m%d}-{digest}"


REF_PATTERN = re.compile(r"^PAKN-\d{6}-[0-9A-F]{6,12}$|^XCHS-[0-9A-F]{16}$")
_REF_IN_TEXT = re.compile(r"pakn\s*-?\s*(\d{6})\s*-?\s*([0-9a-f]{6,12})", re.I)


def find_ref(text: str) -> str | None:
    """A reference number anywhere in ``text`` (any case, spaces), canonical."""
    match = _REF_IN_TEXT.search(text)
    return f"PAKN-{match.group(1)}-{match.group(2).upper()}" if match else None


def review_ref(code: str, claimant: str) -> str:
    """The inbox reference of an ownership review request (one per claimant and dossier)."""
    return "XCHS-" + hashlib.sha256(f"{code}|{claimant}".encode()).hexdigest()[:16].upper()


# --- content rules ----------------------------------------------------------------------------

MIN_CONTENT_LETTERS = 15
MIN_CONTENT_WORDS = 4
MAX_CONTENT_CHARS = 4000


def content_problem(text: str) -> str | None:
    """Why ``text`` cannot be filed (``empty``, ``too_short``, ``meaningless``, ``too_long``),
    or None. Meaningless: too few distinct words, a word repeated, no vowel, keyboard mashing."""
    stripped = " ".join((text or "").split())
    if not stripped:
        return "empty"
    if len(stripped) > MAX_CONTENT_CHARS:
        return "too_long"
    folded_words = words(stripped)
    letters = sum(ch.isalpha() for ch in stripped)
    if letters < MIN_CONTENT_LETTERS or len(folded_words) < MIN_CONTENT_WORDS:
        return "too_short"
    distinct = set(folded_words)
    if len(distinct) < 3 or len(distinct) * 2 < len(folded_words) // 2:
        return "meaningless"
    with_vowel = sum(1 for w in folded_words if re.search(r"[aeiouy]", w))
    long_words = sum(1 for w in folded_words if len(w) > 8)
    if with_vowel * 2 < len(folded_words) or long_words * 2 > len(folded_words):
        return "meaningless"
    return None


_COMPLAINT = re.compile(r"\b(khieu nai|to cao|don khieu nai|don to cao|to giac)\b")


def is_complaint(text: str) -> bool:
    """A formal complaint or denunciation (khiếu nại, tố cáo): another legal procedure."""
    return bool(_COMPLAINT.search(fold(text or "")))
