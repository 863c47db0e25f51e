"""Dossiers in the table.

Item ``pk = DOSSIER#<code>``, ``sk = DOSSIER``: the dossier as JSON (``data``) plus the
attributes the indexes and conditions need. When a Zalo user is linked as the dossier's owner
the item carries ``gsi1pk = OWNER#<user_id>`` and ``gsi1sk = <received or created time>#<code>``
so "Hồ sơ của tôi" is one Query on ``gsi1``, newest first. Writes are conditional on
``version`` (optimistic locking): an officer update never silently overwrites another.

Every write of the item (creation, a back-office event, an owner link or unlink) also sets the
back-office change feed: ``gsi2pk = FEED``, ``gsi2sk = <updated_at, ISO UTC with ms>#<code>``,
with ``updated_at`` and ``agency`` (the receiving agency's code, for the feed's filter), so
``GET /integration/v1/dossiers`` is one Query on ``gsi2`` (:meth:`Dossiers.feed`).

Online creation (:meth:`Dossiers.create`) adds two layouts:

- the per-agency, per-day sequence ``pk = DOSSIER_SEQ#<agency code>#<YYYY-MM-DD>``,
  ``sk = DOSSIER_SEQ``, attribute ``seq``, raised by ``UpdateItem ADD`` (atomic), expiring by
  ``ttl`` a week after its day;
- the submission marker ``pk = SUBMISSION#<sha256 of the submission id>``, ``sk = SUBMISSION``,
  attribute ``code``: written in the same transaction as the dossier, conditional on not
  existing, so one submission id can only ever create one dossier. Kept as long as the dossier.

Every write of the dossier item also sets the sparse due index ``gsi3`` (``gsi3pk = DUE``,
``gsi3sk = <YYYY-MM-DD>#dossier#<code>``): the first local date on which the reminders schedule
must look at it (:func:`chalicelib.domain.reminders.first_check`), or removes it when nothing
can become due any more. The schedule moves it on with :meth:`Dossiers.set_next_check`.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalicelib.domain.calendar import LOCAL_TZ, default_calendar
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.reminders import ReminderRules, due_key, first_check
from chalicelib.storage.due import DUE_PK
from chalicelib.storage.table import ConditionFailed, Table, TransactionCancelled

# Attempts to prove being a dossier's applicant (phone or ID number), per day: per Zalo user and
# dossier, and per dossier over all users, so codes cannot be used to guess phone numbers.
PROOF_ATTEMPTS_PER_USER = 5
PROOF_ATTEMPTS_PER_DOSSIER = 20
_PROOF_WINDOW_SECONDS = 86400


class DossierConflict(Exception):
    """The dossier changed since it was read (or already exists, for a new one)."""


# How long a day's sequence item is kept after the day (any retry of that day is long over).
_SEQUENCE_KEPT_DAYS = 7
# Attempts of the creation transaction when DynamoDB cancels it for a concurrent transaction on
# the same submission marker (TransactionConflict): the other attempt wins, this one finds it.
_CREATE_ATTEMPTS = 3
# Attempts of a read-modify-write (:meth:`Dossiers.change`) against concurrent writers.
_CHANGE_ATTEMPTS = 3


@dataclass(frozen=True)
class Created:
    """The outcome of :meth:`Dossiers.create`: the dossier's code and creation time, and whether
    this call created it (False: the submission had already created it; ``code`` and
    ``created_at`` are that dossier's)."""

    code: str
    created_at: datetime
    new: bool


FEED_PK = "FEED"


def feed_stamp(moment: datetime) -> str:
    """A change time as the feed sorts it: ISO 8601 UTC with milliseconds."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class FeedPage:
    """A page of the change feed: the dossiers (oldest change first) with their feed keys, and
    where the read stopped (``last``: the gsi2 sort key to continue after; None when nothing
    was read); ``more`` when the read stopped before the end."""

    dossiers: list[tuple[Dossier, str]]
    last: str | None
    more: bool


def _utc_now() -> datetime:
    return datetime.now(tz=UTC)


class Dossiers:
    """Load, list and save dossiers: one DynamoDB call per method (unless stated)."""

    def __init__(
        self,
        table: Table,
        *,
        rules: ReminderRules | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._table = table
        self._rules = rules
        self._clock = clock

    @property
    def rules(self) -> ReminderRules:
        """The reminder rules the due index follows (from the settings unless given)."""
        if self._rules is None:
            from chalicelib.settings import get_settings

            self._rules = get_settings().reminder_rules()
        return self._rules

    def _feed_values(self, code: str) -> dict[str, Any]:
        """The feed attributes of a write happening now (as expression values)."""
        stamp = feed_stamp(self._clock())
        return {":feed": FEED_PK, ":feed_sk": f"{stamp}#{code}", ":updated": stamp}

    # Appended to the SET clause of every UpdateItem of a dossier item.
    _FEED_SET = "gsi2pk = :feed, gsi2sk = :feed_sk, updated_at = :updated"

    @staticmethod
    def _pk(code: str) -> str:
        return f"DOSSIER#{code}"

    def _from_item(self, item: dict[str, Any]) -> Dossier:
        dossier = Dossier.model_validate_json(item["data"])
        owner = item.get("owner")
        if owner:
            dossier.owner_zalo_user_id = owner
        return dossier

    def parse(self, item: dict[str, Any]) -> tuple[Dossier, int]:
        """A dossier item read elsewhere (the due index) as the dossier and its version."""
        return self._from_item(item), int(item["version"])

    def get(self, code: str) -> tuple[Dossier, int] | None:
        """The dossier with this (canonical) code and its version, or None (one GetItem)."""
        item = self._table.get(self._pk(code), "DOSSIER")
        return (self._from_item(item), int(item["version"])) if item else None

    def get_with_postal(self, code: str) -> tuple[tuple[Dossier, int] | None, list[dict[str, Any]]]:
        """The dossier (and its version) with the raw items of its postal orders
        (``POSTAL#<leg>``, read by :mod:`chalicelib.storage.postal_orders`), in one Query on the
        dossier's partition: its sort keys ``DOSSIER`` and ``POSTAL#…`` are next to each other
        (``PROOF#``/``REVIEW#`` sort after them and are not read)."""
        items, _ = self._table.query(self._pk(code), sk_between=("DOSSIER", "POSTAL#~"))
        found = next((i for i in items if i["sk"] == "DOSSIER"), None)
        postal = [i for i in items if str(i["sk"]).startswith("POSTAL#")]
        dossier = (self._from_item(found), int(found["version"])) if found else None
        return dossier, postal

    def of_owner(self, user_id: str, limit: int) -> list[Dossier]:
        """The dossiers linked to a Zalo user, newest first (one Query on gsi1)."""
        items, _ = self._table.query(
            f"OWNER#{user_id}", index="gsi1", newest_first=True, limit=limit
        )
        return [self._from_item(item) for item in items]

    def all_of_owner(self, user_id: str) -> list[Dossier]:
        """Every dossier linked to a Zalo user, newest first (a data-rights request): one
        Query on gsi1 per page."""
        found: list[Dossier] = []
        start = None
        while True:
            items, start = self._table.query(
                f"OWNER#{user_id}", index="gsi1", newest_first=True, start_key=start
            )
            found.extend(self._from_item(item) for item in items)
            if not start:
                return found

    def _item(self, dossier: Dossier, version: int) -> dict[str, Any]:
        data = dossier.model_dump_json(exclude={"owner_zalo_user_id"})
        stamp = feed_stamp(self._clock())
        item = {
            "pk": self._pk(dossier.code),
            "sk": "DOSSIER",
            "code": dossier.code,
            "data": data,
            "status": int(dossier.status),
            "version": version,
            "agency": dossier.receiving_agency_code,
            "updated_at": stamp,
            "gsi2pk": FEED_PK,
            "gsi2sk": f"{stamp}#{dossier.code}",
        }
        if dossier.owner_zalo_user_id:
            moment = dossier.received_at or dossier.history[0].at
            item["owner"] = dossier.owner_zalo_user_id
            item["gsi1pk"] = f"OWNER#{dossier.owner_zalo_user_id}"
            item["gsi1sk"] = f"{moment.isoformat()}#{dossier.code}"
        check = first_check(dossier, self.rules, default_calendar())
        if check is not None:
            item["gsi3pk"] = DUE_PK
            item["gsi3sk"] = due_key(check, "dossier", dossier.code)
        return item

    def set_next_check(self, code: str, version: int, day: date | None) -> bool:
        """Move the dossier's due-index date to ``day`` (None: remove it), unless the dossier
        changed since ``version`` (its own write then set the index). One UpdateItem."""
        values: dict[str, Any] = {":v": version}
        if day is None:
            expression = "REMOVE gsi3pk, gsi3sk"
        else:
            expression = "SET gsi3pk = :due, gsi3sk = :sk"
            values.update({":due": DUE_PK, ":sk": due_key(day, "dossier", code)})
        try:
            self._table.update(
                self._pk(code), "DOSSIER", expression, condition="version = :v", values=values
            )
        except ConditionFailed:
            return False
        return True

    def add(self, dossier: Dossier) -> None:
        """Store a new dossier. Raises DossierConflict when the code is taken."""
        try:
            self._table.put(self._item(dossier, 1), condition="attribute_not_exists(pk)")
        except ConditionFailed:
            raise DossierConflict(dossier.code) from None

    # ----------------------------------------------------------------- back-office feed

    def feed(
        self,
        *,
        after: str | None,
        until: str,
        limit: int,
        agencies: frozenset[str] = frozenset(),
    ) -> FeedPage:
        """Dossiers changed after the feed key ``after`` (exclusive; None: from the start) and
        up to the time ``until`` (a :func:`feed_stamp`), oldest change first (one Query on
        ``gsi2``). With ``agencies``, only theirs: a FilterExpression on ``agency``, ``limit``
        bounding the items read, so one call is always one Query."""
        # Keys are "<stamp>#<code>" and codes use no character below "-": after + " " is the
        # smallest key greater than ``after`` (BETWEEN is inclusive).
        low = f"{after} " if after else "0"
        high = f"{until}#~"
        query_filter = None
        if agencies:
            placeholders = {f":agency{n}": code for n, code in enumerate(sorted(agencies))}
            query_filter = (
                f"#agency IN ({', '.join(placeholders)})",
                {"#agency": "agency"},
                dict(placeholders),
            )
        items, last_key = self._table.query(
            FEED_PK,
            index="gsi2",
            sk_between=(low, high),
            limit=limit,
            filter=query_filter,
        )
        dossiers = [(self._from_item(item), str(item["gsi2sk"])) for item in items]
        if last_key is not None:
            return FeedPage(dossiers, str(last_key["gsi2sk"]["S"]), True)
        return FeedPage(dossiers, dossiers[-1][1] if dossiers else None, False)

    # ----------------------------------------------------------------- online creation

    def next_sequence(self, agency_code: str, local_day: date) -> int:
        """The next number of the agency's dossiers received on ``local_day`` (1, 2, …).

        Atomic (one ``UpdateItem ADD``): concurrent callers never get the same number. A number
        taken by a call that then does not create a dossier is skipped, never reused."""
        expires = datetime.combine(local_day, time(), LOCAL_TZ) + timedelta(
            days=_SEQUENCE_KEPT_DAYS + 1
        )
        item = self._table.update(
            f"DOSSIER_SEQ#{agency_code}#{local_day.isoformat()}",
            "DOSSIER_SEQ",
            "ADD #seq :one SET #ttl = :expires",
            names={"#seq": "seq", "#ttl": "ttl"},
            values={":one": 1, ":expires": int(expires.timestamp())},
        )
        return int(item["seq"])

    @staticmethod
    def _submission_pk(submission_id: str) -> str:
        # Hashed: submission ids may be built from Zalo ids, which stay out of keys and logs.
        return "SUBMISSION#" + hashlib.sha256(submission_id.encode()).hexdigest()

    def submitted(self, submission_id: str) -> Created | None:
        """The dossier a submission created (``new`` False), or None (one consistent GetItem)."""
        item = self._table.get(self._submission_pk(submission_id), "SUBMISSION", consistent=True)
        if item is None:
            return None
        return Created(str(item["code"]), datetime.fromisoformat(item["created_at"]), new=False)

    def create(self, dossier: Dossier, submission_id: str) -> Created:
        """Store a new dossier for a submission, exactly once per ``submission_id``.

        One TransactWriteItems puts the dossier item (its first history entry and its owner
        index ``gsi1`` are part of it) and the submission marker, each conditional on not
        existing. When the marker exists the submission was already stored: nothing is written
        and the existing code is returned (``new`` False; one more GetItem). Raises
        DossierConflict when the code is taken by another dossier (a sequence bug, never a
        duplicate submission), TransactionCancelled for any other cancellation."""
        marker = {
            "pk": self._submission_pk(submission_id),
            "sk": "SUBMISSION",
            "code": dossier.code,
            "created_at": dossier.history[0].at.isoformat(),
        }
        operations = [
            {"put": self._item(dossier, 1), "condition": "attribute_not_exists(pk)"},
            {"put": marker, "condition": "attribute_not_exists(pk)"},
        ]
        for attempt in range(_CREATE_ATTEMPTS):
            try:
                self._table.transact(operations)
                return Created(dossier.code, dossier.history[0].at, new=True)
            except TransactionCancelled as cancelled:
                dossier_reason, marker_reason = [*cancelled.reasons, "None", "None"][:2]
                if marker_reason == "ConditionalCheckFailed":
                    existing = self.submitted(submission_id)
                    if existing is not None:
                        return existing
                if dossier_reason == "ConditionalCheckFailed":
                    raise DossierConflict(dossier.code) from None
                last = attempt + 1 == _CREATE_ATTEMPTS
                if "TransactionConflict" not in cancelled.reasons or last:
                    raise
        raise AssertionError("unreachable")  # the loop returns or raises

    def save(self, dossier: Dossier, *, read_version: int) -> int:
        """Replace the dossier if nobody changed it since ``read_version``; the new version."""
        try:
            self._table.put(
                self._item(dossier, read_version + 1),
                condition="version = :v",
                values={":v": read_version},
            )
        except ConditionFailed:
            raise DossierConflict(dossier.code) from None
        return read_version + 1

    def change(
        self,
        code: str,
        mutate: Callable[[Dossier], bool],
        *,
        now: datetime | None = None,
    ) -> Dossier | None:
        """Read the dossier, apply ``mutate`` (True = it changed something) and write it back
        conditional on the version read, retrying on a concurrent change (re-read, re-apply).
        The write moves the dossier in the back office's change feed (``gsi2``:
        ``FEED`` / ``<now, ISO UTC with ms>#<code>``). Returns the dossier as it now stands,
        or None when there is no such dossier. ``mutate`` may raise (a domain rule): nothing is
        written then. One GetItem, and one conditional PutItem when something changed."""
        for attempt in range(_CHANGE_ATTEMPTS):
            found = self.get(code)
            if found is None:
                return None
            dossier, version = found
            if not mutate(dossier):
                return dossier
            item = self._item(dossier, version + 1)  # the feed attributes of now
            if now is not None:
                stamp = feed_stamp(now)
                item["updated_at"], item["gsi2sk"] = stamp, f"{stamp}#{dossier.code}"
            try:
                self._table.put(item, condition="version = :v", values={":v": version})
                return dossier
            except ConditionFailed:
                if attempt + 1 == _CHANGE_ATTEMPTS:
                    raise DossierConflict(code) from None
        raise AssertionError("unreachable")

    def record_postal_submission(self, code: str, at: datetime) -> bool:
        """Record that the post office handed the dossier to the agency at ``at`` (its
        submission time for a postal pickup, issue 13), once: a later call keeps the first
        time. False for an unknown dossier. Through :meth:`change` (the change feed moves)."""

        def mark(dossier: Dossier) -> bool:
            if dossier.postal_submitted_at is not None:
                return False
            dossier.postal_submitted_at = at
            return True

        return self.change(code, mark) is not None

    def link_owner(self, code: str, user_id: str) -> bool:
        """Link a Zalo user as the dossier's owner (after they proved to be the applicant).

        Idempotent. A dossier already linked to another Zalo user is left as it is (False):
        moving it is an officer's decision, never a side effect of a correct guess. Unknown
        codes are False too. One GetItem and one UpdateItem."""
        found = self.get(code)
        if found is None:
            return False
        dossier, _ = found
        moment = dossier.received_at or dossier.history[0].at
        try:
            self._table.update(
                self._pk(code),
                "DOSSIER",
                f"SET #owner = :u, gsi1pk = :g, gsi1sk = :s, {self._FEED_SET}",
                condition="attribute_exists(pk) AND (attribute_not_exists(#owner) OR #owner = :u)",
                names={"#owner": "owner"},
                values={
                    ":u": user_id,
                    ":g": f"OWNER#{user_id}",
                    ":s": f"{moment.isoformat()}#{code}",
                    **self._feed_values(code),
                },
            )
        except ConditionFailed:
            return False
        return True

    def owner_of(self, code: str) -> str | None:
        """The Zalo user linked to the dossier, or None (one GetItem)."""
        found = self.get(code)
        return found[0].owner_zalo_user_id if found else None

    def request_review(self, code: str, user_id: str, at: datetime) -> bool:
        """Store an ownership review request for officers: the claimant ``user_id`` proved to
        be the applicant of ``code``, which is linked to another Zalo account. Item
        ``pk = DOSSIER#<code>``, ``sk = REVIEW#<sha256 of user_id, 16 hex>``: one request per
        claimant and dossier, so a repeat is not a second item; in the same transaction the
        officer inbox item of the dossier's agency (kind ``ownership_review``,
        :mod:`chalicelib.storage.feedback`, ref :func:`~chalicelib.domain.feedback.review_ref`).
        True when stored now or before. One TransactWriteItems."""
        from chalicelib.conversation import texts
        from chalicelib.domain.calendar import default_calendar
        from chalicelib.domain.feedback import (
            DEFAULT_TARGET_DAYS,
            Feedback,
            FeedbackEvent,
            FeedbackKind,
            review_ref,
        )
        from chalicelib.storage.feedback import FeedbackStore

        ref = hashlib.sha256(user_id.encode()).hexdigest()[:16]
        item = {
            "pk": self._pk(code),
            "sk": f"REVIEW#{ref}",
            "kind": "ownership_review",
            "claimant": user_id,
            "requested_at": at.isoformat(),
            "state": "open",
            "inbox_ref": review_ref(code, user_id),
        }
        agency = code.split("-", 1)[0]
        review = Feedback(
            ref=review_ref(code, user_id),
            kind=FeedbackKind.OWNERSHIP_REVIEW,
            agency=agency,
            created_at=at,
            user_id=user_id,
            content=texts.ownership_review_for_officers(code),
            dossier_code=code,
            events=[FeedbackEvent(at=at, kind="filed", actor="citizen", agency=agency)],
        )
        review.start_clock(at, default_calendar(), DEFAULT_TARGET_DAYS, answer=True)
        with contextlib.suppress(TransactionCancelled):  # already requested: the first stands
            self._table.transact(
                [
                    {"put": item, "condition": "attribute_not_exists(pk)"},
                    FeedbackStore(self._table).create_op(review, _local_day(at)),
                ]
            )
        return True

    def unlink_owner(self, user_id: str) -> int:
        """Unlink every dossier of a Zalo user (a data-subject erasure or a withdrawn consent).
        The dossiers themselves stay (records law). One Query per page of 25, one UpdateItem
        per dossier; returns how many were unlinked."""
        unlinked = 0
        start = None
        while True:
            items, start = self._table.query(
                f"OWNER#{user_id}", index="gsi1", limit=25, start_key=start
            )
            for item in items:
                try:
                    self._table.update(
                        item["pk"],
                        "DOSSIER",
                        f"REMOVE #owner, gsi1pk, gsi1sk SET {self._FEED_SET}",
                        condition="#owner = :u",
                        names={"#owner": "owner"},
                        values={":u": user_id, **self._feed_values(item["pk"][8:])},
                    )
                    unlinked += 1
                except ConditionFailed:
                    pass  # relinked meanwhile: not this user's any more
            if not start:
                return unlinked

    def allow_proof_attempt(self, code: str, user_id: str, now: float) -> bool:
        """Count one attempt to prove being the applicant of ``code``; False when the user's or
        the dossier's allowance for the day (UTC) is used up (the attempt must then not be
        checked). Two conditional UpdateItems on per-day counters that expire by ttl."""
        import hashlib

        day = int(now // _PROOF_WINDOW_SECONDS)
        user_ref = hashlib.sha256(user_id.encode()).hexdigest()[:16]
        for sk, allowance in (
            (f"PROOF#{day}#{user_ref}", PROOF_ATTEMPTS_PER_USER),
            (f"PROOF#{day}", PROOF_ATTEMPTS_PER_DOSSIER),
        ):
            try:
                self._table.update(
                    self._pk(code),
                    sk,
                    "ADD #tries :one SET #ttl = :expires",
                    condition="attribute_not_exists(#tries) OR #tries < :allowance",
                    names={"#tries": "tries", "#ttl": "ttl"},
                    values={
                        ":one": 1,
                        ":expires": (day + 2) * _PROOF_WINDOW_SECONDS,
                        ":allowance": allowance,
                    },
                )
            except ConditionFailed:
                return False
        return True

    def release_owner(self, user_id: str) -> list[str]:
        """Erasure (issue 10): unlink the user's closed dossiers and keep the owner link of those in
        progress, which the law requires to be followed through; the codes kept, in the owner
        index's order. One Query per page of 25, one conditional UpdateItem per closed dossier."""
        kept: list[str] = []
        start = None
        while True:
            items, start = self._table.query(
                f"OWNER#{user_id}", index="gsi1", limit=25, start_key=start
            )
            for item in items:
                if int(item.get("status") or 0) not in _CLOSED_STATUSES:
                    kept.append(str(item.get("code") or item["pk"].removeprefix("DOSSIER#")))
                    continue
                with contextlib.suppress(ConditionFailed):  # relinked meanwhile: not theirs
                    self._table.update(
                        item["pk"],
                        "DOSSIER",
                        f"REMOVE #owner, gsi1pk, gsi1sk SET {self._FEED_SET}",
                        condition="#owner = :u",
                        names={"#owner": "owner"},
                        values={":u": user_id, **self._feed_values(item["pk"][8:])},
                    )
            if not start:
                return kept


# Statuses after which the law no longer needs the applicant reachable: the dossier is refused,
# stopped or its result delivered (erasure unlinks these; the others are in progress).
_CLOSED_STATUSES = (3, 8, 10)


def _local_day(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()
