"""The engine's vocabulary: what comes in (a turn, a session), what goes out (an outcome).

Everything here is a pydantic model, so the processing layer can persist a session with
``model_dump(mode="json")`` and restore it with ``Session.model_validate``. The lookups the
engine needs (procedure catalogue, dossiers) are a :class:`Lookups` protocol with small
result models of our own; the domain adapter maps its records into them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# The global actions are part of the engine's vocabulary: re-exported (``X as X``) from here.
from chalicelib.conversation.actions import Action as Action
from chalicelib.conversation.actions import AnyAction
from chalicelib.conversation.actions import DeleteMyData as DeleteMyData
from chalicelib.conversation.actions import GrantConsent as GrantConsent
from chalicelib.conversation.actions import RecordUnfollow as RecordUnfollow
from chalicelib.conversation.actions import WithdrawConsent as WithdrawConsent
from chalicelib.zalo.limits import MAX_BUTTONS, MAX_PAYLOAD_CHARS, MAX_TEXT_CHARS


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- What the engine sends -------------------------------------------------------------------


class Button(_Frozen):
    """A quick-reply button. Tapping it sends ``payload`` back as an ordinary text message
    (Zalo ``oa.query.hide``). Titles are kept short (about 20 characters) by the engine."""

    title: str = Field(min_length=1)
    payload: str = Field(min_length=1, max_length=MAX_PAYLOAD_CHARS)


class InfoCard(_Frozen):
    """Zalo's ``request_user_info`` card: the citizen taps it to share their Zalo name, phone
    and address (answered by a ``user_submit_info`` event, :meth:`Flow.on_user_info`)."""

    title: str = Field(min_length=1, max_length=100)
    subtitle: str = Field(min_length=1, max_length=500)


class Reply(_Frozen):
    """One Zalo message. Guaranteed to fit Zalo's limits: at most 2,000 characters of text
    and at most 5 buttons (the engine splits and pages before building one). ``info_card``
    follows the text as a message of its own."""

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    buttons: list[Button] = Field(default_factory=list, max_length=MAX_BUTTONS)
    info_card: InfoCard | None = None


# --- What the engine remembers between turns ---------------------------------------------------


class Session(BaseModel):
    """Where a citizen is in a multi-step flow. Only exists while a flow waits for input.

    ``version`` is carried through unchanged (0 for a new session): the store uses it for an
    optimistic-locking conditional write and increments it itself.
    """

    model_config = ConfigDict(extra="forbid")

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    started_at: AwareDatetime
    updated_at: AwareDatetime
    version: int = 0


# --- What comes in -----------------------------------------------------------------------------

TurnKind = Literal[
    "text", "image", "file", "location", "follow", "unfollow", "chatnow", "submit_info", "other"
]


class Attachment(_Frozen):
    type: str
    url: str | None = None
    name: str | None = None
    size: int | None = None


class Location(_Frozen):
    """A place the citizen shared (``user_send_location``), in degrees."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class UserInfo(_Frozen):
    """What the citizen shared through Zalo's information request card (``user_submit_info``).
    Personal data: never logged, kept only where a flow's action stores it."""

    name: str | None = None
    phone: str | None = None  # as Zalo sends it, e.g. 84912345678
    address: str | None = None  # one line: street, ward, district, province


class Turn(_Frozen):
    """One incoming event, already parsed from the Zalo webhook by the processing layer.

    ``now`` is the time the engine reasons with (event time); the engine never reads a clock.
    ``consented`` / ``first_interaction`` come from the citizen's stored profile.
    ``location`` is set for a ``location`` turn, ``user_info`` for a ``submit_info`` turn.
    """

    user_id: str = Field(min_length=1)
    now: AwareDatetime
    kind: TurnKind
    text: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    location: Location | None = None
    user_info: UserInfo | None = None
    consented: bool = False
    first_interaction: bool = False
    # "<flow>:<arg>" when the back office waits for this citizen's answer (issue 14): with no
    # flow active, the flow named resumes (Flow.resume) before the turn is handled.
    awaiting: str | None = None


# --- Side effects the processing layer performs --------------------------------------------------
# Actions are an open set (see chalicelib.conversation.actions): the global ones are re-exported
# here; a flow declares its own beside itself.


class Outcome(_Frozen):
    """What to do after a turn: persist ``session`` (``None`` = delete it), send ``replies``
    in order, perform ``actions``. Actions should be performed before replies are sent."""

    session: Session | None
    replies: list[Reply] = Field(default_factory=list)
    actions: list[AnyAction] = Field(default_factory=list)


# --- Settings ------------------------------------------------------------------------------------


class EngineSettings(_Frozen):
    hotline: str = Field(min_length=1)
    portal_url: str = "https://dichvucong.gov.vn"
    centre_name: str = "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"
    session_timeout: timedelta = timedelta(minutes=30)
    my_dossiers_limit: int = Field(default=5, ge=1, le=5)
    max_applicant_attempts: int = Field(default=3, ge=1)
    data_region: str = "ap-southeast-1"  # where the data is stored, named in the notice

    @classmethod
    def from_app_settings(cls, settings: Any) -> EngineSettings:
        """Build from :class:`chalicelib.settings.Settings` (duck-typed: no import here)."""
        return cls(
            hotline=settings.CENTRE_HOTLINE,
            portal_url=settings.NATIONAL_PORTAL_URL,
            session_timeout=timedelta(minutes=settings.SESSION_TIMEOUT_MINUTES),
            data_region=settings.AWS_REGION,
        )


# --- Lookups: what the engine asks the domain ----------------------------------------------------


class ProcedureHit(_Frozen):
    code: str
    name: str


class ProcedurePage(_Frozen):
    hits: list[ProcedureHit]
    total: int = Field(ge=0)


class DocumentLine(_Frozen):
    """One required dossier component (thành phần hồ sơ)."""

    name: str
    originals: int | None = None
    copies: int | None = None
    code: str = ""  # the component's catalogue code (submission records it)
    optional: bool = False  # the record says it is needed only in some cases ("nếu có")


class ProcedureCard(_Frozen):
    """Everything the details card shows. Free-text fields are already human-readable
    Vietnamese (e.g. ``time_limit="15 ngày làm việc"``), so the adapter owns their wording."""

    code: str
    name: str
    field: str | None = None
    agency: str | None = None
    agency_address: str | None = None
    time_limit: str | None = None
    fees: list[str] = Field(default_factory=list)
    documents: list[DocumentLine] = Field(default_factory=list)
    online_level: Literal["full", "partial"] | None = None  # toàn trình / một phần
    submit_in_zalo: bool = False
    portal_url: str | None = None  # deep link to this procedure on the national portal
    receiving_unit: str | None = None  # nơi tiếp nhận (where to file), beside ``agency``
    national_system: str | None = None  # rule id: filed on a national system, not via Zalo
    national_system_url: str | None = None  # where it is filed (VNeID, national portal...)
    in_person: bool = False  # the applicant must be present: no postal service
    details_on_portal: bool = False  # only name and code are known here
    # What a submission in chat needs (issue 11): the agency that receives the dossier (QCVN
    # 102 code; None = not known, then no submission in chat), the online working-day limit.
    receiving_agency_code: str | None = None
    time_limit_days: int | None = None
    postal_delivery_allowed: bool = False
    # Without a receiving agency: the levels it is filed at ("province", "commune"); the chat
    # then asks which centre receives it (commune) or takes the provincial centre (province).
    receiving_levels: list[str] = Field(default_factory=list)


class CentreInfo(_Frozen):
    """A receiving unit (Trung tâm Phục vụ hành chính công) as the chat shows it."""

    id: str
    name: str
    address: str = ""
    phone: str = ""
    working_hours: str = ""
    matched: str | None = None  # how the query fits it, e.g. "xã Tân Thành (cũ)"
    agency_code: str | None = None  # the agency that receives dossiers filed here (QCVN 102)


class DossierView(_Frozen):
    """A dossier as this user may see it. For a non-owner the engine shows only
    ``procedure_name`` and ``status_name`` whatever else is filled in."""

    code: str
    procedure_name: str
    status_name: str
    is_owner: bool = False
    history: list[str] = Field(default_factory=list)  # ready-made lines, oldest first
    received_at: datetime | None = None
    complete_received_at: datetime | None = None  # the complete dossier, after a supplement
    due_date: date | None = None
    due_date_is_estimate: bool = True  # computed here, not yet the agency's (shown "dự kiến")
    overdue: bool = False
    next_step: str | None = None
    result_ready: bool = False
    # confirm_applicant only: the proof was right but another Zalo account owns the dossier.
    linked_elsewhere: bool = False
    # Owner views (issue 12): the status code, what to supplement (status 5), whether the
    # owner may still ask to withdraw it and whether they already did.
    status: int | None = None
    supplement_items: list[str] = Field(default_factory=list)
    withdrawable: bool = False
    withdrawal_requested: bool = False


class PastDocument(_Frozen):
    """A document the citizen filed with an earlier dossier of their own (reuse of digitised
    documents): kept in the bucket with that dossier, attachable to a new one as it is."""

    key: str
    name: str
    component_code: str = ""
    component_name: str = ""
    content_type: str
    size: int = Field(ge=1)
    sha256: str
    dossier_code: str


class FaqHit(_Frozen):
    """A published question and its answer (masked, approved by an officer: issue 14)."""

    ref: str
    question: str
    answer: str


class FeedbackLine(_Frozen):
    """One of the citizen's own questions, feedback or petitions, as their list shows it."""

    ref: str
    kind: str
    state: str
    target: date | None = None


class Lookups(Protocol):
    """Read-only queries the engine needs. Implementations may raise; the engine lets the
    exception through and the processing layer sends the apology message."""

    def search_procedures(self, query: str, offset: int, limit: int) -> ProcedurePage:
        """Ranked procedures matching ``query`` (already folded: lower-case, no diacritics)."""
        ...

    def procedure_card(self, code: str) -> ProcedureCard | None: ...

    def dossier_by_code(self, code: str, user_id: str) -> DossierView | None:
        """``is_owner`` tells whether ``user_id`` is linked to the dossier."""
        ...

    def confirm_applicant(
        self, code: str, user_id: str, *, phone: str | None, id_number: str | None
    ) -> DossierView | None:
        """The owner view when both ``phone`` (E.164, ``+84...``) and ``id_number`` (digits)
        match the dossier's applicant as filed, else None; when they match but another Zalo
        account owns the dossier, the anonymous view with ``linked_elsewhere`` set. Must not
        reveal which of code/phone/ID number was wrong."""
        ...

    def dossiers_of(self, user_id: str, limit: int) -> list[DossierView]:
        """Dossiers linked to ``user_id``, newest first, owner views."""
        ...

    def documents_of(self, user_id: str, limit: int) -> list[PastDocument]:
        """Documents kept with the dossiers linked to ``user_id`` (its ``limit`` newest
        dossiers), newest dossier first."""
        ...

    def centres(self, query: str) -> list[CentreInfo]:
        """The receiving units ``query`` names (a commune today, an old commune or district):
        one, several (the citizen chooses) or none; the provincial centre for ``""`` and for
        its id ``"province"``; a unit by its id otherwise too."""
        ...

    def faq(self, query: str, limit: int) -> list[FaqHit]:
        """Published answers matching ``query`` (any diacritics), best first (issue 14)."""
        ...

    def my_feedback(self, user_id: str, limit: int) -> list[FeedbackLine]:
        """The user's own questions, feedback and petitions, newest first (issue 14)."""
        ...
