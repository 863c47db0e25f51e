"""Effects: what the processor does for each action the conversation asks for.

One handler per action ``kind``, registered here beside the others with :func:`effect`. A
handler gets the action (validated into its model), the user and typed collaborators
(:class:`Collaborators`), and returns an :class:`EffectResult`; the processor never ignores
it: an effect that could not be applied is logged with a metric, and its ``replies_instead``
replace the planned replies (which assumed success).

Adding an action: define its model in the conversation package, register its handler here
with ``@effect("<kind>", Model)``, and test it in tests/inbound/test_effects.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from chalicelib.conversation import texts
from chalicelib.conversation.flows.dossier import (
    LinkDossier,
    RequestOwnershipReview,
    WarnOwnerOfClaim,
)
from chalicelib.conversation.flows.feedback import (
    FileFeedback,
    RateFeedback,
    ReceiveFeedbackFile,
    SupplementFeedback,
)
from chalicelib.conversation.flows.handoff import CloseLive, ForwardLiveFile, OpenLive
from chalicelib.conversation.flows.postal import CancelPostal, RegisterPostal
from chalicelib.conversation.flows.privacy import ExportMyData, ShowMyData
from chalicelib.conversation.flows.rating import SubmitRating
from chalicelib.conversation.flows.submission import (
    CreateDossier,
    ReceiveDocument,
    ReuseDocument,
)
from chalicelib.conversation.flows.supplement import FinishSupplement, ReceiveSupplement
from chalicelib.conversation.flows.withdrawal import RequestWithdrawal
from chalicelib.conversation.model import (
    DeleteMyData,
    GrantConsent,
    RecordUnfollow,
    WithdrawConsent,
)
from chalicelib.domain.dossier import Dossier
from chalicelib.notify.model import NoticeResult, OutboundMessage
from chalicelib.platform import log


class UserStore(Protocol):
    """The user-profile repository (:class:`chalicelib.storage.users.Users`)."""

    def grant_consent(self, user_id: str, at: datetime) -> object: ...

    def erase_personal_data(self, user_id: str) -> object: ...

    def erase(self, user_id: str, at: datetime) -> list[str]: ...

    def set_followed(self, user_id: str, followed: bool, at: datetime) -> object: ...

    def note_upload(self, user_id: str, key: str, at: datetime) -> None: ...


class DossierLinks(Protocol):
    """Owner links of dossiers (:class:`chalicelib.storage.dossiers.Dossiers`)."""

    def link_owner(self, code: str, user_id: str) -> bool: ...

    def unlink_owner(self, user_id: str) -> int: ...

    def release_owner(self, user_id: str) -> list[str]: ...

    def owner_of(self, code: str) -> str | None: ...

    def request_review(self, code: str, user_id: str, at: datetime) -> bool: ...

    def change(
        self, code: str, mutate: Callable[[Dossier], bool], *, now: datetime | None = None
    ) -> Dossier | None: ...


class PendingNotices(Protocol):
    """The notifier's erasure of pending notices (:class:`chalicelib.notify.notifier.Notifier`)."""

    def discard_pending(self, user_id: str) -> int: ...

    def send(
        self, user_id: str, message: OutboundMessage, *, notice_id: str, kind: str = "reply"
    ) -> NoticeResult: ...


class UploadEraser(Protocol):
    """Deletes uploads in every version (:class:`chalicelib.storage.documents.DocumentStore`)."""

    def erase_versions(self, keys: list[str]) -> int: ...


class RatingStore(Protocol):
    """Satisfaction ratings (:class:`chalicelib.services.ratings.RatingService`)."""

    def rate(self, user_id: str, code: str, rating: Any) -> str: ...


class DataRightsService(Protocol):
    """The data-rights requests (:class:`chalicelib.services.data_rights.DataRights`)."""

    @property
    def link_minutes(self) -> int: ...

    def summary(self, user_id: str, requested_at: datetime) -> list[str]: ...

    def export(self, user_id: str, requested_at: datetime) -> str | None: ...

    def record(
        self, user_id: str, kind: str, requested_at: datetime, outcome: str, *, kept: int = 0
    ) -> None: ...


@dataclass(frozen=True)
class Submissions:
    """What the submission effects use (:func:`chalicelib.root.get_processor` wires them)."""

    intake: Any  # chalicelib.documents.intake.DocumentIntake
    drafts: Any  # chalicelib.storage.drafts.DraftFiles
    service: Any  # chalicelib.services.submission.SubmissionService
    max_mb: int = 10
    documents: Any = None  # chalicelib.storage.documents.DocumentStore (supplements: keep)


@dataclass(frozen=True)
class Live:
    """What the live-conversation effects use (:func:`chalicelib.root.get_processor`)."""

    store: Any  # chalicelib.storage.conversations.LiveConversations
    intake: Any  # chalicelib.documents.intake.DocumentIntake
    uploads: Any  # chalicelib.storage.users.Users (note_upload: erasure finds the file)
    hours: Any  # chalicelib.domain.office_hours.OfficeHours
    agency: str
    idle: timedelta = timedelta(hours=24)
    max_mb: int = 10


@dataclass(frozen=True)
class FeedbackTools:
    """What the feedback effects use (:func:`chalicelib.root.get_feedback_tools`)."""

    service: Any  # chalicelib.services.feedback.FeedbackService
    intake: Any  # chalicelib.documents.intake.DocumentIntake
    drafts: Any  # chalicelib.storage.drafts.DraftFiles
    max_mb: int = 10


@dataclass(frozen=True)
class Collaborators:
    """What effect handlers may use."""

    users: UserStore
    dossiers: DossierLinks
    notices: PendingNotices
    hotline: str
    uploads: UploadEraser | None = None
    # The chat submission (issue 11): None where a processor is built without them.
    submissions: Submissions | None = None
    # Satisfaction ratings (issue 15): None where a processor is built without them.
    ratings: RatingStore | None = None
    # Data-rights requests (issue 15): None where a processor is built without them.
    data_rights: DataRightsService | None = None
    # Live conversations with an officer (issue 14): None where a processor is built without.
    live: Live | None = None
    # Questions, feedback and petitions (issue 14), built on first use.
    feedback: Callable[[], FeedbackTools] | None = None
    # Postal pickup and delivery (issue 13): chalicelib.postal.service.PostalService.
    postal: Any = None


@dataclass(frozen=True)
class EffectResult:
    """How an effect went: ``applied`` False with a stable ``reason`` when it could not be."""

    applied: bool = True
    reason: str = ""
    replies_instead: list[str] = field(default_factory=list)
    replies_after: list[str] = field(default_factory=list)
    # The last planned reply's buttons go on the last of ``replies_instead`` (a file's
    # confirmation keeps the step's "Xong" / "Bỏ qua").
    keep_buttons: bool = False


A = TypeVar("A", bound=BaseModel)
Handler = Callable[[Any, str, Collaborators], EffectResult]
_HANDLERS: dict[str, tuple[type[BaseModel], Handler]] = {}


def effect(
    kind: str, model: type[A]
) -> Callable[
    [Callable[[A, str, Collaborators], EffectResult]],
    Callable[[A, str, Collaborators], EffectResult],
]:
    """Register the handler of the action ``kind`` (whose model is ``model``)."""

    def register(
        handler: Callable[[A, str, Collaborators], EffectResult],
    ) -> Callable[[A, str, Collaborators], EffectResult]:
        if kind in _HANDLERS:
            raise ValueError(f"two handlers for the action {kind!r}")
        _HANDLERS[kind] = (model, handler)
        return handler

    return register


def kinds() -> frozenset[str]:
    """The action kinds that have a handler."""
    return frozenset(_HANDLERS)


def apply(action: dict[str, Any], user_id: str, collaborators: Collaborators) -> EffectResult:
    """Carry out one action (as planned: its JSON form). Raises ValueError for an action
    nobody handles or one that does not fit its model."""
    kind = str(action.get("kind", ""))
    if kind not in _HANDLERS:
        raise ValueError(f"unknown action {kind}")
    model, handler = _HANDLERS[kind]
    return handler(model.model_validate(action), user_id, collaborators)


def user_ref(user_id: str) -> str:
    """A short non-reversible reference to a user for logs (the Zalo id itself is personal)."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:12]


# --- the handlers ---------------------------------------------------------------------------


@effect("grant_consent", GrantConsent)
def _grant_consent(action: GrantConsent, user_id: str, c: Collaborators) -> EffectResult:
    c.users.grant_consent(user_id, action.at)
    return EffectResult()


def _erase(user_id: str, c: Collaborators) -> None:
    # Nothing personal stays reachable from this Zalo user: profile contact data, links to
    # dossiers (owner views), and pending notices (they hold message texts).
    c.users.erase_personal_data(user_id)
    c.dossiers.unlink_owner(user_id)
    c.notices.discard_pending(user_id)


@effect("withdraw_consent", WithdrawConsent)
def _withdraw_consent(action: WithdrawConsent, user_id: str, c: Collaborators) -> EffectResult:
    _erase(user_id, c)
    if c.data_rights is not None:
        c.data_rights.record(user_id, "withdraw_consent", action.at, "withdrawn")
    return EffectResult()


@effect("delete_my_data", DeleteMyData)
def _delete_my_data(action: DeleteMyData, user_id: str, c: Collaborators) -> EffectResult:
    # The one definition of erasure (issue 10): the user's whole partition goes (profile,
    # session, notice records, pending notices), leaving a hashed tombstone; closed dossiers
    # are unlinked, those in progress stay linked (the law) and the answer names them.
    kept = c.dossiers.release_owner(user_id)
    if c.live is not None:  # live conversations (issue 14), found through the user's items
        c.live.store.erase_user(user_id)
    if c.feedback is not None:  # feedback items (issue 14), before their list entries go
        c.feedback().service.erase_user(user_id)
    uploads = c.users.erase(user_id, action.at)
    if uploads and c.uploads is not None:
        c.uploads.erase_versions(uploads)
    if c.data_rights is not None:  # the proof it was answered (kept outside the partition)
        c.data_rights.record(user_id, "erasure", action.at, "erased", kept=len(kept))
    log.info("data_erasure_requested", user_ref=user_ref(user_id), kept_dossiers=len(kept))
    log.metric("DataErasureRequested")
    return EffectResult(replies_after=[texts.erasure_kept_dossiers(kept)] if kept else [])


@effect("show_my_data", ShowMyData)
def _show_my_data(action: ShowMyData, user_id: str, c: Collaborators) -> EffectResult:
    if c.data_rights is None:
        raise RuntimeError("data rights are not wired")
    parts = c.data_rights.summary(user_id, action.at)
    log.info("data_access_requested", user_ref=user_ref(user_id))
    log.metric("DataRightsRequest", kind="access")
    return EffectResult(replies_instead=parts)


@effect("export_my_data", ExportMyData)
def _export_my_data(action: ExportMyData, user_id: str, c: Collaborators) -> EffectResult:
    if c.data_rights is None:
        raise RuntimeError("data rights are not wired")
    link = c.data_rights.export(user_id, action.at)
    log.metric("DataRightsRequest", kind="export")
    if link is None:
        log.warning("data_export_unavailable", user_ref=user_ref(user_id))
        return EffectResult(
            applied=False,
            reason="export_not_configured",
            replies_instead=[texts.EXPORT_UNAVAILABLE.format(hotline=c.hotline)],
        )
    log.info("data_export_created", user_ref=user_ref(user_id))
    return EffectResult(replies_instead=[texts.export_ready(link, c.data_rights.link_minutes)])


@effect("record_unfollow", RecordUnfollow)
def _record_unfollow(action: RecordUnfollow, user_id: str, c: Collaborators) -> EffectResult:
    c.users.set_followed(user_id, False, action.at)
    return EffectResult()


@effect("link_dossier", LinkDossier)
def _link_dossier(action: LinkDossier, user_id: str, c: Collaborators) -> EffectResult:
    if c.dossiers.link_owner(action.code, user_id):
        return EffectResult()
    # Linked to another account since the applicant was confirmed, or gone: the planned
    # "confirmed" replies would be untrue.
    return EffectResult(
        applied=False,
        reason="dossier_not_linkable",
        replies_instead=[texts.applicant_link_failed(c.hotline)],
    )


@effect("warn_owner_of_claim", WarnOwnerOfClaim)
def _warn_owner_of_claim(action: WarnOwnerOfClaim, user_id: str, c: Collaborators) -> EffectResult:
    owner = c.dossiers.owner_of(action.code)
    log.info("ownership_claimed", claimant_ref=user_ref(user_id))
    log.metric("OwnershipClaimed")
    if owner is None or owner == user_id:
        return EffectResult()  # unlinked (erasure) or linked to the claimant meanwhile
    # The notice id comes from the planned action: a retry of this step is the same notice,
    # which the notifier sends once.
    at = int(action.at.timestamp())
    notice_id = f"ownership-claim:{action.code}:{user_ref(user_id)}:{at}"
    text = texts.ownership_claimed_notice(action.code, c.hotline)
    c.notices.send(owner, OutboundMessage(text=text), notice_id=notice_id, kind="ownership_claim")
    return EffectResult()


@effect("request_ownership_review", RequestOwnershipReview)
def _request_ownership_review(
    action: RequestOwnershipReview, user_id: str, c: Collaborators
) -> EffectResult:
    c.dossiers.request_review(action.code, user_id, action.at)
    # Officers list these through the back-office API when it exists; until then the metric.
    log.info("ownership_review_requested", claimant_ref=user_ref(user_id))
    log.metric("OwnershipReviewRequested")
    return EffectResult()


@effect("receive_document", ReceiveDocument)
def _receive_document(action: ReceiveDocument, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.documents.filetypes import accepted_types
    from chalicelib.documents.rejection import DocumentRejected

    if c.submissions is None:
        raise RuntimeError("submissions are not wired")
    s = c.submissions
    if not s.drafts.has(action.draft_id, action.ref):  # a redelivery stores nothing twice
        try:
            stored = s.intake.accept(
                action.url,
                allowed=accepted_types(()),
                declared_type=action.declared_type,
                original_name=action.name,
            )
        except DocumentRejected as refused:
            log.info("document_refused", reason=refused.reason.value)
            return EffectResult(
                applied=False,
                reason=f"document_{refused.reason.value}",
                replies_instead=[texts.document_rejected(refused.reason.value, max_mb=s.max_mb)],
            )
        # Noted under the user before the draft records it: an erasure finds every upload.
        c.users.note_upload(user_id, stored.key, action.at)
        component = (action.component_code, action.component_name)
        s.drafts.record(action.draft_id, action.ref, stored, component, action.at)
    kept = sum(
        1 for d in s.drafts.files(action.draft_id) if d.component_name == action.component_name
    )
    return EffectResult(
        replies_instead=[texts.document_received(action.component_name, kept)], keep_buttons=True
    )


@effect("reuse_document", ReuseDocument)
def _reuse_document(action: ReuseDocument, user_id: str, c: Collaborators) -> EffectResult:
    """A document kept with an earlier dossier of this user is recorded for the draft as it
    is (same key: nothing downloaded or copied). The flow offers only the user's own
    documents (their dossiers' ``documents``, read through the owner index)."""
    from chalicelib.storage.documents import DOCUMENT_PREFIX, StoredFile

    if c.submissions is None:
        raise RuntimeError("submissions are not wired")
    s = c.submissions
    if not action.key.startswith(DOCUMENT_PREFIX):
        raise ValueError("only kept documents can be reused")
    if not s.drafts.has(action.draft_id, action.ref):
        stored = StoredFile(
            key=action.key,
            size=action.size,
            sha256=action.sha256,
            content_type=action.content_type,
            name=action.name,
        )
        component = (action.component_code, action.component_name)
        s.drafts.record(action.draft_id, action.ref, stored, component, action.at)
    log.info("document_reused")
    log.metric("DocumentReused")
    return EffectResult()


@effect("create_dossier", CreateDossier)
def _create_dossier(action: CreateDossier, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.domain.dossier import Applicant
    from chalicelib.domain.submission import ResultDelivery, SubmissionDraft

    if c.submissions is None:
        raise RuntimeError("submissions are not wired")
    s = c.submissions
    fields = dict(action.applicant)  # an organisation's representative included
    draft = SubmissionDraft(
        procedure_code=action.procedure_code,
        procedure_name=action.procedure_name,
        receiving_agency_code=action.receiving_agency_code,
        receiving_agency_name=action.receiving_agency_name,
        applicant=Applicant.model_validate(fields),
        owner_zalo_user_id=user_id,
        time_limit_days=action.time_limit_days,
        result_delivery=ResultDelivery(action.result_delivery),
        result_place=action.result_place,
        documents=tuple(s.drafts.files(action.draft_id)),
    )
    # Raises on AWS errors: the event is retried with the same submission id (one dossier).
    receipt = s.service.create_dossier(draft, f"zalo:{action.draft_id}", action.at)
    if not receipt.code:
        return EffectResult(
            applied=False,
            reason="dossier_not_created",
            replies_instead=[texts.submission_failed(c.hotline)],
        )
    log.info("dossier_submitted_in_chat", user_ref=user_ref(user_id), code=receipt.code)
    log.metric("DossierSubmittedInChat")
    replies = [texts.submission_receipt(receipt)]
    if action.postal and action.result_delivery == "post":
        replies += _register_result_delivery(action, receipt.code, user_id, c)
    return EffectResult(replies_instead=replies)


def _register_result_delivery(
    action: CreateDossier, code: str, user_id: str, c: Collaborators
) -> list[str]:
    """The delivery leg of a dossier submitted with "Qua bưu điện" (recipient: the applicant).
    A retry of the event registers nothing twice (the same request id)."""
    from chalicelib.domain.postal import Leg, PostalAddress, PostalOrder
    from chalicelib.postal.service import request_id
    from chalicelib.storage.postal_orders import PostalOrderActive

    if c.postal is None:
        raise RuntimeError("postal service is not wired")
    postal = action.postal or {}
    order = PostalOrder(
        code=code,
        leg=Leg.DELIVERY,
        owner=user_id,
        request_id=request_id(user_id, action.at, Leg.DELIVERY),
        address=PostalAddress(
            commune_code=postal["commune_code"],
            commune_name=postal["commune_name"],
            street=postal.get("street", ""),
            hamlet=postal.get("hamlet", ""),
            house_number=postal.get("house", ""),
        ),
        recipient_name=action.applicant["name"],
        recipient_phone=action.applicant["phone"],
        agency_code=action.receiving_agency_code,
        agency_name=action.receiving_agency_name,
        procedure_name=action.procedure_name,
        created_at=action.at,
        updated_at=action.at,
    )
    try:
        c.postal.register(order)
    except PostalOrderActive:
        return []
    return [texts.POSTAL_REGISTERING]


@effect("register_postal", RegisterPostal)
def _register_postal(action: RegisterPostal, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.domain.postal import Leg, PostalAddress, PostalOrder
    from chalicelib.postal.service import request_id
    from chalicelib.storage.postal_orders import PostalOrderActive

    if c.postal is None:
        raise RuntimeError("postal service is not wired")
    address = PostalAddress(
        commune_code=action.commune_code,
        commune_name=action.commune_name,
        street=action.street,
        hamlet=action.hamlet,
        house_number=action.house_number,
    )
    refused: list[str] = []
    for raw in action.legs:
        leg = Leg(raw)
        order = PostalOrder(
            code=action.code,
            leg=leg,
            owner=user_id,
            request_id=request_id(user_id, action.at, leg),
            address=address,
            recipient_name=action.recipient_name,
            recipient_phone=action.recipient_phone,
            pickup_date=action.pickup_date if leg is Leg.PICKUP else None,
            agency_code=action.agency_code,
            agency_name=action.agency_name,
            agency_address=action.agency_address,
            procedure_name=action.procedure_name,
            postage_vnd=action.postage_vnd,
            created_at=action.at,
            updated_at=action.at,
        )
        try:
            c.postal.register(order)
        except PostalOrderActive:
            refused.append(texts.postal_already_registered(leg.value, c.hotline))
    if refused and len(refused) == len(action.legs):
        return EffectResult(applied=False, reason="postal_leg_taken", replies_instead=refused)
    return EffectResult(replies_after=refused)


@effect("cancel_postal", CancelPostal)
def _cancel_postal(action: CancelPostal, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.domain.postal import Leg, PostalStatus

    if c.postal is None:
        raise RuntimeError("postal service is not wired")
    leg = Leg(action.leg)
    if c.postal.cancel(action.code, leg, user_id) is not None:
        return EffectResult()
    # A retry of this step after it cancelled finds the order cancelled already: not a failure.
    current = c.postal.orders.get(action.code, leg, consistent=True)
    if (
        current is not None
        and current.owner == user_id
        and current.status is PostalStatus.CANCELLED
    ):
        return EffectResult()
    return EffectResult(
        applied=False,
        reason="postal_not_cancellable",
        replies_instead=[texts.postal_cancel_failed(c.hotline)],
    )


@effect("submit_rating", SubmitRating)
def _submit_rating(action: SubmitRating, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.domain.rating import Rating

    if c.ratings is None:
        raise RuntimeError("ratings are not wired")
    rating = Rating(
        score=action.score,
        time=action.time,
        contacts=action.contacts,
        attitude=action.attitude,
        comment=action.comment,
        rated_at=action.at,
    )
    outcome = c.ratings.rate(user_id, action.code, rating)
    log.info("rating_submitted", outcome=outcome, score=action.score)
    if outcome in ("stored", "unchanged"):
        if outcome == "stored":
            log.metric("RatingStored")
        return EffectResult()
    return EffectResult(
        applied=False, reason=f"rating_{outcome}", replies_instead=[texts.RATING_NOT_ALLOWED]
    )


# --- Casework: supplement in chat, withdrawal (issue 12) ------------------------------------

# Who the history names for what the applicant did through the chat.
CITIZEN_ZALO_ACTOR = "citizen:zalo"
# The component code of documents sent as a supplement (the component name is the item).
SUPPLEMENT_COMPONENT = "supplement"


class _NotOwner(Exception):
    """The dossier is not (or no longer) linked to the Zalo user who asked."""


def _owned_by(user_id: str, dossier: Dossier) -> None:
    if dossier.owner_zalo_user_id != user_id:
        raise _NotOwner(dossier.code)


@effect("receive_supplement", ReceiveSupplement)
def _receive_supplement(action: ReceiveSupplement, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.documents.filetypes import accepted_types
    from chalicelib.documents.rejection import DocumentRejected
    from chalicelib.domain.dossier import DossierDocument, NotAwaitingSupplement

    if c.submissions is None or c.submissions.documents is None:
        raise RuntimeError("submissions are not wired")
    s = c.submissions
    # The files of one dossier's supplement are kept like a draft's, keyed by ref: a
    # redelivered event finds its file and downloads nothing again.
    draft = "supplement-" + hashlib.sha256(action.code.encode()).hexdigest()[:24]
    stored = s.drafts.get(draft, action.ref)
    if stored is None:
        try:
            upload = s.intake.accept(
                action.url,
                allowed=accepted_types(()),
                declared_type=action.declared_type,
                original_name=action.name,
            )
        except DocumentRejected as refused:
            log.info("supplement_document_refused", reason=refused.reason.value)
            return EffectResult(
                applied=False,
                reason=f"document_{refused.reason.value}",
                replies_instead=[texts.document_rejected(refused.reason.value, max_mb=s.max_mb)],
                keep_buttons=True,
            )
        c.users.note_upload(user_id, upload.key, action.at)
        s.drafts.record(draft, action.ref, upload, (SUPPLEMENT_COMPONENT, action.item), action.at)
        stored = s.drafts.get(draft, action.ref)
        assert stored is not None  # just written (consistent read)
    document = DossierDocument(
        key=s.documents.keep(stored.key),
        name=stored.name,
        component_code=SUPPLEMENT_COMPONENT,
        component_name=action.item,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
    )

    def attach(dossier: Dossier) -> bool:
        _owned_by(user_id, dossier)
        return dossier.receive_supplement(document)

    try:
        dossier = c.dossiers.change(action.code, attach)
    except (_NotOwner, NotAwaitingSupplement):
        dossier = None
    if dossier is None:
        log.info("supplement_not_attached", code=action.code)
        return EffectResult(
            applied=False,
            reason="supplement_closed",
            replies_instead=[texts.supplement_closed(action.code, c.hotline)],
        )
    files = sum(
        1
        for d in dossier.documents
        if d.component_code == SUPPLEMENT_COMPONENT and d.component_name == action.item
    )
    log.info("supplement_document_received", code=action.code)
    log.metric("SupplementDocumentReceived")
    return EffectResult(
        replies_instead=[texts.supplement_file_received(action.item, files)], keep_buttons=True
    )


@effect("finish_supplement", FinishSupplement)
def _finish_supplement(action: FinishSupplement, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.domain.dossier import EVENT_SUPPLEMENT_RECEIVED

    note = texts.supplement_history_note(action.items)

    def record(dossier: Dossier) -> bool:
        _owned_by(user_id, dossier)
        return dossier.note_event(EVENT_SUPPLEMENT_RECEIVED, action.at, CITIZEN_ZALO_ACTOR, note)

    try:
        dossier = c.dossiers.change(action.code, record)
    except _NotOwner:
        dossier = None
    if dossier is None:
        return EffectResult(
            applied=False,
            reason="supplement_closed",
            replies_instead=[texts.supplement_closed(action.code, c.hotline)],
        )
    log.info("supplement_received_in_chat", code=action.code)
    log.metric("SupplementReceivedInChat")
    return EffectResult()


@effect("request_withdrawal", RequestWithdrawal)
def _request_withdrawal(action: RequestWithdrawal, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.domain.dossier import WithdrawalNotAllowed

    def request(dossier: Dossier) -> bool:
        _owned_by(user_id, dossier)
        return dossier.request_withdrawal(action.at, CITIZEN_ZALO_ACTOR, action.reason)

    try:
        dossier = c.dossiers.change(action.code, request)
    except (_NotOwner, WithdrawalNotAllowed):
        dossier = None
    if dossier is None:
        log.info("withdrawal_not_recorded", code=action.code)
        return EffectResult(
            applied=False,
            reason="withdrawal_not_allowed",
            replies_instead=[texts.withdrawal_failed(action.code, c.hotline)],
        )
    log.info("withdrawal_requested", code=action.code)
    log.metric("WithdrawalRequested")
    return EffectResult()


# --- Live conversation with an officer (issue 14, flows/handoff.py) --------------------------


def _live(c: Collaborators) -> Live:
    if c.live is None:
        raise RuntimeError("live conversations are not wired")
    return c.live


@effect("open_live", OpenLive)
def _open_live(action: OpenLive, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.conversation.flows.handoff import away_period

    live = _live(c)
    away = away_period(live.hours, action.at)
    opened = live.store.open(user_id, action.ref, live.agency, action.at, away)
    if opened:
        log.info("live_opened", ref=action.ref, agency=live.agency, off_hours=away is not None)
        log.metric("LiveConversationOpened")
    if away is None:
        return EffectResult()
    # Off hours: the away notice now, and not again on the first message of this period.
    opening = live.hours.next_opening(action.at)
    return EffectResult(replies_after=[texts.live_away(opening, action.at)])


@effect("close_live", CloseLive)
def _close_live(action: CloseLive, user_id: str, c: Collaborators) -> EffectResult:
    closed = _live(c).store.close_by_ref(user_id, action.ref, action.at, action.reason)
    if closed:
        log.info("live_closed", ref=action.ref, by=action.reason)
        log.metric("LiveConversationClosed", by=action.reason)
    return EffectResult()


@effect("forward_live_file", ForwardLiveFile)
def _forward_live_file(action: ForwardLiveFile, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.documents.filetypes import accepted_types
    from chalicelib.documents.rejection import DocumentRejected
    from chalicelib.storage.conversations import LiveMessage, StoredFileRef

    live = _live(c)
    draft = LiveMessage(id=action.message_id, at=action.at, sender="citizen")
    if live.store.has_message(action.ref, draft.sk):  # a redelivery fetches nothing twice
        return EffectResult()
    try:
        stored = live.intake.accept(
            action.url,
            allowed=accepted_types(()),
            declared_type=action.declared_type,
            original_name=action.name,
        )
    except DocumentRejected as refused:
        log.info("live_file_refused", ref=action.ref, reason=refused.reason.value)
        reason = texts.document_rejected(refused.reason.value, max_mb=live.max_mb)
        return EffectResult(
            applied=False,
            reason=f"document_{refused.reason.value}",
            replies_after=[texts.live_file_refused(reason)],
        )
    live.uploads.note_upload(user_id, stored.key, action.at)
    file = StoredFileRef(
        key=stored.key,
        name=stored.name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
    )
    live.store.add_message(action.ref, draft.model_copy(update={"file": file}))
    log.info("live_file_forwarded", ref=action.ref)
    return EffectResult()


# --- questions, feedback and petitions (issue 14) ---------------------------------------------


def _feedback(c: Collaborators) -> FeedbackTools:
    if c.feedback is None:
        raise RuntimeError("feedback is not wired")
    return c.feedback()


def _stored_doc(stored: Any) -> Any:
    from chalicelib.services.feedback import StoredDoc

    return StoredDoc(
        key=stored.key,
        name=stored.name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
    )


@effect("receive_feedback_file", ReceiveFeedbackFile)
def _receive_feedback_file(
    action: ReceiveFeedbackFile, user_id: str, c: Collaborators
) -> EffectResult:
    from chalicelib.documents.filetypes import accepted_types
    from chalicelib.documents.rejection import DocumentRejected

    f = _feedback(c)
    if not f.drafts.has(action.draft_id, action.ref):  # a redelivery stores nothing twice
        try:
            stored = f.intake.accept(
                action.url,
                allowed=accepted_types(()),
                declared_type=action.declared_type,
                original_name=action.name,
            )
        except DocumentRejected as refused:
            log.info("document_refused", reason=refused.reason.value)
            return EffectResult(
                applied=False,
                reason=f"document_{refused.reason.value}",
                replies_instead=[texts.document_rejected(refused.reason.value, max_mb=f.max_mb)],
                keep_buttons=True,
            )
        c.users.note_upload(user_id, stored.key, action.at)  # erasure finds the upload
        f.drafts.record(action.draft_id, action.ref, stored, ("", "feedback"), action.at)
    kept = len(f.drafts.files(action.draft_id))
    return EffectResult(replies_instead=[texts.feedback_file_received(kept)], keep_buttons=True)


@effect("file_feedback", FileFeedback)
def _file_feedback(action: FileFeedback, user_id: str, c: Collaborators) -> EffectResult:
    from chalicelib.services.feedback import IdentityRequired, StoredDoc

    f = _feedback(c)
    files = [
        StoredDoc(key=d.key, name=d.name, content_type=d.content_type, size=d.size, sha256=d.sha256)
        for d in f.drafts.files(action.draft_id)
    ]
    try:
        fb = f.service.file(
            draft_id=action.draft_id,
            user_id=user_id,
            kind=action.feedback_kind,
            content=action.content,
            at=action.at,
            sender=action.sender,
            location=action.location,
            dossier_code=action.dossier_code,
            procedure_code=action.procedure_code,
            procedure_name=action.procedure_name,
            field=action.field,
            agency_hint=action.agency_hint,
            files=files,
        )
    except IdentityRequired:  # no identity for a feedback or petition: never filed silently
        return EffectResult(
            applied=False,
            reason="feedback_identity_required",
            replies_instead=[texts.FEEDBACK_IDENTITY_REQUIRED],
        )
    return EffectResult(
        replies_instead=[texts.feedback_received(fb.ref, fb.kind.value, fb.target_date())]
    )


@effect("rate_feedback", RateFeedback)
def _rate_feedback(action: RateFeedback, user_id: str, c: Collaborators) -> EffectResult:
    if _feedback(c).service.rate(action.ref, user_id, action.rating, action.at):
        return EffectResult()
    return EffectResult(
        applied=False, reason="feedback_not_rateable", replies_instead=[texts.FEEDBACK_NOT_YOURS]
    )


@effect("supplement_feedback", SupplementFeedback)
def _supplement_feedback(
    action: SupplementFeedback, user_id: str, c: Collaborators
) -> EffectResult:
    from chalicelib.documents.filetypes import accepted_types
    from chalicelib.documents.rejection import DocumentRejected

    f = _feedback(c)
    found = f.service.store.get(action.ref)
    if found is None or found[0].user_id != user_id:
        return EffectResult(
            applied=False, reason="feedback_not_found", replies_instead=[texts.FEEDBACK_NOT_YOURS]
        )
    doc = None
    if action.url:
        try:
            stored = f.intake.accept(
                action.url,
                allowed=accepted_types(()),
                declared_type=action.declared_type,
                original_name=action.name,
            )
        except DocumentRejected as refused:
            return EffectResult(
                applied=False,
                reason=f"document_{refused.reason.value}",
                replies_instead=[texts.document_rejected(refused.reason.value, max_mb=f.max_mb)],
                keep_buttons=True,
            )
        c.users.note_upload(user_id, stored.key, action.at)  # erasure finds the upload
        doc = _stored_doc(stored)
    if f.service.supplement(action.ref, user_id, action.part, action.text, doc, action.at):
        return EffectResult()
    return EffectResult(
        applied=False,
        reason="feedback_not_waiting",
        replies_instead=[texts.FEEDBACK_SUPPLEMENT_CLOSED],
    )
