"""The web form for long dossiers (issue 11): ``GET /form/{token}`` serves it,
``POST /form/{token}/uploads`` hands out presigned S3 POSTs, ``POST /form/{token}`` submits.

The token (:mod:`chalicelib.services.webform`) binds the form to one Zalo user and one procedure
for 30 minutes; the used-links item (:class:`chalicelib.storage.form_tokens.FormTokens`) makes
it usable once. Submitting checks every uploaded object (``accept_uploaded``: real type and
size, whatever the browser declared), validates the applicant, creates the dossier with the same
service the chat uses (the token's nonce is the submission id: posted twice, one dossier) and
sends the receipt to the citizen's Zalo chat. Pages are HTML (``form_page``); the uploads route
answers JSON with stable error codes. No personal data is logged.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from chalice.app import Response

from chalicelib.api.errors import ApiError
from chalicelib.api.form_page import FormState, UploadedFile, form_page, message_page
from chalicelib.api.http import guarded
from chalicelib.conversation import texts
from chalicelib.platform import log

MAX_BODY_BYTES = 64 * 1024
MAX_FILES = 40
_FIELDS = ("kind", "name", "id_number", "tax_code", "phone", "address", "delivery")


def _now() -> datetime:
    return datetime.now(UTC)


def _html(status: int, body: str) -> Response:
    return Response(
        body=body,
        status_code=status,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                "connect-src 'self' https: http:; form-action 'self'; frame-ancestors 'none'"
            ),
        },
    )


def _secret() -> str:
    from chalicelib.settings import ConfigurationError, get_settings

    secret = get_settings().WEBFORM_SECRET.get_secret_value()
    if not secret:
        raise ConfigurationError("WEBFORM_SECRET", "missing (form links are signed with it)")
    return secret


def _token(token: str) -> Any:
    from chalicelib.services.webform import read_token

    return read_token(_secret(), token, _now())


def _used_links() -> Any:
    from chalicelib.storage.form_tokens import FormTokens
    from chalicelib.storage.table import get_table

    return FormTokens(get_table())


def _procedure(code: str) -> tuple[Any, Any] | None:
    """The procedure and its receiving agency when the form may take it; else None."""
    from chalicelib.catalogue.store import get_store

    store = get_store()
    procedure = store.procedure(code)
    if procedure is None or not procedure.online_submission_possible or not procedure.agency_codes:
        return None
    agency = store.agency(procedure.agency_codes[0])
    return (procedure, agency) if agency is not None else None


def _components(procedure: Any) -> list[Any]:
    return list(procedure.components) or []


def _max_mb() -> int:
    from chalicelib.settings import get_settings

    return max(1, get_settings().DOCUMENT_MAX_BYTES // (1024 * 1024))


def _render(procedure: Any, agency: Any, state: FormState, status: int = 200) -> Response:
    names = [c.name for c in _components(procedure)] or [texts.WEBFORM_COMPONENTS]
    return _html(
        status,
        form_page(
            procedure_name=procedure.name,
            agency_name=agency.name,
            components=names,
            state=state,
            max_mb=_max_mb(),
        ),
    )


def _gate(token: str) -> tuple[Any, Any, Any] | Response:
    """The token, procedure and agency; or the page to answer instead."""
    found = _token(token)
    if found is None:
        return _html(403, message_page(texts.WEBFORM_TITLE, texts.WEBFORM_LINK_INVALID))
    code = _used_links().used(found.nonce)
    if code is not None:
        return _html(
            200, message_page(texts.WEBFORM_TITLE, texts.WEBFORM_LINK_USED.format(code=code))
        )
    pair = _procedure(found.procedure_code)
    if pair is None:
        from chalicelib.settings import get_settings

        url = get_settings().NATIONAL_PORTAL_URL
        return _html(
            404, message_page(texts.WEBFORM_TITLE, texts.WEBFORM_NOT_SUBMITTABLE.format(url=url))
        )
    return found, pair[0], pair[1]


def page(token: str) -> Response:
    """``GET /form/{token}``: the empty form, or why it cannot be used."""
    gated = _gate(token)
    if isinstance(gated, Response):
        return gated
    _, procedure, agency = gated
    return _render(procedure, agency, FormState(values={"kind": "person", "delivery": "at_agency"}))


@guarded
def presign(token: str, request: Any) -> tuple[int, dict[str, Any]]:
    """``POST /form/{token}/uploads`` with ``{"component": i, "content_type": ..., "size": n}``:
    a presigned POST for one file (exact key, size 1..DOCUMENT_MAX_BYTES, that Content-Type) and
    the ticket binding its key to this form. Errors: 403 ``invalid_link``, 409 ``link_used``,
    404 ``not_submittable``, 400 ``invalid_request`` / ``unsupported_type``, 413 ``too_large``."""
    from chalicelib.documents.filetypes import accepted_types, allowed_for
    from chalicelib.root import get_document_store
    from chalicelib.services.webform import upload_ticket
    from chalicelib.settings import get_settings

    found = _token(token)
    if found is None:
        raise ApiError(403, "invalid_link", "The form link is invalid or has expired.")
    if _used_links().used(found.nonce) is not None:
        raise ApiError(409, "link_used", "The form link has already been used.")
    pair = _procedure(found.procedure_code)
    if pair is None:
        raise ApiError(404, "not_submittable", "This procedure is not submitted online here.")
    try:
        body = json.loads(request.raw_body or b"{}")
        index = int(body["component"])
        content_type = str(body["content_type"])
        size = int(body["size"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(
            400, "invalid_request", "component, content_type and size are required."
        ) from None
    components = _components(pair[0])
    if not 0 <= index < max(1, len(components)):
        raise ApiError(400, "invalid_request", "No such component.")
    allowed = allowed_for(components[index]) if components else accepted_types(())
    if content_type not in {t.content_type for t in allowed}:
        raise ApiError(
            400,
            "unsupported_type",
            "This component does not accept this type of file.",
            accepted=sorted(t.content_type for t in allowed),
        )
    max_bytes = get_settings().DOCUMENT_MAX_BYTES
    if not 1 <= size <= max_bytes:
        raise ApiError(413, "too_large", "The file is empty or too large.", max_bytes=max_bytes)
    remaining = max(60, int(found.expires_at - _now().timestamp()))
    upload = get_document_store().presigned_upload(
        max_bytes=max_bytes, content_type_prefix=content_type, expires_seconds=min(remaining, 1800)
    )
    return 200, {
        "url": upload.url,
        "fields": upload.fields,
        "key": upload.key,
        "ticket": upload_ticket(_secret(), found.nonce, upload.key),
    }


def _parse(raw: bytes) -> tuple[dict[str, str], list[UploadedFile]]:
    fields = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    values = {name: (fields.get(name) or [""])[0].strip()[:500] for name in _FIELDS}
    files = []
    for entry in (fields.get("doc") or [])[:MAX_FILES]:
        parts = entry.split("|", 3)
        if len(parts) == 4 and parts[0].isdigit():
            files.append(UploadedFile(int(parts[0]), parts[1], parts[2], parts[3][:200]))
    return values, files


def _applicant(values: dict[str, str], errors: list[tuple[str, str]]) -> Any:
    """The applicant from the typed values, or None with ``errors`` filled in."""
    from chalicelib.domain.dossier import Applicant, ApplicantKind
    from chalicelib.domain.identity import (
        normalize_mobile,
        normalize_personal_id,
        normalize_tax_code,
    )

    organisation = values["kind"] == "organisation"
    checks = [
        ("name", bool(values["name"])),
        ("phone", normalize_mobile(values["phone"]) is not None),
        ("address", bool(values["address"])),
    ]
    if organisation:
        checks.insert(1, ("tax_code", normalize_tax_code(values["tax_code"]) is not None))
    else:
        id_number = normalize_personal_id(values["id_number"])
        checks.insert(1, ("id_number", id_number is not None and len(id_number) == 12))
    for name, ok in checks:
        if not ok:
            errors.append((name, texts.WEBFORM_ERRORS[name]))
    if errors:
        return None
    if organisation:
        return Applicant(
            kind=ApplicantKind.ORGANISATION,
            name=values["name"],
            tax_code=values["tax_code"],
            phone=values["phone"],
            address=values["address"],
        )
    return Applicant(
        name=values["name"],
        id_number=values["id_number"],
        phone=values["phone"],
        address=values["address"],
    )


def submit(token: str, request: Any) -> Response:
    """``POST /form/{token}`` (urlencoded): the confirmation page, or the form again with the
    typed values, the accepted files and an error summary."""
    from chalicelib.documents.filetypes import accepted_types, allowed_for
    from chalicelib.documents.rejection import DocumentRejected
    from chalicelib.domain.dossier import Channel
    from chalicelib.domain.submission import DraftDocument, ResultDelivery, SubmissionDraft
    from chalicelib.root import get_document_intake, get_submission_service
    from chalicelib.services.webform import valid_ticket

    gated = _gate(token)
    if isinstance(gated, Response):
        return gated
    found, procedure, agency = gated
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        return _html(413, message_page(texts.WEBFORM_TITLE, texts.WEBFORM_FAILED))
    values, files = _parse(raw)
    errors: list[tuple[str, str]] = []
    applicant = _applicant(values, errors)
    components = _components(procedure)
    secret = _secret()
    intake = get_document_intake()
    kept: list[UploadedFile] = []
    documents: list[DraftDocument] = []
    for uploaded in files:
        if uploaded.index >= max(1, len(components)) or not valid_ticket(
            secret, found.nonce, uploaded.key, uploaded.ticket
        ):
            continue  # not handed out to this form: ignored
        component = components[uploaded.index] if components else None
        allowed = allowed_for(component) if component else accepted_types(())
        try:
            stored = intake.accept_uploaded(
                uploaded.key, allowed=allowed, original_name=uploaded.name
            )
        except DocumentRejected as exc:
            log.info("webform_file_refused", reason=str(exc.reason))
            reason = texts.document_rejected(
                str(exc.reason), max_mb=_max_mb(), allowed=sorted(t.value for t in allowed)
            )
            component_name = component.name if component else texts.WEBFORM_COMPONENTS
            errors.append(
                (
                    "documents",
                    texts.WEBFORM_ERRORS["file"].format(
                        name=uploaded.name, component=component_name, reason=reason
                    ),
                )
            )
            continue
        kept.append(uploaded)
        documents.append(
            DraftDocument(
                component_code=component.code if component else "",
                component_name=component.name if component else texts.WEBFORM_COMPONENTS,
                key=stored.key,
                name=stored.name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
            )
        )
    if not documents and not any(f == "documents" for f, _ in errors):
        errors.append(("documents", texts.WEBFORM_ERRORS["documents"]))
    state = FormState(values=values, files=kept, errors=errors)
    if errors or applicant is None:
        return _render(procedure, agency, state, 400)
    limit = procedure.time_limit_for(Channel.ONLINE)
    online = values["delivery"] == "online"
    draft = SubmissionDraft(
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        receiving_agency_code=agency.code,
        receiving_agency_name=agency.name,
        applicant=applicant,
        owner_zalo_user_id=found.user_id,
        time_limit_days=limit.whole_working_days if limit else None,
        result_delivery=ResultDelivery.ONLINE if online else ResultDelivery.AT_AGENCY,
        result_place=texts.WEBFORM_DELIVERY_ONLINE if online else agency.name,
        documents=tuple(documents),
    )
    now = _now()
    try:
        receipt = get_submission_service().create_dossier(draft, found.nonce, now)
    except Exception as exc:  # AWS trouble: the same token may be posted again safely
        log.error("webform_submit_failed", error_type=type(exc).__name__)
        state.errors.append(("submit", texts.WEBFORM_FAILED))
        return _render(procedure, agency, state, 503)
    sent = _send_receipt(found.user_id, receipt)
    if not _used_links().consume(found.nonce, receipt.code, ttl=found.expires_at + 86400):
        log.info("webform_link_already_used")
    log.info("webform_dossier_created", procedure=procedure.code, receipt_sent=sent)
    message = (texts.WEBFORM_DONE if sent else texts.WEBFORM_DONE_NOT_SENT).format(
        code=receipt.code
    )
    return _html(200, message_page(texts.WEBFORM_DONE_TITLE, message))


def _send_receipt(user_id: str, receipt: Any) -> bool:
    """Queue the receipt for the citizen's Zalo chat (the outbox: sent once per dossier by the
    inbound consumer, kept pending if Zalo cannot take it); whether it was queued."""
    from chalicelib.notify.model import OutboundMessage
    from chalicelib.notify.outbox import QueuedNotice, get_outbox

    try:
        get_outbox().queue(
            QueuedNotice(
                notice_id=f"receipt:{receipt.code}",
                kind="receipt",
                user_id=user_id,
                message=OutboundMessage(text=texts.submission_receipt(receipt)),
            )
        )
    except Exception as exc:
        log.error("webform_receipt_failed", error_type=type(exc).__name__)
        return False
    return True
