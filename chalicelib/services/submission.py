"""Creating a dossier from a confirmed submission: the one use case the chat flow and the web
form share.

:meth:`SubmissionService.create_dossier` is idempotent on ``submission_id``:
confirming twice, a confirmation delivered twice or a form posted twice returns the receipt of
the one dossier the first call created. AWS calls on a first call with ``n`` documents:
``n`` S3 CopyObject (the files leave the expiring ``uploads/`` prefix), one UpdateItem (the
day's sequence), one TransactWriteItems (dossier + submission marker), one S3 PutObject (the
QR image). A repeated call makes the same calls plus one GetItem and writes nothing new: its
sequence number is skipped (codes stay unique and increasing; a gap is possible, never a
duplicate).
"""

from __future__ import annotations

import io
from datetime import datetime

from chalicelib.domain.calendar import WorkingCalendar, default_calendar, local_date
from chalicelib.domain.dossier import Channel, Dossier, DossierDocument, format_code
from chalicelib.domain.submission import Receipt, SubmissionDraft
from chalicelib.storage.documents import DOCUMENT_PREFIX, DocumentStore
from chalicelib.storage.dossiers import Dossiers

# Who opened the dossier, in its first history entry.
ONLINE_ACTOR = "citizen:online"


def lookup_url(public_base_url: str, code: str) -> str:
    """The public lookup link of a dossier (``GET /public/dossiers/{code}``)."""
    return f"{public_base_url.rstrip('/')}/public/dossiers/{code}"


def qr_png(text: str) -> bytes:
    """A PNG QR code of ``text`` (segno, error correction M, readable from a phone screen)."""
    import segno

    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=6, border=4)
    return buffer.getvalue()


class SubmissionService:
    """Creates dossiers from drafts; wired by :func:`chalicelib.root.get_submission_service`."""

    def __init__(
        self,
        dossiers: Dossiers,
        documents: DocumentStore,
        *,
        public_base_url: str,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        if not public_base_url:
            from chalicelib.settings import ConfigurationError

            raise ConfigurationError("PUBLIC_BASE_URL", "missing (receipts link to it)")
        self._dossiers = dossiers
        self._documents = documents
        self._base = public_base_url
        self._calendar = calendar

    def create_dossier(self, draft: SubmissionDraft, submission_id: str, now: datetime) -> Receipt:
        """Create the dossier of ``draft`` once per ``submission_id``; its receipt.

        Status 1 (new), channel online, received ``now`` (aware), owned by the draft's Zalo
        user. Raises pydantic ValidationError / InvalidDossierCode for an invalid draft, botocore
        errors when AWS fails (a retry with the same ``submission_id`` is then safe), and
        DossierConflict if the sequence ever handed out a code already taken."""
        if not submission_id:
            raise ValueError("submission_id is required")
        day = local_date(now)
        kept = tuple(
            DossierDocument(
                # A document reused from an earlier dossier is kept already: same key.
                key=document.key
                if document.key.startswith(DOCUMENT_PREFIX)
                else self._documents.keep(document.key),
                name=document.name,
                component_code=document.component_code,
                component_name=document.component_name,
                content_type=document.content_type,
                size=document.size,
                sha256=document.sha256,
            )
            for document in draft.documents
        )
        seq = self._dossiers.next_sequence(draft.receiving_agency_code, day)
        dossier = Dossier.open(
            code=format_code(draft.receiving_agency_code, day, seq),
            procedure_code=draft.procedure_code,
            procedure_name=draft.procedure_name,
            receiving_agency_code=draft.receiving_agency_code,
            applicant=draft.applicant,
            channel=Channel.ONLINE,
            at=now,
            actor=ONLINE_ACTOR,
            time_limit_days=draft.time_limit_days,
            owner_zalo_user_id=draft.owner_zalo_user_id,
            documents=kept,
        )
        created = self._dossiers.create(dossier, submission_id)
        link = lookup_url(self._base, created.code)
        qr_key = self._documents.put_receipt_qr(created.code, qr_png(link))
        return self._receipt(draft, created.code, created.created_at, link, qr_key)

    def _receipt(
        self, draft: SubmissionDraft, code: str, received_at: datetime, link: str, qr_key: str
    ) -> Receipt:
        expected = None
        if draft.time_limit_days is not None:
            calendar = self._calendar or default_calendar()
            expected = calendar.due_date(received_at, draft.time_limit_days)
        return Receipt(
            code=code,
            procedure_code=draft.procedure_code,
            procedure_name=draft.procedure_name,
            receiving_agency_name=draft.receiving_agency_name,
            components=draft.components_received(),
            received_at=received_at,
            expected_result_date=expected,
            expected_result_date_is_estimate=True,
            result_delivery=draft.result_delivery,
            result_place=draft.result_place,
            lookup_url=link,
            qr_key=qr_key,
        )
