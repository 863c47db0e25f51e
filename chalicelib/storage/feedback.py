"""Questions, feedback and petitions in the table (issue 14).

Items (docs/data-model.md, patterns F1-F9):

- the item: ``pk = FEEDBACK#<ref>``, ``sk = FEEDBACK``: the :class:`~chalicelib.domain.feedback.
  Feedback` as JSON (``data``, personal data of the sender included: the table is
  KMS-encrypted), ``version`` (optimistic locking), the officer inbox
  ``gsi2pk = INBOX#<agency>`` / ``gsi2sk = <state>#<created ISO>#<ref>`` (a state change or a
  transfer moves it) and, while something is due, ``gsi3pk = DUE`` /
  ``gsi3sk = <YYYY-MM-DD>#feedback#<ref>`` (removed when nothing is);
- the sender's list: ``pk = USER#<zalo id>``, ``sk = FEEDBACK#<created ISO>#<ref>`` with the
  ref, kind, state and target date, written in the same transaction as the item (so
  "Phản ánh của tôi" is one Query, and an erasure of the user's partition removes the list);
- the public FAQ: ``pk = FAQ``, ``sk = <published ISO>#<ref>`` with the officer-approved masked
  question and answer and their folded words (no personal data).

Every method is a fixed, small number of calls; nothing scans.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from chalicelib.domain.calendar import local_date
from chalicelib.domain.feedback import Feedback, FeedbackKind, FeedbackState
from chalicelib.domain.vietnamese import fold
from chalicelib.storage.table import Item, Table, TransactionCancelled

SK = "FEEDBACK"
FAQ_PK = "FAQ"
INBOX_PAGE = 25
MY_ITEMS_LIMIT = 5


class FeedbackConflict(Exception):
    """The item changed since it was read (or, for a new one, already exists)."""


def pk(ref: str) -> str:
    return f"FEEDBACK#{ref}"


def inbox_pk(agency: str) -> str:
    return f"INBOX#{agency}"


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def _pointer_sk(fb: Feedback) -> str:
    return f"FEEDBACK#{_iso(fb.created_at)}#{fb.ref}"


def item_of(fb: Feedback, version: int, today: date) -> Item:
    """The item of ``fb`` at ``version`` with its index keys (the due date as of ``today``)."""
    item: Item = {
        "pk": pk(fb.ref),
        "sk": SK,
        "ref": fb.ref,
        "kind": fb.kind.value,
        "state": fb.state.value,
        "agency": fb.agency,
        "data": fb.model_dump_json(),
        "version": version,
        "gsi2pk": inbox_pk(fb.agency),
        "gsi2sk": f"{fb.state.value}#{_iso(fb.created_at)}#{fb.ref}",
    }
    due = fb.next_due(today)
    if due is not None:
        item["gsi3pk"] = "DUE"
        item["gsi3sk"] = f"{due.isoformat()}#feedback#{fb.ref}"
    return item


def _pointer(fb: Feedback) -> Item | None:
    if not fb.user_id or fb.kind is FeedbackKind.OWNERSHIP_REVIEW:
        return None
    target = fb.target_date()
    return {
        "pk": f"USER#{fb.user_id}",
        "sk": _pointer_sk(fb),
        "ref": fb.ref,
        "kind": fb.kind.value,
        "state": fb.state.value,
        "target": target.isoformat() if target else None,
    }


@dataclass(frozen=True)
class MyItem:
    """One line of the sender's list."""

    ref: str
    kind: FeedbackKind
    state: FeedbackState
    target: date | None


@dataclass(frozen=True)
class InboxPage:
    items: list[Item]
    cursor: str | None


@dataclass(frozen=True)
class FaqEntry:
    ref: str
    question: str
    answer: str
    procedure_name: str
    published_at: str
    folded: str


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The start key a cursor names. Raises ValueError for anything we did not hand out."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError("bad cursor") from None
    if not isinstance(key, dict) or not all(
        isinstance(v, dict) and list(v) == ["S"] and isinstance(v["S"], str) for v in key.values()
    ):
        raise ValueError("bad cursor")
    if set(key) != {"pk", "sk", "gsi2pk", "gsi2sk"}:
        raise ValueError("bad cursor")
    return key


class FeedbackStore:
    """The repository of PAKN items, the senders' lists and the FAQ."""

    def __init__(self, table: Table) -> None:
        self._table = table

    # --- items ---------------------------------------------------------------------------
    def get(self, ref: str, *, consistent: bool = True) -> tuple[Feedback, int] | None:
        """The item and its version (one GetItem)."""
        item = self._table.get(pk(ref), SK, consistent=consistent)
        if item is None:
            return None
        return Feedback.model_validate_json(item["data"]), int(item["version"])

    def create(self, fb: Feedback, today: date) -> bool:
        """Store a new item with the sender's list entry, atomically (one transaction).
        False when an item with this ref exists already (nothing written)."""
        ops: list[dict[str, Any]] = [
            {"put": item_of(fb, 1, today), "condition": "attribute_not_exists(pk)"}
        ]
        pointer = _pointer(fb)
        if pointer is not None:
            ops.append({"put": pointer})
        try:
            self._table.transact(ops)
        except TransactionCancelled as cancelled:
            if cancelled.reasons and cancelled.reasons[0] == "ConditionalCheckFailed":
                return False
            raise
        return True

    def create_op(self, fb: Feedback, today: date) -> dict[str, Any]:
        """The transaction operation creating ``fb`` if absent (for other repositories'
        transactions, e.g. an ownership review filed with its dossier's review marker)."""
        return {"put": item_of(fb, 1, today), "condition": "attribute_not_exists(pk)"}

    def save(self, fb: Feedback, read_version: int, today: date) -> int:
        """Write ``fb`` back if nobody changed it since ``read_version`` (with its list entry;
        one transaction). Raises FeedbackConflict. Returns the new version."""
        ops: list[dict[str, Any]] = [
            {
                "put": item_of(fb, read_version + 1, today),
                "condition": "#v = :v",
                "names": {"#v": "version"},
                "values": {":v": read_version},
            }
        ]
        pointer = _pointer(fb)
        if pointer is not None:
            ops.append({"put": pointer})
        try:
            self._table.transact(ops)
        except TransactionCancelled as cancelled:
            if cancelled.reasons and cancelled.reasons[0] == "ConditionalCheckFailed":
                raise FeedbackConflict(fb.ref) from None
            raise
        return read_version + 1

    def refresh_due(self, ref: str, today: date) -> date | None:
        """Move the item's due date to the next one as of ``today`` (for the reminders
        schedule, after it has acted on a date); the new date or None. GetItem + conditional
        UpdateItem."""
        found = self.get(ref)
        if found is None:
            return None
        fb, version = found
        due = fb.next_due(today)
        if due is None:
            expression = "REMOVE gsi3pk, gsi3sk"
            values: dict[str, Any] = {":v": version}
        else:
            expression = "SET gsi3pk = :due, gsi3sk = :dsk"
            values = {":v": version, ":due": "DUE", ":dsk": f"{due.isoformat()}#feedback#{ref}"}
        self._table.update(
            pk(ref), SK, expression, condition="#v = :v", names={"#v": "version"}, values=values
        )
        return due

    # --- the officer inbox -----------------------------------------------------------------
    def inbox(
        self, agency: str, state: str | None, cursor: str | None, limit: int = INBOX_PAGE
    ) -> InboxPage:
        """One page of an agency's inbox (gsi2), oldest first within a state; a state filters
        by the sort-key prefix. One Query. Raises ValueError for a bad cursor."""
        start = decode_cursor(cursor) if cursor else None
        if start is not None and start["gsi2pk"]["S"] != inbox_pk(agency):
            raise ValueError("bad cursor")
        items, last = self._table.query(
            inbox_pk(agency),
            index="gsi2",
            sk_prefix=f"{state}#" if state else None,
            limit=limit,
            start_key=start,
        )
        return InboxPage(items=items, cursor=encode_cursor(last))

    # --- the sender's list ----------------------------------------------------------------
    def of_user(self, user_id: str, limit: int = MY_ITEMS_LIMIT) -> list[MyItem]:
        """The sender's items, newest first (one Query on their partition)."""
        items, _ = self._table.query(
            f"USER#{user_id}", sk_prefix="FEEDBACK#", newest_first=True, limit=limit
        )
        return [
            MyItem(
                ref=str(i["ref"]),
                kind=FeedbackKind(str(i["kind"])),
                state=FeedbackState(str(i["state"])),
                target=date.fromisoformat(str(i["target"])) if i.get("target") else None,
            )
            for i in items
        ]

    def refs_of_user(self, user_id: str) -> list[str]:
        """Every ref in the sender's list (erasure): one Query per page."""
        refs: list[str] = []
        start = None
        while True:
            items, start = self._table.query(
                f"USER#{user_id}", sk_prefix="FEEDBACK#", start_key=start, consistent=True
            )
            refs += [str(i["ref"]) for i in items]
            if not start:
                return refs

    # --- the FAQ --------------------------------------------------------------------------
    def publish(self, fb: Feedback, at: datetime) -> None:
        """Put the approved masked question and answer in the FAQ partition (one PutItem;
        the same item again on a retry)."""
        question, answer = fb.published_question or "", fb.published_answer or ""
        self._table.put(
            {
                "pk": FAQ_PK,
                "sk": f"{_iso(at)}#{fb.ref}",
                "ref": fb.ref,
                "question": question,
                "answer": answer,
                "procedure_name": fb.procedure_name or "",
                "folded": fold(f"{question} {fb.procedure_name or ''}"),
                "published_at": _iso(at),
                "local_date": local_date(at).isoformat(),
            }
        )

    def faq(self, limit: int) -> list[FaqEntry]:
        """The newest ``limit`` published entries (Query pages of the FAQ partition, bounded)."""
        entries: list[FaqEntry] = []
        start = None
        while len(entries) < limit:
            items, start = self._table.query(
                FAQ_PK, newest_first=True, limit=min(500, limit - len(entries)), start_key=start
            )
            entries += [
                FaqEntry(
                    ref=str(i["ref"]),
                    question=str(i["question"]),
                    answer=str(i["answer"]),
                    procedure_name=str(i.get("procedure_name") or ""),
                    published_at=str(i["published_at"]),
                    folded=str(i["folded"]),
                )
                for i in items
            ]
            if not start:
                break
        return entries
