"""The dossier routes of the integration API (scope ``dossiers``), docs/integration.md:

- ``GET /integration/v1/dossiers?updated_after=<cursor>&limit=<n>``: the change feed;
- ``GET /integration/v1/dossiers/{code}``: one dossier with personal data and document links
  (the read is logged: ``x-officer-id`` header or ``officer`` query parameter required);
- ``GET /integration/v1/dossiers/{code}/access-log``: who read it;
- ``PUT /integration/v1/dossiers/{code}``: register a dossier filed elsewhere (idempotent);
- ``POST /integration/v1/dossiers/{code}/events``: a status change or an apology;
- ``POST /integration/v1/dossiers/{code}/result-uploads``: a presigned PUT for a result file.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import unquote

from chalice.app import Response
from pydantic import ValidationError

from chalicelib.api.errors import ApiError
from chalicelib.api.integration import models
from chalicelib.api.integration.auth import Client, authenticated
from chalicelib.api.integration.bodies import parse
from chalicelib.api.integration.responses import ok
from chalicelib.domain.dossier import Dossier, DossierResult, DueDateSource, Fee

DEFAULT_LIMIT, MAX_LIMIT = 50, 100
ACCESS_LOG_LIMIT = 50
_NUMBER = re.compile(r"[0-9]{1,4}")
_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,200}")
_OFFICER = re.compile(r"[^\x00-\x1f\x7f]{1,100}")


def _service() -> Any:
    from chalicelib.root import get_back_office

    return get_back_office()


def _refused(exc: Any) -> ApiError:
    details = {"field": exc.field} if exc.field else {}
    return ApiError(exc.status, exc.code, exc.message, **details)


def _code(raw: str) -> str:
    from chalicelib.domain.dossier import DOSSIER_CODE_EXAMPLE, normalize_code

    canonical = normalize_code(unquote(raw or ""))
    if canonical is None:
        raise ApiError(
            400,
            "invalid_dossier_code",
            "A dossier code looks like " + DOSSIER_CODE_EXAMPLE + ".",
            field="code",
        )
    return canonical


def _load_served(client: Client, code: str) -> tuple[Dossier, int]:
    from chalicelib.services.back_office import Refused

    try:
        dossier, version = _service().load(code)
    except Refused as exc:
        raise _refused(exc) from None
    if not client.serves(dossier.receiving_agency_code):
        raise ApiError(403, "agency_not_served", "This client does not serve the dossier's agency.")
    return dossier, version


def _encode_cursor(key: str | None) -> str | None:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=") if key else None


def _decode_cursor(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if not _CURSOR.fullmatch(raw):
        raise ApiError(400, "invalid_cursor", "updated_after must be a next_cursor value.")
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError(
            400, "invalid_cursor", "updated_after must be a next_cursor value."
        ) from None
    if "#" not in text or not text[:4].isdigit():
        raise ApiError(400, "invalid_cursor", "updated_after must be a next_cursor value.")
    return text


def _limit(params: dict[str, str], default: int, high: int) -> int:
    raw = params.get("limit")
    if raw is None:
        return default
    if not _NUMBER.fullmatch(raw) or not 1 <= int(raw) <= high:
        raise ApiError(400, "invalid_limit", f"limit is a whole number from 1 to {high}.")
    return int(raw)


# --------------------------------------------------------------------------- views


def _channel(dossier: Dossier) -> Any:
    from chalicelib.services.back_office import CHANNEL_NAMES

    return CHANNEL_NAMES[dossier.channel]


def _withdrawal(dossier: Dossier) -> Any:
    return dossier.withdrawal_requested_at


def _supplement_received(dossier: Dossier) -> Any:
    """When the applicant last sent a supplement document in the chat (None: never)."""
    from chalicelib.domain.dossier import EVENT_SUPPLEMENT_RECEIVED

    found = [c.at for c in dossier.history if c.event == EVENT_SUPPLEMENT_RECEIVED]
    return found[-1] if found else None


def summary(dossier: Dossier, feed_key: str) -> models.DossierSummary:
    last = dossier.history[-1] if dossier.history else None
    return models.DossierSummary(
        code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name,
        receiving_agency=dossier.receiving_agency_code,
        channel=_channel(dossier),
        status=int(dossier.status),
        status_name=dossier.status.official_name,
        received_at=dossier.received_at,
        due_date=dossier.due_date,
        updated_at=feed_key.split("#", 1)[0],
        owner_linked=bool(dossier.owner_zalo_user_id),
        document_count=len(dossier.documents),
        last_anomalies=list(last.anomalies) if last else [],
        withdrawal_requested_at=_withdrawal(dossier),
        supplement_received_at=_supplement_received(dossier),
    )


def state(dossier: Dossier) -> models.DossierState:
    return models.DossierState(**_state_fields(dossier))


def _state_fields(dossier: Dossier) -> dict[str, Any]:
    fee, result = dossier.fee, dossier.result
    return {
        "code": dossier.code,
        "status": int(dossier.status),
        "status_name": dossier.status.official_name,
        "received_at": dossier.received_at,
        "complete_received_at": dossier.complete_received_at,
        "due_date": dossier.due_date,
        "due_date_source": "official"
        if dossier.due_date_source is DueDateSource.OFFICIAL
        else "estimate",
        "original_due_date": dossier.original_due_date,
        "reason": dossier.reason,
        "supplement_items": list(dossier.supplement_items),
        "fee": models.FeeOut(**fee.model_dump()) if fee else None,
        "result": models.ResultOut(**result.model_dump()) if result else None,
        "apologies": dossier.apologies,
        "history": [
            models.HistoryOut(
                status=int(c.status),
                status_name=c.status.official_name,
                at=c.at,
                officer=c.actor,
                note=c.note,
                kind=c.event or "status",
                anomalies=list(c.anomalies),
            )
            for c in dossier.history
        ],
    }


def detail(dossier: Dossier, links: dict[str, str]) -> models.DossierDetail:
    applicant = dossier.applicant
    return models.DossierDetail(
        **_state_fields(dossier),
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name,
        receiving_agency=dossier.receiving_agency_code,
        channel=_channel(dossier),
        applicant=models.ApplicantOut(
            kind="organisation" if applicant.kind.value == "organisation" else "person",
            name=applicant.name,
            id_number=applicant.id_number,
            phone=applicant.phone,
            address=applicant.address,
            tax_code=applicant.tax_code,
        ),
        owner_linked=bool(dossier.owner_zalo_user_id),
        documents=[
            models.DocumentOut(
                name=d.name,
                component_code=d.component_code,
                component_name=d.component_name,
                content_type=d.content_type,
                size=d.size,
                sha256=d.sha256,
                url=links[d.key],
            )
            for d in dossier.documents
        ],
        withdrawal_requested_at=_withdrawal(dossier),
        withdrawal_reason=dossier.withdrawal_reason,
        supplement_received_at=_supplement_received(dossier),
    )


def _json(model: Any, status: int = 200) -> Response:
    return ok(model.model_dump(mode="json"), status=status)


# --------------------------------------------------------------------------- routes


@authenticated(scope="dossiers")
def list_dossiers(request: Any, client: Client) -> Response:
    """The change feed: dossiers of the client's agencies changed after the cursor."""
    params = dict(getattr(request, "query_params", None) or {})
    unknown = set(params) - {"updated_after", "limit"}
    if unknown:
        name = sorted(unknown)[0]
        raise ApiError(400, "unknown_field", f"Unknown query parameter: {name}.", field=name)
    after = _decode_cursor(params.get("updated_after"))
    limit = _limit(params, DEFAULT_LIMIT, MAX_LIMIT)
    page = _service().feed(after=after, limit=limit, agencies=client.agencies)
    body = models.DossierPage(
        dossiers=[summary(dossier, key) for dossier, key in page.dossiers],
        next_cursor=_encode_cursor(page.last) or params.get("updated_after") or None,
        has_more=page.more,
    )
    return _json(body)


def _officer(request: Any) -> str:
    headers = getattr(request, "headers", None) or {}
    params = getattr(request, "query_params", None) or {}
    officer = str(headers.get("x-officer-id") or params.get("officer") or "").strip()
    if not _OFFICER.fullmatch(officer):
        raise ApiError(
            400,
            "officer_required",
            "Reads of personal data are logged: send the officer's id in x-officer-id.",
            field="x-officer-id",
        )
    return officer


@authenticated(scope="dossiers")
def get_dossier(request: Any, client: Client, code: str) -> Response:
    """One dossier with personal data and presigned document links; the read is logged."""
    params = dict(getattr(request, "query_params", None) or {})
    unknown = set(params) - {"officer"}
    if unknown:
        name = sorted(unknown)[0]
        raise ApiError(400, "unknown_field", f"Unknown query parameter: {name}.", field=name)
    officer = _officer(request)
    dossier, _ = _load_served(client, _code(code))
    links = _service().read_personal(dossier, client=client.id, officer=officer)
    return _json(detail(dossier, links))


@authenticated(scope="dossiers")
def access_log(request: Any, client: Client, code: str) -> Response:
    """Who read the dossier's personal data, newest first."""
    params = dict(getattr(request, "query_params", None) or {})
    unknown = set(params) - {"limit", "after"}
    if unknown:
        name = sorted(unknown)[0]
        raise ApiError(400, "unknown_field", f"Unknown query parameter: {name}.", field=name)
    dossier, _ = _load_served(client, _code(code))
    after = _decode_cursor(params.get("after"))
    limit = _limit(params, ACCESS_LOG_LIMIT, MAX_LIMIT)
    entries, last = _service().access_entries(dossier.code, limit=limit, after=after)
    body = models.AccessLogPage(
        entries=[models.AccessEntryOut(**vars(e)) for e in entries],
        next_cursor=_encode_cursor(last),
    )
    return _json(body)


@authenticated(scope="dossiers")
def put_dossier(request: Any, client: Client, code: str) -> Response:
    """Register (201) or update (200) a dossier filed at a counter, on the portal or by post."""
    from chalicelib.domain.agency import normalize_agency_code
    from chalicelib.services.back_office import Refused, applicant_of

    canonical = _code(code)
    body = parse(request, models.DossierIn)
    agency = normalize_agency_code(body.receiving_agency)
    if agency is None:
        raise ApiError(
            400, "invalid_field", "receiving_agency is a QCVN 102 code.", field="receiving_agency"
        )
    if not client.serves(agency):
        raise ApiError(403, "agency_not_served", "This client does not serve this agency.")
    existing = _service().load_or_none(canonical)
    if existing is not None and not client.serves(existing.receiving_agency_code):
        raise ApiError(403, "agency_not_served", "This client does not serve the dossier's agency.")
    try:
        applicant = applicant_of(**body.applicant.model_dump())
    except (ValidationError, ValueError):
        raise ApiError(
            400,
            "invalid_field",
            "applicant: the ID number, phone or tax code is not valid.",
            field="applicant",
        ) from None
    try:
        registered = _service().register(
            canonical,
            procedure_code=body.procedure_code,
            procedure_name=body.procedure_name,
            receiving_agency=agency,
            channel=body.channel,
            received_at=body.received_at,
            status=body.status,
            due_date=body.due_date,
            time_limit_days=body.time_limit_days,
            officer=body.officer,
            applicant=applicant,
        )
    except Refused as exc:
        raise _refused(exc) from None
    answer = models.RegisterAnswer(
        created=registered.created, notice=registered.notice, dossier=state(registered.dossier)
    )
    return _json(answer, 201 if registered.created else 200)


@authenticated(scope="dossiers")
def post_event(request: Any, client: Client, code: str) -> Response:
    """Record a status change or an apology; the answer says whether it applied."""
    from chalicelib.services.back_office import Refused

    canonical = _code(code)
    body = parse(request, models.DossierEventIn)
    loaded = _load_served(client, canonical)
    fee = Fee(**body.fee.model_dump()) if body.fee else None
    result = DossierResult(**body.result.model_dump()) if body.result else None
    try:
        outcome = _service().record_event(
            canonical,
            status=body.status,
            at=body.at,
            officer=body.officer,
            reason=body.reason,
            missing=body.missing,
            due_date=body.due_date,
            fee=fee,
            result=result,
            apology=body.apology,
            loaded=loaded,
        )
    except Refused as exc:
        raise _refused(exc) from None
    answer = models.EventAnswer(
        applied=outcome.recorded.applied,
        changed=outcome.recorded.changed,
        anomalies=list(outcome.recorded.anomalies),
        notice=outcome.notice,
        dossier=state(outcome.dossier),
    )
    return _json(answer)


@authenticated(scope="dossiers")
def result_upload(request: Any, client: Client, code: str) -> Response:
    """A presigned PUT for one result file; then send status 9 with ``result.key``."""
    canonical = _code(code)
    body = parse(request, models.ResultUploadIn) if request.raw_body else models.ResultUploadIn()
    _load_served(client, canonical)
    key, url, headers = _service().result_upload(canonical, body.content_type)
    answer = models.ResultUploadAnswer(
        key=key, url=url, method="PUT", headers=headers, expires_in=900
    )
    return _json(answer, 201)
