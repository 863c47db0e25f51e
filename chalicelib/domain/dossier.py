"""Dossiers (hồ sơ): codes, statuses, the status life cycle and deadlines.

Status codes are the ones used to synchronise with the national portal. "Overdue" is not a
status: :meth:`Dossier.is_overdue` computes it from the due date.

Transition table (``ALLOWED_TRANSITIONS``), from -> to:

====================== ==========================================================
1 new (online)         2 accepted, 3 refused, 5 supplement, 7 withdrawal, 8 stopped
2 accepted             4 processing, 5, 6 fees, 7, 8, 9 result ready
3 refused              (final)
4 processing           5, 6, 7, 8, 9
5 supplement requested 2 (complete dossier arrives before acceptance), 4 (after it), 3, 7, 8
6 fees / taxes to pay  4, 9, 7, 8
7 withdrawal requested 8 (the agency stops processing)
8 stopped              (final)
9 result ready         10 result handed over
10 result handed over  (final)
====================== ==========================================================

A dossier opened at a counter starts at 2; one submitted online starts at 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.domain.agency import canonical_agency_code, normalize_agency_code
from chalicelib.domain.calendar import WorkingCalendar, default_calendar, local_date
from chalicelib.domain.identity import MobileNumber, PersonalIdNumber, TaxCode, mask

# --------------------------------------------------------------------------- errors


class DomainError(Exception):
    """Base of the dossier domain errors. ``code`` is stable: callers and logs may match on it."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    code = "invalid_transition"


class OutOfOrderEvent(DomainError):
    code = "out_of_order_event"


class SupplementAlreadyRequested(DomainError):
    """The law allows one complete supplement request per dossier."""

    code = "supplement_already_requested"


class SupplementItemsRequired(DomainError):
    code = "supplement_items_required"


class DueDateAlreadyReset(DomainError):
    """The appointment date may be re-set (apology slip) only once."""

    code = "due_date_already_reset"


class InvalidDueDateReset(DomainError):
    code = "invalid_due_date_reset"


class InvalidDossierCode(DomainError):
    code = "invalid_dossier_code"


class InvalidApology(DomainError):
    """An apology must keep the status and give the new date and the reason."""

    code = "invalid_apology"


# Back-office changes recorded although they break the usual order (Dossier.record).
ANOMALIES: dict[str, str] = {
    "transition_out_of_order": "the status change is not in the usual order",
    "second_supplement_request": "a second supplement request (the law allows one)",
    "status_repeated": "the same status again with new details",
    "second_apology": "a second apology (the date may be re-set once)",
    "apology_too_late": "the apology reached the applicant on or after the due date",
    "apology_date_not_later": "the apology's new date is not after the due date",
    "apology_without_due_date": "an apology for a dossier without a due date",
}


@dataclass(frozen=True)
class Recorded:
    """What :meth:`Dossier.record` did: ``applied`` False for an event older than the latest
    (nothing changed); ``changed`` when a history entry was appended; ``entry`` the index of
    the history entry the event is (new, or the one a retry found); ``anomalies`` its flags."""

    applied: bool
    changed: bool
    entry: int | None
    anomalies: tuple[str, ...]


class NotAwaitingSupplement(DomainError):
    """Documents sent as a supplement while the dossier is not in status 5."""

    code = "not_awaiting_supplement"


class WithdrawalNotAllowed(DomainError):
    """A withdrawal asked for once a result exists or the dossier is closed."""

    code = "withdrawal_not_allowed"


# --------------------------------------------------------------------------- statuses


class DossierStatus(IntEnum):
    """Dossier status codes shared with the national portal."""

    NEW = 1
    ACCEPTED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    FINANCIAL_OBLIGATION = 6
    WITHDRAWAL_REQUESTED = 7
    STOPPED = 8
    RESULT_READY = 9
    RESULT_DELIVERED = 10

    @property
    def official_name(self) -> str:
        """The official Vietnamese name of the status."""
        return STATUS_OFFICIAL_NAMES[self]


# Reference data (the synchronisation code table), kept in this one place.
STATUS_OFFICIAL_NAMES: dict[DossierStatus, str] = {
    DossierStatus.NEW: "Mới đăng ký",
    DossierStatus.ACCEPTED: "Được tiếp nhận",
    DossierStatus.REFUSED: "Không được tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.FINANCIAL_OBLIGATION: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWAL_REQUESTED: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.RESULT_READY: "Đã xử lý xong",
    DossierStatus.RESULT_DELIVERED: "Đã trả kết quả",
}

_S = DossierStatus
ALLOWED_TRANSITIONS: dict[DossierStatus, frozenset[DossierStatus]] = {
    _S.NEW: frozenset(
        {_S.ACCEPTED, _S.REFUSED, _S.SUPPLEMENT_REQUESTED, _S.WITHDRAWAL_REQUESTED, _S.STOPPED}
    ),
    _S.ACCEPTED: frozenset(
        {
            _S.PROCESSING,
            _S.SUPPLEMENT_REQUESTED,
            _S.FINANCIAL_OBLIGATION,
            _S.WITHDRAWAL_REQUESTED,
            _S.STOPPED,
            _S.RESULT_READY,
        }
    ),
    _S.REFUSED: frozenset(),
    _S.PROCESSING: frozenset(
        {
            _S.SUPPLEMENT_REQUESTED,
            _S.FINANCIAL_OBLIGATION,
            _S.WITHDRAWAL_REQUESTED,
            _S.STOPPED,
            _S.RESULT_READY,
        }
    ),
    _S.SUPPLEMENT_REQUESTED: frozenset(
        {_S.ACCEPTED, _S.PROCESSING, _S.REFUSED, _S.WITHDRAWAL_REQUESTED, _S.STOPPED}
    ),
    _S.FINANCIAL_OBLIGATION: frozenset(
        {_S.PROCESSING, _S.RESULT_READY, _S.WITHDRAWAL_REQUESTED, _S.STOPPED}
    ),
    _S.WITHDRAWAL_REQUESTED: frozenset({_S.STOPPED}),
    _S.STOPPED: frozenset(),
    _S.RESULT_READY: frozenset({_S.RESULT_DELIVERED}),
    _S.RESULT_DELIVERED: frozenset(),
}
INITIAL_STATUSES = frozenset({_S.NEW, _S.ACCEPTED})
# Statuses in which no result is owed any more, so a dossier cannot be late.
_CLOSED_WITHOUT_RESULT = frozenset({_S.REFUSED, _S.WITHDRAWAL_REQUESTED, _S.STOPPED})
_RESULT_STATUSES = frozenset({_S.RESULT_READY, _S.RESULT_DELIVERED})
# Statuses whose event carries a reason the citizen is told (refusal, withdrawal, stop).
_REASON_STATUSES = frozenset({_S.REFUSED, _S.WITHDRAWAL_REQUESTED, _S.STOPPED})


# Statuses in which the applicant may ask to withdraw (before a result; the back office then
# confirms with status 7).
WITHDRAWABLE_STATUSES = frozenset(
    {_S.NEW, _S.ACCEPTED, _S.PROCESSING, _S.SUPPLEMENT_REQUESTED, _S.FINANCIAL_OBLIGATION}
)

# History entries that are not status changes (``StatusChange.event``): the status stays.
EVENT_SUPPLEMENT_RECEIVED = "supplement_received"
EVENT_WITHDRAWAL_REQUESTED = "withdrawal_requested"
EVENT_APOLOGY = "apology"  # the back office re-set the appointment date (Dossier.record)


class Channel(IntEnum):
    """How the dossier was submitted (national portal codes)."""

    IN_PERSON = 1
    ONLINE = 2
    POSTAL = 3


# --------------------------------------------------------------------------- codes

DOSSIER_CODE_EXAMPLE = "000.00.17.H12-261126-0007"

# The dossier codes citizens hold (docs/glossary.md, "mã hồ sơ"), one parser for all:
# * Thông tư 01/2018/TT-VPCP: the receiving unit's QCVN 102 code, the receipt date YYMMDD and
#   the unit's 4-digit sequence of that day: ``000.00.17.H12-261126-0007`` (5 or 6 digits
#   once a unit receives more than 9,999 dossiers in a day, so never with a leading zero:
#   ``…-00071`` is a typo, not a code).
# * Codes issued by national and ministry systems connected to the national portal, with a
#   short unit code (a level-1 letter and two digits, then one to three numeric groups) and a
#   sequence of 4 to 6 digits: ``G22.99-251225-020175`` [likely: seen in real data; the unit
#   part varies by system, so it is matched by shape, not by a list].
# Both are canonical in upper case with '.' inside the unit code and '-' between the parts.
# People copy codes from PDFs and chat apps and type them on phones: dash look-alikes,
# underscores, slashes, spaces or nothing between the parts, commas for dots, any case.
_DASHES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "_": "-", "/": "-"})
_PART = r"(?:\s*-\s*|\s+)"
_DOT = r"\s*[.,]?\s*"
_FULL = (
    rf"(?P<a>\d{{3}}){_DOT}(?P<b>\d{{2}}){_DOT}(?P<c>\d{{2}}){_DOT}(?P<d>[A-Z]\d{{2}})"
    rf"{_PART}?(?P<date>\d{{6}}){_PART}?(?P<seq>\d{{4}}|[1-9]\d{{4,5}})"
)
_SHORT = (
    r"(?P<unit>[A-Z]\d{2})(?P<groups>(?:\s*[.,]\s*\d{1,3}){1,3})"
    rf"{_PART}(?P<sdate>\d{{6}}){_PART}?(?P<sseq>\d{{4,6}})"
)
_CODE_IN_TEXT = re.compile(rf"(?<![0-9A-Z.])(?:{_FULL}|{_SHORT})(?![0-9A-Z])", re.IGNORECASE)


def _canonical(match: re.Match[str]) -> str | None:
    if match.group("a") is not None:
        unit = ".".join(match.group(k) for k in ("a", "b", "c", "d"))
        day, seq = match.group("date"), match.group("seq")
    else:
        groups = re.findall(r"\d+", match.group("groups"))
        unit = ".".join((match.group("unit"), *groups))
        day, seq = match.group("sdate"), match.group("sseq")
    try:
        date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
    except ValueError:
        return None
    return f"{unit.upper()}-{day}-{seq}"


def find_code(text: str) -> str | None:
    """The first dossier code in free ``text`` (a chat message), canonical, or None.

    Accepts every format above and the ways people type them; a code whose date part is not
    a real calendar date is not a code. Pure; never raises.
    """
    for match in _CODE_IN_TEXT.finditer(text.translate(_DASHES)):
        canonical = _canonical(match)
        if canonical is not None:
            return canonical
    return None


def normalize_code(text: str) -> str | None:
    """``text`` as a canonical dossier code when it is one code and nothing else, or None.

    ``' 000.00.17.h12 - 261126-0007 '`` -> ``'000.00.17.H12-261126-0007'``;
    ``'g22.99 251225 020175'`` -> ``'G22.99-251225-020175'``. Pure and idempotent.
    """
    candidate = text.translate(_DASHES).strip()
    match = _CODE_IN_TEXT.fullmatch(candidate)
    return _canonical(match) if match else None


def format_code(agency_code: str, local_date: date, seq: int) -> str:
    """The dossier code for the ``seq``-th dossier an agency received on ``local_date``.

    ``local_date`` is the Asia/Ho_Chi_Minh receipt date; ``seq`` starts at 1 each local day (the
    counter itself lives in storage) and is written with 4 digits, 5 or 6 past 9,999. Raises
    InvalidDossierCode for a bad agency code or sequence.
    """
    canonical = normalize_agency_code(agency_code)
    if canonical is None:
        raise InvalidDossierCode(f"not a QCVN 102 agency code: {agency_code!r}")
    if not 1 <= seq <= 999_999:  # the code parser reads 4 to 6 digits
        raise InvalidDossierCode(f"sequence out of range 1..999999: {seq}")
    return f"{canonical}-{local_date:%y%m%d}-{seq:04d}"


def code_receipt_date(code: str) -> date | None:
    """The receipt date a dossier code carries, or None when ``code`` is not a code."""
    canonical = normalize_code(code)
    if canonical is None:
        return None
    day = canonical.split("-")[-2]
    return date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))


# --------------------------------------------------------------------------- model


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment


class DueDateSource(StrEnum):
    """Where the due date comes from. The back office's date (printed on the receipt, sent
    through the integration) always wins; until it arrives the computed one is an estimate
    and is shown as such ("dự kiến")."""

    ESTIMATE = "estimate"
    OFFICIAL = "official"


class ApplicantKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class Applicant(BaseModel):
    """The person or organisation the dossier is for. Immutable.

    Identity fields are normalised on construction (``phone`` to E.164); invalid values raise
    pydantic's ValidationError. ``tax_code`` is only accepted for organisations.
    """

    model_config = ConfigDict(frozen=True)

    kind: ApplicantKind = ApplicantKind.PERSON
    name: str
    id_number: PersonalIdNumber | None = None
    phone: MobileNumber | None = None
    address: str = ""
    tax_code: TaxCode | None = None
    representative: str = ""  # an organisation's legal representative (người đại diện)

    @model_validator(mode="after")
    def _tax_code_is_for_organisations(self) -> Self:
        if self.tax_code is not None and self.kind is not ApplicantKind.ORGANISATION:
            raise ValueError("tax_code is only for organisations")
        if self.representative and self.kind is not ApplicantKind.ORGANISATION:
            raise ValueError("representative is only for organisations")
        return self


class StatusChange(BaseModel):
    """One entry of the append-only status history. Immutable.

    ``event`` is empty for a status change; otherwise the entry records something that
    happened without changing the status (``status`` is the status it happened in): a
    supplement received through Zalo, a withdrawal request."""

    model_config = ConfigDict(frozen=True)

    status: DossierStatus
    at: datetime
    actor: str
    note: str = ""
    # "" for a status change; otherwise what happened while the status stays: "apology" (the
    # back office re-set the appointment date), EVENT_SUPPLEMENT_RECEIVED,
    # EVENT_WITHDRAWAL_REQUESTED.
    event: str = ""
    # Why a back-office change breaks the usual order, recorded anyway (ANOMALIES).
    anomalies: tuple[str, ...] = ()

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return _require_aware(value)


class DossierDocument(BaseModel):
    """A file attached to the dossier: its S3 key and the name shown to people; for files
    submitted online also the component it belongs to and the facts checked on intake."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    component_code: str = ""
    component_name: str = ""
    content_type: str = ""
    size: int | None = None
    sha256: str = ""


class Fee(BaseModel):
    """Fees or taxes to pay (status 6): the amount in đồng, what for, where to pay."""

    model_config = ConfigDict(frozen=True)

    amount: int = Field(ge=0)
    purpose: str
    payment_url: str | None = None


class DossierResult(BaseModel):
    """The result (status 9): an electronic result (a link, or the key of a file the back
    office uploaded under ``results/<code>/``) and/or where to collect the paper result."""

    model_config = ConfigDict(frozen=True)

    url: str | None = None
    key: str | None = None
    pickup: str | None = None


class AnonymousDossierView(BaseModel):
    """What anyone holding the code may see: no personal data."""

    model_config = ConfigDict(frozen=True)

    code: str
    procedure_name: str
    status: DossierStatus
    status_name: str


class OwnerHistoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: DossierStatus
    status_name: str
    at: datetime
    note: str
    event: str = ""


class OwnerDossierView(BaseModel):
    """What the applicant sees. Officer names are left out; the ID number is masked."""

    model_config = ConfigDict(frozen=True)

    code: str
    procedure_code: str
    procedure_name: str
    status: DossierStatus
    status_name: str
    channel: Channel
    applicant_name: str
    applicant_id_masked: str | None
    received_at: datetime | None
    complete_received_at: datetime | None
    due_date: date | None
    due_date_is_estimate: bool
    due_date_was_reset: bool
    is_overdue: bool
    result_ready: bool
    supplement_items: tuple[str, ...]
    documents: tuple[str, ...]
    history: tuple[OwnerHistoryEntry, ...]
    withdrawal_requested_at: datetime | None = None


def _calendar_or_default(calendar: WorkingCalendar | None) -> WorkingCalendar:
    return calendar if calendar is not None else default_calendar()


class Dossier(BaseModel):
    """A dossier and its life cycle. Mutated only through its methods.

    ``history`` is append-only (a tuple replaced by a longer one). ``due_date`` is None until
    the dossier is accepted, and when the procedure has no working-day time limit;
    ``due_date_source`` says whether it is the back office's date or our estimate.
    ``received_at`` is the first receipt and never changes; ``complete_received_at`` is the
    receipt of the complete dossier after a supplement request, from which the time limit
    counts again. ``excludes_financial_obligation_time`` (copied from the procedure) stops the
    time in status 6 from counting ("không kể thời gian thực hiện nghĩa vụ tài chính").
    """

    code: str
    procedure_code: str
    procedure_name: str
    receiving_agency_code: str
    applicant: Applicant
    owner_zalo_user_id: str | None = None
    channel: Channel
    status: DossierStatus
    history: tuple[StatusChange, ...] = ()
    received_at: datetime | None = None
    complete_received_at: datetime | None = None
    time_limit_days: int | None = Field(default=None, ge=0)
    excludes_financial_obligation_time: bool = False
    due_date: date | None = None
    due_date_source: DueDateSource = DueDateSource.ESTIMATE
    original_due_date: date | None = None
    due_date_reset_once: bool = False
    due_date_reset_reason: str = ""
    supplement_items: tuple[str, ...] = ()
    documents: tuple[DossierDocument, ...] = ()
    # Reported by the back office (chalicelib/services/back_office.py).
    reason: str = ""  # of the latest refusal, stop, withdrawal or apology
    fee: Fee | None = None
    result: DossierResult | None = None
    apologies: int = 0

    # The applicant asked to withdraw (through Zalo); the back office confirms with status 7.
    withdrawal_requested_at: datetime | None = None
    withdrawal_reason: str = ""

    @field_validator("code")
    @classmethod
    def _canonical_code(cls, value: str) -> str:
        canonical = normalize_code(value)
        if canonical is None:
            raise ValueError(f"not a dossier code: {value!r}")
        return canonical

    @field_validator("receiving_agency_code")
    @classmethod
    def _canonical_agency(cls, value: str) -> str:
        return canonical_agency_code(value)

    @field_validator("received_at", "complete_received_at")
    @classmethod
    def _aware_received_at(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _require_aware(value)

    # ----------------------------------------------------------------- creation

    @classmethod
    def open(
        cls,
        *,
        code: str,
        procedure_code: str,
        procedure_name: str,
        receiving_agency_code: str,
        applicant: Applicant,
        channel: Channel,
        at: datetime,
        actor: str,
        time_limit_days: int | None,
        status: DossierStatus | None = None,
        owner_zalo_user_id: str | None = None,
        documents: tuple[DossierDocument, ...] = (),
        calendar: WorkingCalendar | None = None,
        excludes_financial_obligation_time: bool = False,
    ) -> Dossier:
        """A new dossier with its first history entry.

        ``status`` defaults to 1 (new) for online submissions and 2 (accepted) otherwise; an
        accepted dossier gets ``received_at = at`` and its due date. Raises InvalidTransition
        for any other initial status, pydantic ValidationError for invalid fields.
        """
        initial = status or (_S.NEW if channel is Channel.ONLINE else _S.ACCEPTED)
        if initial not in INITIAL_STATUSES:
            raise InvalidTransition(f"a dossier cannot start at status {int(initial)}")
        dossier = cls(
            code=code,
            procedure_code=procedure_code,
            procedure_name=procedure_name,
            receiving_agency_code=receiving_agency_code,
            applicant=applicant,
            owner_zalo_user_id=owner_zalo_user_id,
            channel=channel,
            status=initial,
            history=(StatusChange(status=initial, at=at, actor=actor),),
            time_limit_days=time_limit_days,
            excludes_financial_obligation_time=excludes_financial_obligation_time,
            documents=documents,
        )
        if initial is _S.ACCEPTED:
            dossier._start_clock(at, _calendar_or_default(calendar))
        return dossier

    # ----------------------------------------------------------------- derived

    @property
    def result_ready(self) -> bool:
        """True once the result exists (status 9 or 10)."""
        return self.status in _RESULT_STATUSES

    @property
    def finished_at(self) -> datetime | None:
        """When the result became ready (first entry into 9, or 10 if 9 was skipped)."""
        for change in self.history:
            if change.status in _RESULT_STATUSES:
                return change.at
        return None

    @property
    def supplement_was_requested(self) -> bool:
        return any(c.status is _S.SUPPLEMENT_REQUESTED for c in self.history)

    def is_overdue(self, now: datetime, calendar: WorkingCalendar | None = None) -> bool:
        """True when the result is (or was) later than the due date. Computed, never stored.

        False without a due date, while the clock is stopped for a supplement (status 5) or
        for fees and taxes the procedure does not count (status 6), and for dossiers closed
        without a result (3, 7, 8). A finished dossier is judged by when
        its result became ready, not by ``now``. Raises NaiveDatetimeError for a naive ``now``.
        """
        local_date(now)  # reject a naive `now` even when the answer does not depend on it
        if (
            self.due_date is None
            or self.status in _CLOSED_WITHOUT_RESULT
            or self.status is _S.SUPPLEMENT_REQUESTED
            or (self.status is _S.FINANCIAL_OBLIGATION and self.excludes_financial_obligation_time)
        ):
            return False
        calendar = _calendar_or_default(calendar)
        return calendar.is_overdue(self.due_date, now, self.finished_at)

    # ----------------------------------------------------------------- behaviour

    def transition(
        self,
        new_status: DossierStatus,
        at: datetime,
        actor: str,
        note: str = "",
        *,
        supplement_items: tuple[str, ...] | list[str] = (),
        calendar: WorkingCalendar | None = None,
    ) -> bool:
        """Move to ``new_status``, appending to the history. Returns True if anything changed.

        Idempotent: repeating the current status is a no-op returning False (status events may
        be delivered twice). Side effects: entering 2 starts the clock (received_at, due date);
        entering 5 needs the complete ``supplement_items`` list and stops the clock; leaving 5
        for 2 or 4 records ``complete_received_at`` and counts the full time limit again from
        it (a new estimate: the old official date belonged to the first receipt); leaving 6
        moves an estimated due date by the working days spent there when the procedure does
        not count that time.

        Raises InvalidTransition (not in the table), OutOfOrderEvent (``at`` before the last
        entry), SupplementAlreadyRequested (a second request), SupplementItemsRequired,
        ValueError for a naive ``at``.
        """
        new_status = DossierStatus(new_status)
        _require_aware(at)
        if new_status is self.status:
            return False
        if new_status not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(
                f"status {int(self.status)} -> {int(new_status)} is not allowed"
            )
        last_change = next((c for c in reversed(self.history) if not c.event), None)
        if last_change is not None and at < last_change.at:
            raise OutOfOrderEvent("a status change cannot predate the previous one")
        if new_status is _S.SUPPLEMENT_REQUESTED:
            if self.supplement_was_requested:
                raise SupplementAlreadyRequested("a dossier gets one complete supplement request")
            items = tuple(item.strip() for item in supplement_items if item.strip())
            if not items:
                raise SupplementItemsRequired("list everything the applicant must supplement")
            self.supplement_items = items

        self._enter(new_status, at, actor, note, calendar=calendar)
        return True

    def _enter(
        self,
        new_status: DossierStatus,
        at: datetime,
        actor: str,
        note: str,
        *,
        calendar: WorkingCalendar | None,
        anomalies: tuple[str, ...] = (),
    ) -> None:
        """Append the history entry and apply the clock's side effects of entering
        ``new_status`` (the checks are the caller's)."""
        leaving_supplement = self.status is _S.SUPPLEMENT_REQUESTED
        leaving_fees = self.status is _S.FINANCIAL_OBLIGATION
        entered_current = self.history[-1].at if self.history else at
        self.history = (
            *self.history,
            StatusChange(status=new_status, at=at, actor=actor, note=note, anomalies=anomalies),
        )
        self.status = new_status

        if new_status in (_S.ACCEPTED, _S.PROCESSING) and leaving_supplement:
            self._restart_clock_after_supplement(at, _calendar_or_default(calendar))
        elif new_status is _S.ACCEPTED and self.received_at is None:
            self._start_clock(at, _calendar_or_default(calendar))
        if leaving_fees and self.excludes_financial_obligation_time:
            self._extend_for_fees(entered_current, at, _calendar_or_default(calendar))

    def _start_clock(self, at: datetime, calendar: WorkingCalendar) -> None:
        self.received_at = at
        if self.time_limit_days is not None and self.due_date_source is DueDateSource.ESTIMATE:
            self.due_date = calendar.due_date(at, self.time_limit_days)

    def _restart_clock_after_supplement(self, at: datetime, calendar: WorkingCalendar) -> None:
        if self.received_at is None:
            self.received_at = at
        self.complete_received_at = at
        if self.time_limit_days is not None:
            self.due_date = calendar.due_date_after_supplement(at, self.time_limit_days)
            self.due_date_source = DueDateSource.ESTIMATE

    def _extend_for_fees(self, since: datetime, until: datetime, calendar: WorkingCalendar) -> None:
        # An official date is the back office's to move; it sends the new one.
        if self.due_date is not None and self.due_date_source is DueDateSource.ESTIMATE:
            self.due_date = calendar.extend_by_pause(self.due_date, since, until)

    def set_official_due_date(self, due: date) -> bool:
        """Record the back office's appointment date (receipt, integration). It wins over the
        estimate from then on. Idempotent: the same official date again returns False."""
        if self.due_date == due and self.due_date_source is DueDateSource.OFFICIAL:
            return False
        self.due_date = due
        self.due_date_source = DueDateSource.OFFICIAL
        return True

    def reset_due_date(self, new_due_date: date, at: datetime, reason: str) -> None:
        """Re-set the appointment date after an apology slip (Mẫu 04). Allowed ONCE.

        The slip must go out before the due date (at the latest the day before it) and the new
        date must be later. Raises DueDateAlreadyReset on a second call, InvalidDueDateReset
        when there is no due date, the new date is not later, the slip is too late or
        ``reason`` is blank, NaiveDatetimeError for a naive ``at``.
        """
        if self.due_date_reset_once:
            raise DueDateAlreadyReset("the appointment date was already re-set once")
        if self.due_date is None:
            raise InvalidDueDateReset("the dossier has no due date yet")
        if not reason.strip():
            raise InvalidDueDateReset("the apology must give a reason")
        if new_due_date <= self.due_date:
            raise InvalidDueDateReset("the new date must be after the current due date")
        if local_date(at) >= self.due_date:
            raise InvalidDueDateReset("the apology must reach the applicant before the due date")
        self.original_due_date = self.due_date
        self.due_date = new_due_date
        self.due_date_source = DueDateSource.OFFICIAL  # the apology slip states it
        self.due_date_reset_once = True
        self.due_date_reset_reason = reason.strip()

    def attach(self, document: DossierDocument) -> bool:
        """Add a document; adding the same S3 key again is a no-op returning False."""
        if any(existing.key == document.key for existing in self.documents):
            return False
        self.documents = (*self.documents, document)
        return True

    # ----------------------------------------------------------------- back-office events

    def record(
        self,
        status: DossierStatus,
        at: datetime,
        actor: str,
        *,
        reason: str = "",
        missing: tuple[str, ...] | list[str] = (),
        due_date: date | None = None,
        fee: Fee | None = None,
        result: DossierResult | None = None,
        apology: bool = False,
        calendar: WorkingCalendar | None = None,
    ) -> Recorded:
        """Record what the one-stop system (the system of record) reports.

        Unlike :meth:`transition`, a change that breaks the usual order is recorded anyway and
        flagged in its history entry (``anomalies``, codes in :data:`ANOMALIES`). Not recorded:

        - an event older than the latest history entry (``applied`` False, nothing changes);
        - an event already recorded (same kind, status and time: a retried request), which
          answers the entry it already is (``changed`` False);
        - the current status again with nothing new (``changed`` False).

        An apology (``apology``) keeps the status (InvalidApology otherwise), needs the new
        ``due_date`` and the ``reason``, and re-sets the appointment date. ``due_date`` on any
        other event is the back office's official date. Raises SupplementItemsRequired for a
        status 5 without ``missing``, ValueError for a naive ``at``.
        """
        status = DossierStatus(status)
        _require_aware(at)
        event = EVENT_APOLOGY if apology else ""
        for index, change in enumerate(self.history):
            if change.event == event and change.status is status and change.at == at:
                return Recorded(True, False, index, change.anomalies)
        # Older than the back office's latest change (the citizen's own entries, a supplement
        # or a withdrawal request in the chat, do not count: they come from another clock).
        reported = [c.at for c in self.history if c.event in ("", EVENT_APOLOGY)]
        if reported and at < reported[-1]:
            return Recorded(False, False, None, ())
        reason = reason.strip()
        if apology:
            return self._apologise(status, at, actor, reason, due_date, calendar)
        items = tuple(item.strip() for item in missing if item.strip())
        if status is _S.SUPPLEMENT_REQUESTED and not items:
            raise SupplementItemsRequired("list everything the applicant must supplement")
        anomalies: list[str] = []
        if status is self.status:
            news = (
                (status is _S.SUPPLEMENT_REQUESTED and items != self.supplement_items)
                or (fee is not None and fee != self.fee)
                or (result is not None and result != self.result)
                or (due_date is not None and due_date != self.due_date)
                or (bool(reason) and reason != self.reason)
            )
            if not news:
                last = max(
                    i for i, c in enumerate(self.history) if c.status is status and not c.event
                )
                return Recorded(True, False, last, ())
            anomalies.append("status_repeated")
        elif status not in ALLOWED_TRANSITIONS[self.status]:
            anomalies.append("transition_out_of_order")
        if status is _S.SUPPLEMENT_REQUESTED:
            if self.supplement_was_requested:
                anomalies.append("second_supplement_request")
            self.supplement_items = items
        if status in _REASON_STATUSES and reason:
            self.reason = reason
        if fee is not None:
            self.fee = fee
        if result is not None:
            self.result = result
        flagged = tuple(anomalies)
        if status is self.status:
            self.history = (
                *self.history,
                StatusChange(status=status, at=at, actor=actor, note=reason, anomalies=flagged),
            )
        else:
            self._enter(status, at, actor, reason, calendar=calendar, anomalies=flagged)
        if due_date is not None:
            self.set_official_due_date(due_date)
        return Recorded(True, True, len(self.history) - 1, flagged)

    def _apologise(
        self,
        status: DossierStatus,
        at: datetime,
        actor: str,
        reason: str,
        new_due_date: date | None,
        calendar: WorkingCalendar | None,
    ) -> Recorded:
        if status is not self.status:
            raise InvalidApology("an apology keeps the dossier's status")
        if new_due_date is None or not reason:
            raise InvalidApology("an apology gives the new due date and the reason")
        anomalies: list[str] = []
        if self.apologies or self.due_date_reset_once:
            anomalies.append("second_apology")
        if self.due_date is None:
            anomalies.append("apology_without_due_date")
        else:
            if local_date(at) >= self.due_date:
                anomalies.append("apology_too_late")
            if new_due_date <= self.due_date:
                anomalies.append("apology_date_not_later")
        if self.original_due_date is None:
            self.original_due_date = self.due_date
        self.due_date = new_due_date
        self.due_date_source = DueDateSource.OFFICIAL
        self.due_date_reset_once = True
        self.due_date_reset_reason = reason
        self.reason = reason
        self.apologies += 1
        flagged = tuple(anomalies)
        self.history = (
            *self.history,
            StatusChange(
                status=status,
                at=at,
                actor=actor,
                note=reason,
                event=EVENT_APOLOGY,
                anomalies=flagged,
            ),
        )
        return Recorded(True, True, len(self.history) - 1, flagged)

    def receive_supplement(self, document: DossierDocument) -> bool:
        """Attach a document the applicant sent in answer to the supplement request. The
        status does not change (the back office decides). False when already attached.
        Raises NotAwaitingSupplement outside status 5."""
        if self.status is not _S.SUPPLEMENT_REQUESTED:
            raise NotAwaitingSupplement(f"status {int(self.status)}, not 5")
        return self.attach(document)

    def note_event(self, event: str, at: datetime, actor: str, note: str = "") -> bool:
        """Append a history entry that is not a status change; the same ``event`` at the same
        ``at`` again is a no-op returning False (a retried request)."""
        _require_aware(at)
        if any(c.event == event and c.at == at for c in self.history):
            return False
        entry = StatusChange(status=self.status, at=at, actor=actor, note=note, event=event)
        self.history = (*self.history, entry)
        return True

    def request_withdrawal(self, at: datetime, actor: str, reason: str = "") -> bool:
        """Record the applicant's request to withdraw the dossier (the status stays; the back
        office confirms with status 7). False when already requested. Raises
        WithdrawalNotAllowed once a result exists or the dossier is closed."""
        if self.status not in WITHDRAWABLE_STATUSES:
            raise WithdrawalNotAllowed(f"status {int(self.status)}")
        if self.withdrawal_requested_at is not None:
            return False
        self.withdrawal_requested_at = _require_aware(at)
        self.withdrawal_reason = reason.strip()[:500]
        self.note_event(EVENT_WITHDRAWAL_REQUESTED, at, actor, self.withdrawal_reason)
        return True

    # ----------------------------------------------------------------- views

    def anonymous_view(self) -> AnonymousDossierView:
        """Code, procedure name and status only: safe for whoever typed the code."""
        return AnonymousDossierView(
            code=self.code,
            procedure_name=self.procedure_name,
            status=self.status,
            status_name=self.status.official_name,
        )

    def owner_view(
        self, now: datetime, calendar: WorkingCalendar | None = None
    ) -> OwnerDossierView:
        """Everything the applicant may see, with ``is_overdue`` evaluated at ``now``."""
        return OwnerDossierView(
            code=self.code,
            procedure_code=self.procedure_code,
            procedure_name=self.procedure_name,
            status=self.status,
            status_name=self.status.official_name,
            channel=self.channel,
            applicant_name=self.applicant.name,
            applicant_id_masked=mask(self.applicant.id_number)
            if self.applicant.id_number
            else None,
            received_at=self.received_at,
            complete_received_at=self.complete_received_at,
            due_date=self.due_date,
            due_date_is_estimate=self.due_date_source is DueDateSource.ESTIMATE,
            due_date_was_reset=self.due_date_reset_once,
            is_overdue=self.is_overdue(now, calendar),
            result_ready=self.result_ready,
            supplement_items=self.supplement_items
            if self.status is _S.SUPPLEMENT_REQUESTED
            else (),
            documents=tuple(document.name for document in self.documents),
            history=tuple(
                OwnerHistoryEntry(
                    status=c.status,
                    status_name=c.status.official_name,
                    at=c.at,
                    note=c.note,
                    event=c.event,
                )
                for c in self.history
            ),
            withdrawal_requested_at=self.withdrawal_requested_at,
        )
