"""Questions, feedback and petitions: filing from the chat, officers' work, the FAQ (issue 14).

- :meth:`FeedbackService.file`: the chat's confirmed draft becomes an item (exactly once per
  draft: the reference number is derived from the draft id and the item is written only if
  absent), routed to its agency (:func:`chalicelib.domain.feedback.route`), its files copied
  out of the expiring ``uploads/`` prefix, with working-day targets.
- Officers (``api/integration/feedback.py``): answer, ask for information, transfer, reject,
  publish. Each change is one conditional write (``version``) and one notice queued through the
  OUTBOX with the id ``feedback:<ref>:event:<n>`` (``n`` = the change's place in the history),
  so a retried request queues the same notice, which is sent once. A request repeated after
  its change was saved (its notice maybe not queued) is recognised by the digest of its
  content on the last event: the notice is queued again, nothing else changes.
- The citizen's answers: the information asked (:meth:`supplement`), the rating of an answer
  (:meth:`rate`), once each.
- :meth:`erase_user`: a data-subject erasure anonymises the sender's items (name, phone,
  address, Zalo id, files; the content is kept as the agency's record, with the sender's own
  data masked out of it).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.conversation import texts
from chalicelib.domain.calendar import WorkingCalendar, local_date
from chalicelib.domain.feedback import (
    DEFAULT_TARGET_DAYS,
    REF_PATTERN,
    TRANSFER_RULE_DAYS,
    Feedback,
    FeedbackEvent,
    FeedbackFile,
    FeedbackKind,
    FeedbackState,
    Sender,
    make_ref,
    route,
)
from chalicelib.domain.masking import mask_personal_data
from chalicelib.domain.vietnamese import words
from chalicelib.notify.model import OutboundButton, OutboundMessage
from chalicelib.platform import log
from chalicelib.storage.documents import FEEDBACK_PREFIX
from chalicelib.storage.feedback import FaqEntry, FeedbackConflict, FeedbackStore

MAX_ANSWER_CHARS = 4000
MAX_REASON_CHARS = 1000


class FeedbackError(Exception):
    """An officer request that cannot be done: HTTP ``status``, stable ``code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}")
        self.status, self.code, self.message = status, code, message


class IdentityRequired(ValueError):
    """A feedback or petition without the sender's name, address and phone (Nghị định
    20/2008 art. 7): not filed."""


class NoticeQueue(Protocol):
    def queue(self, notice: Any) -> None: ...


class Officer(Protocol):
    """The integration client acting (``chalicelib.api.integration.auth.Client``)."""

    @property
    def id(self) -> str: ...

    def serves(self, agency: str | None) -> bool: ...


@dataclass(frozen=True)
class StoredDoc:
    """A file accepted for an item (from the drafts or the intake)."""

    key: str
    name: str
    content_type: str
    size: int
    sha256: str


class FeedbackService:
    def __init__(
        self,
        store: FeedbackStore,
        *,
        documents: Any,
        outbox: Callable[[], NoticeQueue],
        calendar: WorkingCalendar,
        routing: Mapping[str, Mapping[str, str]],
        default_agency: str,
        target_days: Mapping[str, int] = DEFAULT_TARGET_DAYS,
        hotline: str = "",
        agency_name: Callable[[str], str] = lambda code: code,
        users: Any = None,
    ) -> None:
        self._users = users  # chalicelib.storage.users.Users: the "awaiting" mark
        self.store = store
        self._documents = documents
        self._outbox = outbox
        self._calendar = calendar
        self._routing = routing
        self._default_agency = default_agency
        self._days = {**DEFAULT_TARGET_DAYS, **target_days}
        self._hotline = hotline
        self._agency_name = agency_name

    # --- filing (chat) -----------------------------------------------------------------------
    def file(
        self,
        *,
        draft_id: str,
        user_id: str,
        kind: str,
        content: str,
        at: datetime,
        sender: Mapping[str, str] | None = None,
        location: tuple[float, float] | None = None,
        dossier_code: str | None = None,
        procedure_code: str | None = None,
        procedure_name: str | None = None,
        field: str | None = None,
        agency_hint: str | None = None,
        files: list[StoredDoc] | None = None,
    ) -> Feedback:
        """File the draft's item (or return the one it filed already). Raises IdentityRequired
        when a feedback or petition lacks the sender's identity (Nghị định 20/2008 art. 7)."""
        feedback_kind = FeedbackKind(kind)
        who = Sender(**sender) if sender else None
        if feedback_kind.needs_identity and (
            who is None or not (who.name and who.phone and who.address)
        ):
            raise IdentityRequired(kind)
        for length in (6, 10):
            ref = make_ref(draft_id, at, length)
            existing = self.store.get(ref)
            if existing is not None:
                if existing[0].submission == draft_id:
                    return existing[0]
                continue  # another draft's number (a digest collision): a longer one
            agency = route(
                procedure_code=procedure_code,
                field=field,
                agency_hint=agency_hint,
                routing=self._routing,
                default_agency=self._default_agency,
            )
            kept = [
                FeedbackFile(
                    key=self._documents.keep(f.key, FEEDBACK_PREFIX),
                    name=f.name,
                    content_type=f.content_type,
                    size=f.size,
                    sha256=f.sha256,
                    at=at,
                )
                for f in files or []
            ]
            fb = Feedback(
                ref=ref,
                kind=feedback_kind,
                agency=agency,
                created_at=at,
                user_id=user_id,
                sender=who,
                content=content,
                location=location,
                dossier_code=dossier_code,
                procedure_code=procedure_code,
                procedure_name=procedure_name,
                field=field,
                files=kept,
                events=[FeedbackEvent(at=at, kind="filed", actor="citizen", agency=agency)],
                submission=draft_id,
            )
            fb.start_clock(at, self._calendar, self._days, answer=True)
            if self.store.create(fb, local_date(at)):
                log.info("feedback_filed", ref=ref, kind=kind, agency=agency)
                log.metric("FeedbackFiled", kind=kind)
                return fb
            found = self.store.get(ref)  # filed concurrently by a retry of the same draft
            if found is not None and found[0].submission == draft_id:
                return found[0]
        raise RuntimeError("no free reference number")

    # --- the citizen's answers ---------------------------------------------------------------
    def supplement(
        self, ref: str, user_id: str, part: str, text: str, doc: StoredDoc | None, at: datetime
    ) -> bool:
        """Add what the sender sent after a request for information (once per ``part``);
        the first part puts the item back to the agency with a new answer period. False when
        the item is not this user's or is not waiting for information."""
        for _attempt in range(3):
            found = self.store.get(ref)
            if found is None or found[0].user_id != user_id:
                return False
            fb, version = found
            digest = hashlib.sha256(part.encode()).hexdigest()
            if any(e.kind == "supplement" and e.digest == digest for e in fb.events):
                return True
            asked = any(e.kind == "request_info" for e in fb.events)
            if not (fb.state is FeedbackState.INFO_REQUESTED or (asked and fb.state.open)):
                self._await(fb, False)
                return False
            if doc is not None:
                fb.files.append(
                    FeedbackFile(
                        key=self._documents.keep(doc.key, FEEDBACK_PREFIX),
                        name=doc.name,
                        content_type=doc.content_type,
                        size=doc.size,
                        sha256=doc.sha256,
                        at=at,
                    )
                )
            fb.events.append(
                FeedbackEvent(
                    at=at,
                    kind="supplement",
                    actor="citizen",
                    agency=fb.agency,
                    text=text or (f"[tệp] {doc.name}" if doc else ""),
                    digest=digest,
                )
            )
            if fb.state is FeedbackState.INFO_REQUESTED:
                fb.state = FeedbackState.NEW
                fb.start_clock(at, self._calendar, self._days, answer=True)
            try:
                self.store.save(fb, version, local_date(at))
            except FeedbackConflict:
                continue
            self._await(fb, False)
            log.info("feedback_supplemented", ref=ref)
            return True
        raise FeedbackConflict(ref)

    def rate(self, ref: str, user_id: str, rating: str, at: datetime) -> bool:
        """Record the sender's rating of the answer (the latest wins). False when not theirs
        or not answered."""
        for _attempt in range(3):
            found = self.store.get(ref)
            if found is None or found[0].user_id != user_id or not found[0].can("rate"):
                return False
            fb, version = found
            if fb.rating == rating:
                return True
            fb.rating = "satisfied" if rating == "satisfied" else "unsatisfied"
            fb.events.append(FeedbackEvent(at=at, kind="rate", actor="citizen", text=rating))
            try:
                self.store.save(fb, version, local_date(at))
            except FeedbackConflict:
                continue
            log.info("feedback_rated", ref=ref, rating=rating)
            log.metric("FeedbackRated", rating=rating)
            return True
        raise FeedbackConflict(ref)

    # --- officers ------------------------------------------------------------------------------
    def load(self, ref: str, officer: Officer) -> tuple[Feedback, int]:
        """The item and its version; 404 when absent (or not a reference at all, without a
        call), 403 when not the officer's agency."""
        found = self.store.get(ref) if REF_PATTERN.match(ref or "") else None
        if found is None:
            raise FeedbackError(404, "feedback_not_found", "No item has this reference.")
        if not officer.serves(found[0].agency):
            raise FeedbackError(403, "agency_not_served", "This client does not serve its agency.")
        return found

    def view(self, ref: str, officer: Officer, link: Callable[[str], str]) -> dict[str, Any]:
        fb, _version = self.load(ref, officer)
        body = officer_view(fb)
        body["files"] = [
            {"name": f.name, "content_type": f.content_type, "size": f.size, "url": link(f.key)}
            for f in fb.files
        ]
        body["masked_suggestion"] = {
            "question": mask_personal_data(fb.content, _known(fb)),
            "answer": mask_personal_data(fb.answer or "", _known(fb)),
        }
        return body

    def act(
        self, ref: str, officer: Officer, operation: str, body: Mapping[str, Any], now: datetime
    ) -> dict[str, Any]:
        """Do ``operation`` (answer, request_info, transfer, reject, publish) with ``body``."""
        digest = hashlib.sha256(
            json.dumps([operation, body], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()
        for _attempt in range(3):
            fb, version = self.load(ref, officer)
            last = fb.last_event()
            if last is not None and last.kind == operation and last.digest == digest:
                if operation == "request_info":
                    self._await(fb, True)
                self._notify(fb, len(fb.events) - 1)  # a repeated request: the same notice
                return officer_view(fb)
            if not fb.can(operation):
                raise FeedbackError(
                    409,
                    "feedback_wrong_state",
                    f"Cannot {operation} an item in state {fb.state.value}.",
                )
            was_asking = fb.state is FeedbackState.INFO_REQUESTED
            extra = self._apply(fb, officer, operation, body, now, digest)
            try:
                self.store.save(fb, version, local_date(now))
            except FeedbackConflict:
                continue
            if operation == "request_info":
                self._await(fb, True)  # the sender's next message goes to the item
            elif was_asking:
                self._await(fb, False)
            if operation == "publish":
                self.store.publish(fb, now)
                _faq_cache.clear()
            self._notify(fb, len(fb.events) - 1)
            log.info("feedback_changed", ref=ref, operation=operation, client=officer.id)
            log.metric("FeedbackChanged", operation=operation)
            return {**officer_view(fb), **extra}
        raise FeedbackError(409, "feedback_conflict", "The item changed meanwhile; try again.")

    def _apply(
        self,
        fb: Feedback,
        officer: Officer,
        operation: str,
        body: Mapping[str, Any],
        now: datetime,
        digest: str,
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        text = ""
        agency = fb.agency
        if operation == "answer":
            text = _text(body, "answer", MAX_ANSWER_CHARS)
            fb.answer = text
            fb.state = FeedbackState.ANSWERED
            fb.targets["publish"] = self._calendar.due_date(now, self._days["publish"])
        elif operation == "request_info":
            text = _text(body, "question", MAX_REASON_CHARS)
            if fb.user_id is None:
                raise FeedbackError(
                    409, "sender_unreachable", "The sender can no longer be asked in Zalo."
                )
            fb.state = FeedbackState.INFO_REQUESTED
        elif operation == "transfer":
            text = _text(body, "reason", MAX_REASON_CHARS)
            agency = str(body.get("agency") or "").strip().upper()
            from chalicelib.domain.agency import normalize_agency_code

            code = normalize_agency_code(agency)
            if code is None:
                raise FeedbackError(400, "invalid_agency", "agency must be a QCVN 102 code.")
            if code == fb.agency:
                raise FeedbackError(400, "same_agency", "The item is already with this agency.")
            agency = code
            days = fb.working_days_since_filed(now, self._calendar)
            extra = {
                "working_days_since_filed": days,
                "within_transfer_rule": days <= TRANSFER_RULE_DAYS,
            }
            fb.agency = code
            fb.state = FeedbackState.NEW
            fb.start_clock(now, self._calendar, self._days, answer=True)
        elif operation == "reject":
            text = _text(body, "reason", MAX_REASON_CHARS)
            fb.state = FeedbackState.REJECTED
        elif operation == "publish":
            if fb.kind is FeedbackKind.OWNERSHIP_REVIEW:
                raise FeedbackError(
                    409, "not_publishable", "An ownership review is never published."
                )
            question = _text(body, "question", MAX_ANSWER_CHARS)
            answer = _text(body, "answer", MAX_ANSWER_CHARS)
            # The officer approves a masked text; what still looks personal is masked anyway.
            fb.published_question = mask_personal_data(question, _known(fb))
            fb.published_answer = mask_personal_data(answer, _known(fb))
            fb.state = FeedbackState.PUBLISHED
            extra = {
                "published": {"question": fb.published_question, "answer": fb.published_answer}
            }
        fb.events.append(
            FeedbackEvent.model_validate(
                {
                    "at": now,
                    "kind": operation,
                    "actor": officer.id,
                    "agency": agency,
                    "text": text,
                    "digest": digest,
                }
            )
        )
        return extra

    def _await(self, fb: Feedback, waiting: bool) -> None:
        """Set or clear the sender's "awaiting" mark for this item (one UpdateItem)."""
        if self._users is None or not fb.user_id:
            return
        value = f"feedback:{fb.ref}"
        if waiting:
            self._users.set_awaiting(fb.user_id, value)
        else:
            self._users.clear_awaiting(fb.user_id, value)

    def _notify(self, fb: Feedback, index: int) -> None:
        """Queue the citizen's notice of history entry ``index`` (none for a publication)."""
        from chalicelib.notify.outbox import QueuedNotice

        event = fb.events[index]
        message: OutboundMessage | None = None
        if event.kind == "answer":
            message = OutboundMessage(
                text=texts.feedback_answer_notice(
                    fb.ref, event.text, self._agency_name(event.agency)
                ),
                buttons=[
                    OutboundButton(title=texts.BTN_FB_SATISFIED, payload=f"#fb:rate:{fb.ref}:good"),
                    OutboundButton(
                        title=texts.BTN_FB_UNSATISFIED, payload=f"#fb:rate:{fb.ref}:bad"
                    ),
                ],
            )
        elif event.kind == "request_info":
            message = OutboundMessage(
                text=texts.feedback_info_request_notice(
                    fb.ref,
                    event.text,
                    self._calendar.due_date(event.at, self._days["request_info"]),
                ),
                buttons=[
                    OutboundButton(title=texts.BTN_FB_SUPPLEMENT, payload=f"#fb:info:{fb.ref}")
                ],
            )
        elif event.kind == "transfer":
            message = OutboundMessage(
                text=texts.feedback_transfer_notice(
                    fb.ref, self._agency_name(event.agency), event.text
                )
            )
        elif event.kind == "reject":
            message = OutboundMessage(
                text=texts.feedback_reject_notice(fb.ref, event.text, self._hotline)
            )
        if message is None:
            return
        phone = fb.sender.phone if fb.sender and fb.sender.phone else None
        if not fb.user_id and not phone:
            return  # erased: nobody to tell
        self._outbox().queue(
            QueuedNotice(
                notice_id=f"feedback:{fb.ref}:event:{index}",
                kind=f"feedback_{event.kind}",
                user_id=fb.user_id,
                phone=None if fb.user_id else phone,
                message=message,
                template_data=None,
            )
        )

    # --- erasure ------------------------------------------------------------------------------
    def erase_user(self, user_id: str) -> int:
        """Anonymise the user's items: the sender's name, phone, address and Zalo id removed,
        the content masked of them, files deleted from the item (the record of what was asked
        and answered stays, as the agency must keep it). Returns how many items changed."""
        changed = 0
        for ref in self.store.refs_of_user(user_id):
            for _attempt in range(3):
                found = self.store.get(ref)
                if found is None or found[0].user_id != user_id:
                    break
                fb, version = found
                known = _known(fb)
                fb.content = mask_personal_data(fb.content, known)
                fb.events = [
                    e.model_copy(update={"text": mask_personal_data(e.text, known)})
                    for e in fb.events
                ]
                fb.user_id, fb.sender, fb.location, fb.erased = None, None, None, True
                doomed, fb.files = [f.key for f in fb.files], []
                try:
                    self.store.save(fb, version, local_date(fb.created_at))
                except FeedbackConflict:
                    continue
                if doomed:
                    self._documents.erase_versions(doomed)
                changed += 1
                break
        return changed


def _known(fb: Feedback) -> tuple[str, ...]:
    return fb.sender.known() if fb.sender else ()


def _text(body: Mapping[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise FeedbackError(400, f"missing_{name}", f"{name} is required (Vietnamese text).")
    if len(value) > limit:
        raise FeedbackError(400, f"{name}_too_long", f"{name} is longer than {limit} characters.")
    return value.strip()


def officer_view(fb: Feedback) -> dict[str, Any]:
    """The item as officers see it (personal data included: the API is for the agency)."""
    return {
        "ref": fb.ref,
        "kind": fb.kind.value,
        "state": fb.state.value,
        "agency": fb.agency,
        "created_at": fb.created_at.isoformat(),
        "sender": fb.sender.model_dump() if fb.sender else None,
        "content": fb.content,
        "location": list(fb.location) if fb.location else None,
        "dossier_code": fb.dossier_code,
        "procedure_code": fb.procedure_code,
        "procedure_name": fb.procedure_name,
        "targets": {k: v.isoformat() for k, v in sorted(fb.targets.items())},
        "answer": fb.answer,
        "rating": fb.rating,
        "history": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "actor": e.actor,
                "agency": e.agency,
                "text": e.text,
            }
            for e in fb.events
        ],
    }


# --- the FAQ search ----------------------------------------------------------------------------

_FILLER = frozenset(
    {"toi", "em", "muon", "xin", "hoi", "a", "gi", "oi", "cho", "la", "co", "khong", "nao",
     "the", "thi", "va", "cua", "duoc", "can", "de", "o", "nhu", "ve", "bao", "nhieu"}
)  # fmt: skip


class _FaqCache:
    def __init__(self) -> None:
        self.entries: list[FaqEntry] | None = None
        self.loaded_at = -math.inf

    def clear(self) -> None:
        self.entries, self.loaded_at = None, -math.inf


_faq_cache = _FaqCache()
_clock: Callable[[], float] = time.monotonic


def faq_entries(store: FeedbackStore, max_entries: int, cache_seconds: float) -> list[FaqEntry]:
    """The newest ``max_entries`` published entries, read at most every ``cache_seconds``
    per container (a bounded Query of the ``FAQ`` partition; no scan)."""
    now = _clock()
    if _faq_cache.entries is None or now - _faq_cache.loaded_at >= cache_seconds:
        _faq_cache.entries = store.faq(max_entries)
        _faq_cache.loaded_at = now
    return _faq_cache.entries


class FaqIndex:
    """Entries with their words and an inverted index (word -> entries), built once per load."""

    def __init__(self, entries: list[FaqEntry]) -> None:
        self.entries = entries
        self.postings: dict[str, list[int]] = {}
        for index, entry in enumerate(entries):
            for word in set(entry.folded.split()):
                self.postings.setdefault(word, []).append(index)

    def search(self, query: str, limit: int) -> list[FaqEntry]:
        wanted = {w for w in words(query) if w not in _FILLER and len(w) > 1}
        if not wanted or not self.entries:
            return []
        total = len(self.entries)
        weight = {
            w: math.log((total + 1) / (1 + len(self.postings.get(w, ())))) + 1 for w in wanted
        }
        full = sum(weight.values())
        scores: dict[int, float] = {}
        for word in wanted:
            for index in self.postings.get(word, ()):
                scores[index] = scores.get(index, 0.0) + weight[word]
        ranked = sorted(
            ((-score / full, index) for index, score in scores.items() if score / full >= 0.5)
        )
        return [self.entries[index] for _score, index in ranked[:limit]]


_indexes: dict[int, tuple[list[FaqEntry], FaqIndex]] = {}


def search_faq(entries: list[FaqEntry], query: str, limit: int) -> list[FaqEntry]:
    """Entries covering at least half of the query's meaningful words (weighted by rarity),
    best first; the query may be typed with or without diacritics. The index of ``entries``
    is built on its first search and kept with the cached entries."""
    held = _indexes.get(id(entries))
    if held is None or held[0] is not entries:
        _indexes.clear()  # one list of entries per container at a time
        held = (entries, FaqIndex(entries))
        _indexes[id(entries)] = held
    return held[1].search(query, limit)
