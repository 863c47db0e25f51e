"""Live conversations with an officer ("Gặp cán bộ", issue 14): item layouts and expressions.

Items (docs/data-model.md, patterns L1–L8):

- the conversation ``LIVE#<ref>`` / ``LIVE``: ``ref``, ``user_id``, ``agency``, ``state``
  (``open``/``closed``), ``opened_at``, ``last_activity_at``, ``closed_at``, ``closed_by``
  (``officer:<id>``, ``citizen``, ``idle``), ``messages`` (count), ``officers`` (ids that
  answered), ``ttl``; in the officer inbox ``gsi2pk = INBOX#<agency>``,
  ``gsi2sk = live#<state>#<opened at>#<ref>``;
- its messages ``LIVE#<ref>`` / ``MSG#<at>#<id>``: ``sender`` (``citizen``/``officer``),
  ``officer``, ``text`` or ``file`` (the stored upload) or ``location``, ``at``, ``ttl``;
- a reference per conversation on the citizen ``USER#<id>`` / ``LIVEREF#<ref>`` (``ref``):
  what the erasure of the citizen's data deletes besides their own partition;
- the pointer on the citizen ``USER#<id>`` / ``PROFILE#LIVE``: ``ref``, ``agency``,
  ``opened_at``, ``last_activity_at``, ``away_until`` (the next opening for which the away
  message was sent). Its sort key lies between ``PROFILE`` and ``SESSION``, so the Query that
  reads the profile and the session for every event (pattern 3b) returns it too: a citizen
  without a live conversation costs nothing more.

Times are ISO UTC strings with milliseconds (``2026-12-02T07:30:00.000Z``), sortable.
Message texts are personal data: never logged; everything expires ``LIVE_KEEP_DAYS`` after
the last activity.
"""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from chalicelib.storage.table import ConditionFailed, Item, Table, TransactionCancelled
from chalicelib.storage.users import user_pk

CONVERSATION_SK = "LIVE"
POINTER_SK = "PROFILE#LIVE"  # between PROFILE and SESSION: read with them (pattern 3b)
REF_PREFIX = "LIVEREF#"  # USER#<id> / LIVEREF#<ref>: the user's conversations, for erasure
MESSAGE_PREFIX = "MSG#"
INBOX_KIND = "live"
State = Literal["open", "closed"]

_NAMES = {
    "#state": "state",
    "#ref": "ref",
    "#last": "last_activity_at",
    "#away": "away_until",
    "#count": "messages",
    "#officers": "officers",
    "#ttl": "ttl",
    "#closed": "closed_at",
    "#by": "closed_by",
    "#g2sk": "gsi2sk",
}


def iso(at: datetime) -> str:
    """The sortable UTC form used in keys: ``2026-12-02T07:30:00.000Z``."""
    if at.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def conversation_pk(ref: str) -> str:
    return f"LIVE#{ref}"


def inbox_pk(agency: str) -> str:
    return f"INBOX#{agency}"


def inbox_sk(state: str, opened_at: str, ref: str) -> str:
    return f"{INBOX_KIND}#{state}#{opened_at}#{ref}"


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class LivePointer(BaseModel):
    """What the processor needs to know about a citizen's open conversation, read with the
    profile and the session (no call of its own)."""

    model_config = ConfigDict(frozen=True)

    ref: str
    agency: str
    opened_at: AwareDatetime
    last_activity_at: AwareDatetime
    away_until: str | None = None

    @classmethod
    def from_item(cls, item: Item) -> LivePointer:
        return cls(
            ref=str(item["ref"]),
            agency=str(item.get("agency", "")),
            opened_at=_parse(item["opened_at"]) or datetime.now(UTC),
            last_activity_at=_parse(item["last_activity_at"]) or datetime.now(UTC),
            away_until=item.get("away_until") or None,
        )


class StoredFileRef(BaseModel):
    """A forwarded file as kept (an ``uploads/`` key of the documents bucket)."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    content_type: str
    size: int
    sha256: str


class LiveMessage(BaseModel):
    """One message of a conversation: text, a file or a location, from either side."""

    model_config = ConfigDict(frozen=True)

    id: str
    at: AwareDatetime
    sender: Literal["citizen", "officer"]
    officer: str | None = None
    text: str | None = None
    file: StoredFileRef | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def sk(self) -> str:
        return f"{MESSAGE_PREFIX}{iso(self.at)}#{self.id}"

    def item(self, ref: str, keep_days: int) -> Item:
        return {
            "pk": conversation_pk(ref),
            "sk": self.sk,
            "id": self.id,
            "at": iso(self.at),
            "sender": self.sender,
            "officer": self.officer,
            "text": self.text,
            "file": self.file.model_dump() if self.file else None,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "ttl": int(self.at.timestamp()) + keep_days * 86400,
        }

    @classmethod
    def from_item(cls, item: Item) -> LiveMessage:
        return cls(
            id=str(item["id"]),
            at=_parse(item["at"]) or datetime.now(UTC),
            sender=item["sender"],
            officer=item.get("officer"),
            text=item.get("text"),
            file=StoredFileRef.model_validate(item["file"]) if item.get("file") else None,
            latitude=item.get("latitude"),
            longitude=item.get("longitude"),
        )


class Conversation(BaseModel):
    """A conversation as officers see it (the Zalo user id is kept for sending, not shown)."""

    model_config = ConfigDict(frozen=True)

    ref: str
    user_id: str
    agency: str
    state: State
    opened_at: AwareDatetime
    last_activity_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    closed_by: str | None = None
    messages: int = 0
    officers: tuple[str, ...] = ()

    @classmethod
    def from_item(cls, item: Item) -> Conversation:
        return cls(
            ref=str(item["ref"]),
            user_id=str(item["user_id"]),
            agency=str(item["agency"]),
            state=item["state"],
            opened_at=_parse(item["opened_at"]) or datetime.now(UTC),
            last_activity_at=_parse(item["last_activity_at"]) or datetime.now(UTC),
            closed_at=_parse(item.get("closed_at")),
            closed_by=item.get("closed_by"),
            messages=int(item.get("messages") or 0),
            officers=tuple(sorted(item.get("officers") or ())),
        )


class ConversationClosed(Exception):
    """The conversation is not open (closed, or never opened)."""


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    """An opaque page cursor for the API (DynamoDB's LastEvaluatedKey)."""
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The key a cursor stands for; ValueError when it is not one of ours."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise ValueError("invalid cursor") from None
    if not isinstance(key, dict) or not all(
        isinstance(v, dict) and set(v) == {"S"} for v in key.values()
    ):
        raise ValueError("invalid cursor")
    return key


class LiveConversations:
    """Conversations, their messages and the citizens' pointers in the single table."""

    def __init__(self, table: Table, *, keep_days: int = 90) -> None:
        self._table = table
        self._keep = keep_days

    def _ttl(self, at: datetime) -> int:
        return int((at + timedelta(days=self._keep)).timestamp())

    # --- opening (L1) ---------------------------------------------------------------------
    def open(
        self, user_id: str, ref: str, agency: str, at: datetime, away_until: str | None
    ) -> bool:
        """Open conversation ``ref`` for the citizen and point them at it (one transaction).
        False when ``ref`` exists already (a retried step: nothing written twice)."""
        opened = iso(at)
        conversation = {
            "pk": conversation_pk(ref),
            "sk": CONVERSATION_SK,
            "ref": ref,
            "user_id": user_id,
            "agency": agency,
            "state": "open",
            "opened_at": opened,
            "last_activity_at": opened,
            "messages": 0,
            "ttl": self._ttl(at),
            "gsi2pk": inbox_pk(agency),
            "gsi2sk": inbox_sk("open", opened, ref),
        }
        pointer = {
            "pk": user_pk(user_id),
            "sk": POINTER_SK,
            "ref": ref,
            "agency": agency,
            "opened_at": opened,
            "last_activity_at": opened,
            "away_until": away_until,
        }
        # No personal data: which conversations to erase with the user (:meth:`erase_user`).
        reference = {
            "pk": user_pk(user_id),
            "sk": f"{REF_PREFIX}{ref}",
            "ref": ref,
            "ttl": self._ttl(at) + self._keep * 86400,  # outlives the conversation's items
        }
        try:
            self._table.transact(
                [
                    {"put": conversation, "condition": "attribute_not_exists(pk)"},
                    {"put": pointer},
                    {"put": reference},
                ]
            )
        except TransactionCancelled as exc:
            if exc.reasons[:1] == ["ConditionalCheckFailed"]:
                return False
            raise
        return True

    # --- a citizen's turn while live (L2) ---------------------------------------------------
    def turn_writes(
        self,
        user_id: str,
        pointer: LivePointer,
        at: datetime,
        *,
        message: LiveMessage | None,
        away_until: str | None,
        newer: bool,
    ) -> list[dict[str, Any]]:
        """The writes of a citizen's turn in an open conversation, for the transaction that
        saves the event's plan: the message (text, location), and when the turn is ``newer``
        than the last recorded interaction the activity on the pointer (still this
        conversation) and the conversation (still open). A refused condition cancels the
        transaction: the conversation was closed meanwhile and the event is decided again."""
        writes: list[dict[str, Any]] = []
        if message is not None:
            writes.append({"put": message.item(pointer.ref, self._keep)})
        if not newer:
            return writes
        when = iso(at)
        pointer_set = "SET #last = :at"
        values: dict[str, Any] = {":at": when, ":ref": pointer.ref}
        if away_until is not None:
            pointer_set += ", #away = :away"
            values[":away"] = away_until
        writes.append(
            {
                "update": (user_pk(user_id), POINTER_SK, pointer_set),
                "condition": "#ref = :ref",
                "names": _NAMES,
                "values": values,
            }
        )
        writes.append(
            {
                "update": (
                    conversation_pk(pointer.ref),
                    CONVERSATION_SK,
                    "SET #last = :at, #ttl = :ttl ADD #count :n",
                ),
                "condition": "#state = :open",
                "names": _NAMES,
                "values": {
                    ":at": when,
                    ":ttl": self._ttl(at),
                    ":n": 1 if message is not None else 0,
                    ":open": "open",
                },
            }
        )
        return writes

    # --- forwarded files (L3) ---------------------------------------------------------------
    def has_message(self, ref: str, message_sk: str) -> bool:
        """Whether the message is stored (a redelivered file is not fetched twice). One GetItem."""
        item = self._table.get(conversation_pk(ref), message_sk, consistent=True)
        return item is not None

    def add_message(self, ref: str, message: LiveMessage) -> None:
        """Store one message (a forwarded file), and count it on the conversation. Storing the
        same message again changes nothing. One transaction."""
        try:
            self._table.transact(
                [
                    {
                        "put": message.item(ref, self._keep),
                        "condition": "attribute_not_exists(pk)",
                    },
                    {
                        "update": (conversation_pk(ref), CONVERSATION_SK, "ADD #count :one"),
                        "condition": "attribute_exists(pk)",
                        "names": _NAMES,
                        "values": {":one": 1},
                    },
                ]
            )
        except TransactionCancelled as exc:
            if exc.reasons[:1] == ["ConditionalCheckFailed"]:
                return  # stored before
            raise

    # --- officers' side (L4–L8) -------------------------------------------------------------
    def get(self, ref: str) -> Conversation | None:
        """One GetItem."""
        item = self._table.get(conversation_pk(ref), CONVERSATION_SK, consistent=True)
        return Conversation.from_item(item) if item else None

    def inbox(
        self, agency: str, state: State, *, limit: int, start: dict[str, Any] | None = None
    ) -> tuple[list[Conversation], dict[str, Any] | None]:
        """An agency's conversations in ``state``, newest first: one Query on ``gsi2``."""
        items, last = self._table.query(
            inbox_pk(agency),
            index="gsi2",
            sk_prefix=f"{INBOX_KIND}#{state}#",
            newest_first=True,
            limit=limit,
            start_key=start,
        )
        return [Conversation.from_item(i) for i in items], last

    def messages(
        self, ref: str, *, limit: int, start: dict[str, Any] | None = None
    ) -> tuple[list[LiveMessage], dict[str, Any] | None]:
        """A conversation's messages, oldest first: one Query per page."""
        items, last = self._table.query(
            conversation_pk(ref),
            sk_prefix=MESSAGE_PREFIX,
            limit=limit,
            start_key=start,
            consistent=True,
        )
        return [LiveMessage.from_item(i) for i in items], last

    def add_officer_reply(self, conversation: Conversation, message: LiveMessage) -> None:
        """Store an officer's reply and the activity on the conversation (still open) and on
        the citizen's pointer (still this conversation). One transaction; raises
        ConversationClosed (nothing written) when the conversation is not open any more."""
        when = iso(message.at)
        store = {"put": message.item(conversation.ref, self._keep)}
        activity = {
            "update": (
                conversation_pk(conversation.ref),
                CONVERSATION_SK,
                "SET #last = :at, #ttl = :ttl ADD #count :one, #officers :officer",
            ),
            "condition": "#state = :open",
            "names": _NAMES,
            "values": {
                ":at": when,
                ":ttl": self._ttl(message.at),
                ":one": 1,
                ":officer": {message.officer or "?"},
                ":open": "open",
            },
        }
        pointer = {
            "update": (user_pk(conversation.user_id), POINTER_SK, "SET #last = :at"),
            "condition": "#ref = :ref",
            "names": _NAMES,
            "values": {":at": when, ":ref": conversation.ref},
        }
        try:
            self._table.transact([store, activity, pointer])
        except TransactionCancelled as exc:
            if exc.reasons[1:2] == ["ConditionalCheckFailed"]:
                raise ConversationClosed(conversation.ref) from None
            if exc.reasons[2:3] != ["ConditionalCheckFailed"]:
                raise
            # The citizen's pointer is gone (their data erased): keep the reply all the same.
            self._table.transact([store, activity])

    def close(self, conversation: Conversation, at: datetime, by: str) -> bool:
        """Close the conversation and lift the citizen's pointer (if it still names it), in
        one transaction. False when it was not open (closed before: nothing changes)."""
        pk = conversation_pk(conversation.ref)
        expression = "SET #state = :closed, #closed = :at, #by = :by, #g2sk = :g2sk"
        condition = "#state = :open"
        values = {
            ":closed": "closed",
            ":open": "open",
            ":at": iso(at),
            ":by": by,
            ":g2sk": inbox_sk("closed", iso(conversation.opened_at), conversation.ref),
        }
        close = {
            "update": (pk, CONVERSATION_SK, expression),
            "condition": condition,
            "names": _NAMES,
            "values": values,
        }
        lift: dict[str, Any] = {
            "delete": (user_pk(conversation.user_id), POINTER_SK),
            "condition": "attribute_not_exists(pk) OR #ref = :ref",
            "names": _NAMES,
            "values": {":ref": conversation.ref},
        }
        try:
            self._table.transact([close, lift])
        except TransactionCancelled as exc:
            if exc.reasons[:1] == ["ConditionalCheckFailed"]:
                self._lift(conversation)  # closed before; the pointer may be left over
                return False
            if exc.reasons[1:2] != ["ConditionalCheckFailed"]:
                raise
            # The pointer names a newer conversation: close this one alone.
            try:
                self._table.update(
                    pk,
                    CONVERSATION_SK,
                    expression,
                    condition=condition,
                    names=_NAMES,
                    values=values,
                )
            except ConditionFailed:
                return False
        return True

    def close_by_ref(self, user_id: str, ref: str, at: datetime, by: str) -> bool:
        """:meth:`close` for the citizen's side, knowing only the ref (one GetItem more)."""
        conversation = self.get(ref)
        if conversation is None:
            self._lift_ref(user_id, ref)
            return False
        return self.close(conversation, at, by)

    def _lift(self, conversation: Conversation) -> None:
        self._lift_ref(conversation.user_id, conversation.ref)

    def _lift_ref(self, user_id: str, ref: str) -> None:
        with contextlib.suppress(ConditionFailed):  # gone already, or a newer conversation
            self._table.delete(
                user_pk(user_id),
                POINTER_SK,
                condition="#ref = :ref",
                names=_NAMES,
                values={":ref": ref},
            )

    # --- erasure (L8) -----------------------------------------------------------------------
    def erase_user(self, user_id: str) -> int:
        """Delete every conversation of the user (items and messages) found through the
        user's ``LIVEREF#`` items, before the user's own partition is erased. Idempotent.
        One Query for the references, per conversation one Query per page and one DeleteItem
        per item. Returns how many conversations were erased."""
        refs, _ = self._table.query(user_pk(user_id), sk_prefix=REF_PREFIX, consistent=True)
        for reference in refs:
            start = None
            while True:
                items, start = self._table.query(
                    conversation_pk(str(reference["ref"])), start_key=start, consistent=True
                )
                for item in items:
                    self._table.delete(item["pk"], item["sk"])
                if not start:
                    break
        return len(refs)
