"""The Zalo user profile: one item per OA user (``pk = USER#<user_id>``, ``sk = PROFILE``).

Times are stored as epoch milliseconds (Zalo's own unit) so that conditions can compare them;
the model exposes aware UTC datetimes. Every write is one UpdateItem whose condition makes it
safe against Zalo's late and out-of-order deliveries: a late event never moves
``last_interaction_at`` or ``followed`` backwards.

Personal data on the profile: ``phone`` (only with consent) and ``consent_at``;
:meth:`Users.erase_personal_data` removes them. Other items of the user's partition
(``PENDING#`` notices, which hold message texts) belong to :mod:`chalicelib.notify`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict

from chalicelib.storage.table import ConditionFailed, Item, Table

PROFILE_SK = "PROFILE"
TOMBSTONE_SK = "ERASED"
_UPLOAD_NOTE_SECONDS = 8 * 86400
_UPLOAD_KEY = re.compile(r"uploads/[0-9a-f]{32}")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")

_NAMES = {
    "#uid": "user_id",
    "#first": "first_seen_at",
    "#last": "last_interaction_at",
    "#count": "interactions",
    "#followed": "followed",
    "#fchanged": "followed_changed_at",
    "#consent": "consent_at",
    "#phone": "phone",
    "#pending": "pending_notices",
}


class ConsentRequired(Exception):
    """A phone number was offered for a user who has not consented."""


def user_pk(user_id: str) -> str:
    """The partition of everything about one Zalo user."""
    return f"USER#{user_id}"


def to_millis(at: datetime) -> int:
    """Epoch milliseconds of an aware datetime (naive datetimes are refused)."""
    if at.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return int(at.timestamp() * 1000)


def _from_millis(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


class UserProfile(BaseModel):
    """What the system knows about one OA user. ``phone`` is E.164 and present only after
    consent; ``pending_notices`` counts notices waiting for the user's next interaction."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    first_seen_at: AwareDatetime | None = None
    last_interaction_at: AwareDatetime | None = None
    followed: bool | None = None
    followed_changed_at: AwareDatetime | None = None
    consent_at: AwareDatetime | None = None
    phone: str | None = None
    pending_notices: int = 0
    # "<flow>:<ref>": the back office waits for this user's answer (issue 14: an officer asked
    # for information about a feedback item); the next message goes there.
    awaiting: str | None = None

    @classmethod
    def from_item(cls, item: Item, user_id: str | None = None) -> UserProfile:
        return cls(
            user_id=str(item.get("user_id") or user_id or item["pk"].removeprefix("USER#")),
            first_seen_at=_from_millis(item.get("first_seen_at")),
            last_interaction_at=_from_millis(item.get("last_interaction_at")),
            followed=item.get("followed"),
            followed_changed_at=_from_millis(item.get("followed_changed_at")),
            consent_at=_from_millis(item.get("consent_at")),
            phone=item.get("phone"),
            pending_notices=max(0, int(item.get("pending_notices") or 0)),
            awaiting=item.get("awaiting") or None,
        )


def in_window(profile: UserProfile | None, now: datetime, days: int) -> bool:
    """Whether free-form (consultation) messages can reach the user: last interaction less
    than ``days`` days before ``now``."""
    if profile is None or profile.last_interaction_at is None:
        return False
    return now - profile.last_interaction_at < timedelta(days=days)


class Users:
    """Profiles in the single table. Each method is one DynamoDB call (two on a lost race)."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, user_id: str) -> UserProfile | None:
        """The profile, or None for a user never seen (one GetItem)."""
        item = self._table.get(user_pk(user_id), PROFILE_SK)
        return UserProfile.from_item(item, user_id) if item else None

    @staticmethod
    def touch_write(
        user_id: str, at: datetime, profile: UserProfile | None
    ) -> tuple[dict[str, Any] | None, bool]:
        """What :meth:`touch` would do, for a transaction, given the ``profile`` read before:
        the operation (None when ``at`` is not newer than the recorded interaction: nothing
        to write) and whether this is the user's first interaction. Its condition keeps
        ``last_interaction_at`` from moving backwards if another write came in between."""
        first = profile is None or profile.first_seen_at is None
        last = profile.last_interaction_at if profile else None
        if last is not None and last >= at:
            return None, False
        return (
            {
                "update": (
                    user_pk(user_id),
                    PROFILE_SK,
                    "SET #uid = :uid, #first = if_not_exists(#first, :at), #last = :at "
                    "ADD #count :one",
                ),
                "condition": "attribute_not_exists(#last) OR #last < :at",
                "names": _NAMES,
                "values": {":uid": user_id, ":at": to_millis(at), ":one": 1},
            },
            first,
        )

    def touch(self, user_id: str, at: datetime) -> tuple[UserProfile, bool]:
        """Record an interaction at ``at``; the profile and whether it was the user's first.

        ``last_interaction_at`` only ever moves forward: an event older than (or as old as)
        the recorded one changes nothing and is "first" only when it is that very first event
        again (a retry of a first event whose processing failed before its plan was saved;
        a completed event never reaches here twice). One UpdateItem (a late event answers from
        the condition's returned item, no second call)."""
        millis = to_millis(at)
        try:
            item = self._table.update(
                user_pk(user_id),
                PROFILE_SK,
                "SET #uid = :uid, #first = if_not_exists(#first, :at), #last = :at ADD #count :one",
                condition="attribute_not_exists(#last) OR #last < :at",
                names=_NAMES,
                values={":uid": user_id, ":at": millis, ":one": 1},
            )
        except ConditionFailed as failed:
            item = failed.item or self._table.get(user_pk(user_id), PROFILE_SK) or {}
            # The same first event again (its processing failed before anything was sent):
            # still the first interaction, so the personal-data notice is not lost.
            again_first = (
                int(item.get("interactions", 0)) == 1 and item.get("first_seen_at") == millis
            )
            return UserProfile.from_item(item, user_id), again_first
        return UserProfile.from_item(item, user_id), int(item.get("interactions", 0)) == 1

    def set_followed(self, user_id: str, followed: bool, at: datetime) -> UserProfile:
        """Record a follow/unfollow that happened at ``at``, unless a later one is recorded
        already (late deliveries never undo a newer state). One UpdateItem."""
        try:
            item = self._table.update(
                user_pk(user_id),
                PROFILE_SK,
                "SET #uid = :uid, #followed = :followed, #fchanged = :at",
                condition="attribute_not_exists(#fchanged) OR #fchanged < :at",
                names=_NAMES,
                values={":uid": user_id, ":followed": followed, ":at": to_millis(at)},
            )
        except ConditionFailed as failed:
            item = failed.item or self._table.get(user_pk(user_id), PROFILE_SK) or {}
        return UserProfile.from_item(item, user_id)

    def grant_consent(self, user_id: str, at: datetime) -> UserProfile:
        """Record the user's consent to the personal-data notice (latest consent wins)."""
        item = self._table.update(
            user_pk(user_id),
            PROFILE_SK,
            "SET #uid = :uid, #consent = :at",
            names=_NAMES,
            values={":uid": user_id, ":at": to_millis(at)},
        )
        return UserProfile.from_item(item, user_id)

    def set_phone(self, user_id: str, phone_e164: str) -> UserProfile:
        """Store the user's phone (E.164, for example ``+84912345678``).

        Raises ValueError for a malformed number and ConsentRequired when the user has not
        consented (nothing is written then). One conditional UpdateItem."""
        if not _E164.match(phone_e164 or ""):
            raise ValueError("phone must be in E.164 form, for example +84912345678")
        try:
            item = self._table.update(
                user_pk(user_id),
                PROFILE_SK,
                "SET #phone = :phone",
                condition="attribute_exists(#consent)",
                names=_NAMES,
                values={":phone": phone_e164},
            )
        except ConditionFailed:
            raise ConsentRequired(user_id) from None
        return UserProfile.from_item(item, user_id)

    def set_awaiting(self, user_id: str, value: str) -> bool:
        """Mark that the back office waits for the user's answer (``<flow>:<ref>``); only on
        an existing profile. One conditional UpdateItem; False when there is no profile."""
        try:
            self._table.update(
                user_pk(user_id),
                PROFILE_SK,
                "SET #aw = :v",
                condition="attribute_exists(pk)",
                names={"#aw": "awaiting"},
                values={":v": value},
            )
        except ConditionFailed:
            return False
        return True

    def clear_awaiting(self, user_id: str, value: str) -> None:
        """Remove the mark if it is still ``value`` (a later request stays). One UpdateItem."""
        with contextlib.suppress(ConditionFailed):
            self._table.update(
                user_pk(user_id),
                PROFILE_SK,
                "REMOVE #aw",
                condition="#aw = :v",
                names={"#aw": "awaiting"},
                values={":v": value},
            )

    def erase_personal_data(self, user_id: str) -> UserProfile | None:
        """Remove consent and phone from the profile, keeping ids, timestamps and counters.
        Idempotent; None when the user is unknown (nothing is created)."""
        try:
            item = self._table.update(
                user_pk(user_id),
                PROFILE_SK,
                "REMOVE #consent, #phone",
                condition="attribute_exists(pk)",
                names=_NAMES,
            )
        except ConditionFailed:
            return None
        return UserProfile.from_item(item, user_id)

    def erase(self, user_id: str, at: datetime) -> list[str]:
        """Erase everything of the user's partition (profile, session, notice records, pending
        notices, and any later item kind keyed by the user) and leave only the tombstone
        (:func:`tombstone_pk`: the SHA-256 of the Zalo id and the time of the request), which
        honours the request and proves it was honoured. Idempotent (a repeated request moves
        the tombstone's time forward). One Query per page, one DeleteItem per item, one PutItem.
        Returns the ``uploads/`` keys the deleted items named (``UPLOAD#`` notes,
        :meth:`note_upload`), for the caller to delete in every version. Dossier links are
        :mod:`chalicelib.storage.dossiers`'s."""
        uploads: set[str] = set()
        start = None
        while True:
            items, start = self._table.query(user_pk(user_id), start_key=start, consistent=True)
            for item in items:
                uploads.update(_UPLOAD_KEY.findall(json.dumps(item, default=str)))
                self._table.delete(item["pk"], item["sk"])
            if not start:
                break
        self._table.put(
            {"pk": tombstone_pk(user_id), "sk": TOMBSTONE_SK, "requested_at": to_millis(at)}
        )
        return sorted(uploads)

    def partition(self, user_id: str) -> list[Item]:
        """Every item of the user's partition (profile, session, notice records, pending
        notices, upload notes and any later kind keyed by the user), for a data-rights request:
        one consistent Query per page."""
        found: list[Item] = []
        start = None
        while True:
            items, start = self._table.query(user_pk(user_id), start_key=start, consistent=True)
            found.extend(items)
            if not start:
                return found

    def note_upload(self, user_id: str, key: str, at: datetime) -> None:
        """Remember that the user uploaded ``key`` (``USER#<id>``, ``UPLOAD#<key>``), so that an
        erasure finds the file without listing the bucket; it expires with the upload (8 days,
        the bucket expires ``uploads/`` after 7). One PutItem."""
        if not _UPLOAD_KEY.fullmatch(key):
            raise ValueError("not an upload key")
        self._table.put(
            {
                "pk": user_pk(user_id),
                "sk": f"UPLOAD#{key}",
                "at": to_millis(at),
                "ttl": int(at.timestamp()) + _UPLOAD_NOTE_SECONDS,
            }
        )

    def erased_at(self, user_id: str) -> datetime | None:
        """When the user asked for erasure (the tombstone), or None (one GetItem)."""
        item = self._table.get(tombstone_pk(user_id), TOMBSTONE_SK)
        return _from_millis(item.get("requested_at")) if item else None


def tombstone_pk(user_id: str) -> str:
    """The erasure tombstone's partition: a hash of the Zalo id, never the id itself."""
    return "ERASED#" + hashlib.sha256(user_id.encode()).hexdigest()
