"""A citizen's personal-data rights from the chat (Luật 91/2025/QH15): see what the system holds,
get a copy (JSON), and the record proving each request was answered within 2 working days.

- What is held: the citizen's partition ``USER#<id>`` (profile with consent time and phone,
  session, notice records, pending notices, upload notes, and any kind other features keep
  there, labelled by :data:`chalicelib.conversation.texts.HOLDING_LABELS`) and the dossiers
  linked to the Zalo account (``gsi1``). Cost: one Query per page of each, no Scan.
- The export: the same, in full, as a JSON object ``exports/<hex>.json`` in the documents bucket
  (SSE-KMS, deleted by the lifecycle rule after a day); the citizen gets a link
  ``<PUBLIC_BASE_URL>/public/exports/<token>`` whose HMAC-signed token (``WEBFORM_SECRET``, under
  its own purpose prefix) expires after ``DATA_EXPORT_LINK_SECONDS``; the route answers with a
  redirect to a presigned GET of a minute. The object's name is derived from the user and the
  request time, so a retried effect rewrites the same object and sends the same link.
- Every request (``access``, ``export``, ``erasure``, ``withdraw_consent``) is recorded by
  :class:`chalicelib.storage.data_rights.DataRightsLog` with its outcome and due date.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from chalicelib.conversation import texts
from chalicelib.domain.dossier import Dossier
from chalicelib.storage.data_rights import DataRightsLog
from chalicelib.storage.table import Item
from chalicelib.storage.users import UserProfile

ANSWER_WORKING_DAYS = 2  # the legal time limit to answer a data-subject request
_TOKEN_PURPOSE = b"data-export:"
_NAME_CHARS = frozenset("0123456789abcdef")


class InvalidExportLink(Exception):
    """The export link's token is malformed or its signature is wrong."""


class ExpiredExportLink(Exception):
    """The export link was genuine but has expired."""


class _Users(Protocol):
    def get(self, user_id: str) -> UserProfile | None: ...

    def partition(self, user_id: str) -> list[Item]: ...


class _Dossiers(Protocol):
    def all_of_owner(self, user_id: str) -> list[Dossier]: ...


class _Exports(Protocol):
    def put_export(self, key: str, data: bytes) -> None: ...


class _Calendar(Protocol):
    def add_working_days(self, day: date, n: int) -> date: ...


@dataclass
class Holdings:
    """What the system holds about one Zalo user."""

    profile: UserProfile | None = None
    items: list[Item] = field(default_factory=list)
    dossiers: list[Dossier] = field(default_factory=list)

    def count(self, prefix: str) -> int:
        return sum(1 for item in self.items if str(item["sk"]).startswith(prefix))

    def others(self) -> dict[str, int]:
        """Counts of the items other features keep in the partition, by their label."""
        known = ("PROFILE", "SESSION", "NOTICE#", "PENDING#", "UPLOAD#")
        counts: dict[str, int] = {}
        for item in self.items:
            sk = str(item["sk"])
            if sk.startswith(known):
                continue
            label = next(
                (v for k, v in texts.HOLDING_LABELS.items() if sk.startswith(k)), "Dữ liệu khác"
            )
            counts[label] = counts.get(label, 0) + 1
        return counts


def sign_export_token(name: str, expires: int, secret: str) -> str:
    """The token of an export link: ``<name>.<expiry epoch s>.<HMAC-SHA256, base64url>``."""
    message = _TOKEN_PURPOSE + f"{name}.{expires}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return f"{name}.{expires}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


def open_export_token(token: str, secret: str, now: float) -> str:
    """The export's object key named by a genuine, unexpired token. Raises InvalidExportLink
    or ExpiredExportLink (the signature is compared in constant time before the expiry)."""
    parts = token.split(".")
    if len(parts) != 3 or not secret:
        raise InvalidExportLink(token[:8])
    name, expires, _ = parts
    if len(name) != 32 or not set(name) <= _NAME_CHARS or not expires.isdigit():
        raise InvalidExportLink(name[:8])
    if not hmac.compare_digest(sign_export_token(name, int(expires), secret), token):
        raise InvalidExportLink(name[:8])
    if int(expires) < now:
        raise ExpiredExportLink(name[:8])
    return f"exports/{name}.json"


class DataRights:
    """The data-rights requests of the chat (effects call it)."""

    def __init__(
        self,
        *,
        users: _Users,
        dossiers: _Dossiers,
        log: DataRightsLog,
        exports: _Exports | None,
        calendar: _Calendar,
        secret: str,
        public_base_url: str,
        link_seconds: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._users = users
        self._dossiers = dossiers
        self._log = log
        self._exports = exports
        self._calendar = calendar
        self._secret = secret
        self._base_url = public_base_url.rstrip("/")
        self._link_seconds = link_seconds
        self._clock = clock

    def holdings(self, user_id: str) -> Holdings:
        """Everything held about the user (Query of the partition, Query of gsi1)."""
        items = self._users.partition(user_id)
        profile_item = next((i for i in items if i["sk"] == "PROFILE"), None)
        profile = UserProfile.from_item(profile_item, user_id) if profile_item else None
        return Holdings(profile=profile, items=items, dossiers=self._dossiers.all_of_owner(user_id))

    def record(
        self, user_id: str, kind: str, requested_at: datetime, outcome: str, *, kept: int = 0
    ) -> None:
        """Record a request and its answer (now) with its legal due date."""
        from chalicelib.domain.calendar import local_date

        due = self._calendar.add_working_days(local_date(requested_at), ANSWER_WORKING_DAYS)
        self._log.record(
            user_id,
            kind,
            requested_at=requested_at,
            answered_at=self._clock(),
            due_by=due,
            outcome=outcome,
            kept=kept,
        )

    def summary(self, user_id: str, requested_at: datetime) -> list[str]:
        """The readable summary (Zalo messages), recorded as an ``access`` request."""
        held = self.holdings(user_id)
        profile = held.profile
        parts = texts.my_data_summary(
            first_seen=profile.first_seen_at if profile else None,
            last_interaction=profile.last_interaction_at if profile else None,
            consent_at=profile.consent_at if profile else None,
            phone=profile.phone if profile else None,
            dossiers=[(d.code, d.procedure_name, d.status.official_name) for d in held.dossiers],
            notices=held.count("NOTICE#"),
            pending=held.count("PENDING#"),
            uploads=held.count("UPLOAD#"),
            session_open=held.count("SESSION") > 0,
            others=held.others(),
        )
        self.record(user_id, "access", requested_at, "answered")
        return parts

    def export(self, user_id: str, requested_at: datetime) -> str | None:
        """Write the export and return the link to it; None when exports are not configured
        (no signing secret, public URL or bucket), recorded as ``unavailable``."""
        if not (self._secret and self._base_url and self._exports is not None):
            self.record(user_id, "export", requested_at, "unavailable")
            return None
        held = self.holdings(user_id)
        name = hashlib.sha256(f"{user_id}|{requested_at.isoformat()}".encode()).hexdigest()[:32]
        document = export_document(user_id, held, generated_at=requested_at)
        self._exports.put_export(f"exports/{name}.json", document)
        expires = int(self._clock().timestamp()) + self._link_seconds
        token = sign_export_token(name, expires, self._secret)
        self.record(user_id, "export", requested_at, "exported")
        return f"{self._base_url}/public/exports/{token}"

    @property
    def link_minutes(self) -> int:
        return max(1, self._link_seconds // 60)


def export_document(user_id: str, held: Holdings, *, generated_at: datetime) -> bytes:
    """The JSON export: every item of the partition (keys dropped, JSON strings opened) and
    every linked dossier in full."""
    items = []
    for item in held.items:
        entry: dict[str, Any] = {"item": str(item["sk"]).split("#", 1)[0].lower()}
        for key, value in item.items():
            if key in ("pk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"):
                continue
            if key in ("state", "parts") and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            entry[key] = value
        items.append(entry)
    document = {
        "generated_at": generated_at.astimezone(UTC).isoformat(),
        "controller": "Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
        "zalo_user_id": user_id,
        "profile": held.profile.model_dump(mode="json") if held.profile else None,
        "items": items,
        "dossiers": [d.model_dump(mode="json") for d in held.dossiers],
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()
