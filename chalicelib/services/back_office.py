"""The back office's use cases (issue 12): the change feed, one dossier with its documents (each
read logged), registering a dossier filed elsewhere, recording status events (anomalies
included) and queuing exactly one citizen notice per recorded change.

Costs: an event is one GetItem, one conditional PutItem (optimistic lock; re-read and re-applied
on a conflict) and one SQS SendMessage (plus one HeadObject for a result file); a dossier read
one GetItem and one PutItem (the access log); a feed page one Query.

Exactly once: the notice of history entry ``n`` is ``dossier:<code>:h<n>``. A retried event
(same status, kind and time) finds its entry and queues that same notice id again when it is the
latest (a first attempt may have failed between saving and queuing); the outbox and the
notifier drop the copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import (
    Applicant,
    ApplicantKind,
    Channel,
    DomainError,
    Dossier,
    DossierResult,
    DossierStatus,
    Fee,
    Recorded,
    StatusChange,
)
from chalicelib.notify.outbox import Outbox, QueuedNotice
from chalicelib.platform import log
from chalicelib.services import status_notices
from chalicelib.storage.access_log import AccessLog
from chalicelib.storage.documents import DocumentStore
from chalicelib.storage.dossiers import DossierConflict, Dossiers, FeedPage, feed_stamp

SAVE_ATTEMPTS = 3
# The feed never shows changes of the last seconds: a write stamped earlier but committed later
# (two Lambda containers) would otherwise be skipped by a reader already past its stamp.
FEED_SETTLE_SECONDS = 2.0
FUTURE_TOLERANCE = timedelta(minutes=5)
CHANNELS: dict[str, Channel] = {
    "in_person": Channel.IN_PERSON,
    "online": Channel.ONLINE,
    "postal": Channel.POSTAL,
}
CHANNEL_NAMES = {value: name for name, value in CHANNELS.items()}

NoticeOutcome = Literal["queued", "unaddressed", "none"]


class Refused(Exception):
    """A request the back office must correct: HTTP ``status``, stable ``code``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class EventOutcome:
    dossier: Dossier
    recorded: Recorded
    notice: NoticeOutcome


@dataclass(frozen=True)
class Registered:
    dossier: Dossier
    created: bool
    notice: NoticeOutcome


class ProcedureDefaults:
    """What the catalogue says of a procedure (name, working-day limit, whether time spent on
    fees counts), for dossiers registered without them. None: unknown procedure."""

    def __init__(self, lookup: Callable[[str], Any]) -> None:
        self._lookup = lookup

    def of(self, code: str, channel: Channel) -> tuple[str, int | None, bool] | None:
        procedure = self._lookup(code)
        if procedure is None:
            return None
        limit = procedure.time_limit_for(channel)
        days = limit.whole_working_days if limit else None
        return procedure.name, days, bool(procedure.excludes_financial_obligation_time)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class BackOffice:
    def __init__(
        self,
        dossiers: Dossiers,
        access_log: AccessLog,
        documents: DocumentStore,
        outbox: Outbox,
        *,
        result_link: Callable[[str, str], str],
        hotline: str,
        procedures: ProcedureDefaults,
        calendar: WorkingCalendar | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
    ) -> None:
        self._dossiers = dossiers
        self._access = access_log
        self._documents = documents
        self._outbox = outbox
        self._result_link = result_link
        self._hotline = hotline
        self._procedures = procedures
        self._calendar = calendar
        self._clock = clock

    # ----------------------------------------------------------------- reads

    def feed(self, *, after: str | None, limit: int, agencies: frozenset[str]) -> FeedPage:
        """Dossiers changed after the feed key ``after``, oldest change first (one Query)."""
        until = feed_stamp(self._clock() - timedelta(seconds=FEED_SETTLE_SECONDS))
        return self._dossiers.feed(after=after, until=until, limit=limit, agencies=agencies)

    def load(self, code: str) -> tuple[Dossier, int]:
        """The dossier and its version; Refused 404 ``unknown_dossier``."""
        found = self._dossiers.get(code)
        if found is None:
            raise Refused(404, "unknown_dossier", "No dossier has this code.")
        return found

    def load_or_none(self, code: str) -> Dossier | None:
        found = self._dossiers.get(code)
        return found[0] if found is not None else None

    def result_redirect(self, code: str, key: str) -> str | None:
        """A fresh presigned GET of the dossier's uploaded result when ``key`` is still its
        result (one GetItem); None otherwise."""
        found = self._dossiers.get(code)
        if found is None or found[0].result is None or found[0].result.key != key:
            return None
        return self._documents.presigned_get(key)

    def read_personal(self, dossier: Dossier, *, client: str, officer: str) -> dict[str, str]:
        """Log the read of ``dossier``'s personal data and documents (one PutItem) and return a
        presigned GET link per document key (signed locally)."""
        self._access.record(
            dossier.code, client=client, officer=officer, action="read_dossier", at=self._clock()
        )
        log.info("dossier_read", client=client, dossier_ref=_hash(dossier.code))
        return {d.key: self._documents.presigned_get(d.key) for d in dossier.documents}

    def access_entries(
        self, code: str, *, limit: int, after: str | None
    ) -> tuple[list[Any], str | None]:
        return self._access.entries(code, limit=limit, after=after)

    def result_upload(self, code: str, content_type: str) -> tuple[str, str, dict[str, str]]:
        return self._documents.presigned_result_put(code, content_type=content_type)

    # ----------------------------------------------------------------- events

    def record_event(
        self,
        code: str,
        *,
        status: int,
        at: datetime,
        officer: str,
        reason: str | None,
        missing: list[str] | None,
        due_date: date | None,
        fee: Fee | None,
        result: DossierResult | None,
        apology: bool,
        loaded: tuple[Dossier, int] | None = None,
    ) -> EventOutcome:
        """Record one back-office event and queue its notice. Refused (nothing changed) for an
        event in the future, a result file that is not there, an apology that changes the
        status. ``loaded``: the dossier and version the caller just read."""
        if at - self._clock() > FUTURE_TOLERANCE:
            raise Refused(400, "invalid_field", "at is in the future.", "at")
        if result is not None and result.key is not None:
            self._check_result_file(code, result.key)
        for attempt in range(SAVE_ATTEMPTS):
            # ``loaded``: the caller's read (its agency checked) serves the first attempt.
            dossier, version = loaded if loaded is not None and attempt == 0 else self.load(code)
            try:
                recorded = dossier.record(
                    DossierStatus(status),
                    at,
                    officer,
                    reason=reason or "",
                    missing=tuple(missing or ()),
                    due_date=due_date,
                    fee=fee,
                    result=result,
                    apology=apology,
                    calendar=self._calendar,
                )
            except DomainError as exc:
                raise Refused(400, exc.code, exc.message) from None
            if recorded.changed:
                try:
                    self._dossiers.save(dossier, read_version=version)
                except DossierConflict:
                    continue
                for anomaly in recorded.anomalies:
                    log.metric("DossierAnomaly", anomaly=anomaly)
                    log.warning("dossier_anomaly", dossier_ref=_hash(code), anomaly=anomaly)
            notice: NoticeOutcome = "none"
            latest = recorded.entry is not None and recorded.entry == len(dossier.history) - 1
            if recorded.applied and latest and recorded.entry is not None:
                notice = self._queue_notice(dossier, recorded.entry)
            log.info(
                "dossier_event",
                dossier_ref=_hash(code),
                status=status,
                applied=recorded.applied,
                changed=recorded.changed,
                notice=notice,
            )
            return EventOutcome(dossier, recorded, notice)
        raise Refused(409, "dossier_busy", "The dossier changed meanwhile: send the event again.")

    def _check_result_file(self, code: str, key: str) -> None:
        if not key.startswith(DocumentStore.result_key(code, "")):
            raise Refused(400, "invalid_field", "result.key is not this dossier's.", "result.key")
        self._result_link(code, key)  # a missing secret refuses now, before anything changes
        if self._documents.head(key) is None:
            raise Refused(
                400,
                "result_not_found",
                "No file was uploaded under result.key: PUT it to the upload URL first.",
                "result.key",
            )

    def _queue_notice(self, dossier: Dossier, entry: int) -> NoticeOutcome:
        """Queue the citizen's notice of ``dossier.history[entry]`` (one SendMessage)."""
        user_id = dossier.owner_zalo_user_id
        phone = dossier.applicant.phone
        if not user_id and not phone:
            log.info("notice_unaddressed", dossier_ref=_hash(dossier.code), entry=entry)
            log.metric("NoticeUnaddressed", kind="status")
            return "unaddressed"
        result = dossier.result
        link = None
        if dossier.history[entry].status is DossierStatus.RESULT_READY and result is not None:
            link = result.url or (
                self._result_link(dossier.code, result.key) if result.key else None
            )
        message = status_notices.notice_message(
            dossier, entry, result_link=link, hotline=self._hotline
        )
        self._outbox.queue(
            QueuedNotice(
                notice_id=f"dossier:{dossier.code}:h{entry}",
                kind="status",
                user_id=user_id or None,
                phone=None if user_id else phone,
                message=message,
                template_data=status_notices.template_data(dossier, entry),
            )
        )
        return "queued"

    # ----------------------------------------------------------------- registration

    def register(
        self,
        code: str,
        *,
        procedure_code: str,
        procedure_name: str | None,
        receiving_agency: str,
        channel: str,
        received_at: datetime,
        status: int,
        due_date: date | None,
        time_limit_days: int | None,
        officer: str,
        applicant: Applicant,
    ) -> Registered:
        """Create the dossier (its first entry's notice queued) or update its registration
        fields (procedure, agency, applicant, due date): idempotent. Status changes of an
        existing dossier go through events (Refused 409 ``status_change_needs_event``)."""
        kind = CHANNELS[channel]
        for _attempt in range(SAVE_ATTEMPTS):
            found = self._dossiers.get(code)
            if found is not None:
                dossier, version = found
                if status != int(dossier.status):
                    raise Refused(
                        409,
                        "status_change_needs_event",
                        "This dossier exists: report status changes with POST …/events.",
                        "status",
                    )
                before = dossier.model_dump_json()
                if procedure_name:
                    dossier.procedure_name = procedure_name
                dossier.procedure_code = procedure_code
                dossier.receiving_agency_code = receiving_agency
                dossier.applicant = applicant
                if time_limit_days is not None:
                    dossier.time_limit_days = time_limit_days
                if due_date is not None:
                    dossier.set_official_due_date(due_date)
                if dossier.model_dump_json() == before:
                    return Registered(dossier, False, "none")
                try:
                    self._dossiers.save(dossier, read_version=version)
                except DossierConflict:
                    continue
                return Registered(dossier, False, "none")
            dossier = self._open(
                code,
                procedure_code=procedure_code,
                procedure_name=procedure_name,
                receiving_agency=receiving_agency,
                channel=kind,
                received_at=received_at,
                status=status,
                due_date=due_date,
                time_limit_days=time_limit_days,
                officer=officer,
                applicant=applicant,
            )
            try:
                self._dossiers.add(dossier)
            except DossierConflict:
                continue
            notice = self._queue_notice(dossier, len(dossier.history) - 1)
            log.info("dossier_registered", dossier_ref=_hash(code), status=status)
            return Registered(dossier, True, notice)
        raise Refused(409, "dossier_busy", "The dossier changed meanwhile: send it again.")

    def _open(
        self,
        code: str,
        *,
        procedure_code: str,
        procedure_name: str | None,
        receiving_agency: str,
        channel: Channel,
        received_at: datetime,
        status: int,
        due_date: date | None,
        time_limit_days: int | None,
        officer: str,
        applicant: Applicant,
    ) -> Dossier:
        defaults = self._procedures.of(procedure_code, channel)
        name = procedure_name or (defaults[0] if defaults else None)
        if not name:
            raise Refused(
                400,
                "unknown_procedure",
                "The catalogue has no such procedure: send procedure_name.",
                "procedure_name",
            )
        limit = (
            time_limit_days if time_limit_days is not None else (defaults[1] if defaults else None)
        )
        initial = DossierStatus(status)
        opening = initial if initial in (DossierStatus.NEW, DossierStatus.ACCEPTED) else None
        dossier = Dossier.open(
            code=code,
            procedure_code=procedure_code,
            procedure_name=name,
            receiving_agency_code=receiving_agency,
            applicant=applicant,
            channel=channel,
            at=received_at,
            actor=officer,
            time_limit_days=limit,
            status=opening or DossierStatus.ACCEPTED,
            calendar=self._calendar,
            excludes_financial_obligation_time=bool(defaults and defaults[2]),
        )
        if opening is None:
            # Registered in a later status: accepted when received, then where it stands now.
            dossier.history = (
                *dossier.history,
                StatusChange(status=initial, at=received_at, actor=officer),
            )
            dossier.status = initial
        if due_date is not None:
            dossier.set_official_due_date(due_date)
        return dossier


def applicant_of(
    kind: str,
    name: str,
    id_number: str | None,
    phone: str | None,
    address: str,
    tax_code: str | None,
) -> Applicant:
    """The domain applicant (identity fields normalised); ValueError for invalid ones."""
    return Applicant(
        kind=ApplicantKind(kind),
        name=name,
        id_number=id_number,
        phone=phone,
        address=address,
        tax_code=tax_code,
    )
