"""The integration API's OpenAPI 3.1 document, generated from the pydantic models of
:mod:`.models` (``GET /integration/v1/openapi.json``; ``docs/openapi.json`` holds the same
document and a test fails when it is stale: ``python -m ops.write_openapi``
rewrites it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from chalicelib.api.integration import models

VERSION = "1.0.0"
BASE = "/integration/v1"
DOCS_PATH = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"

_SIGNED_HEADERS = [
    ("x-client-id", "Your client id (INTEGRATION_CLIENTS)"),
    ("webhook-id", "A new unique id per request; keep it when retrying the same request"),
    ("webhook-timestamp", "Unix seconds; at most 5 minutes from the server's clock"),
    ("webhook-signature", 'v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">'),
]
_ERRORS = {
    "400": "Malformed or invalid request (nothing changed)",
    "401": "unknown_client, bad_signature or stale_timestamp",
    "403": "scope_not_allowed or agency_not_served",
    "404": "unknown_dossier",
    "409": "webhook_id_reused, request_in_progress, dossier_busy, status_change_needs_event",
    "422": "event_not_for_leg (a postal event the order's leg cannot have)",
    "503": "configuration_error",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(model)}}


def _operation(
    operation_id: str,
    summary: str,
    answers: dict[str, tuple[str, type[BaseModel]]],
    *,
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    code: bool = False,
    query: list[tuple[str, str, dict[str, Any]]] | None = None,
    headers: list[tuple[str, str, bool]] | None = None,
    errors: tuple[str, ...] = ("400", "401", "403", "409", "503"),
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "header",
            "required": True,
            "description": description,
            "schema": {"type": "string"},
        }
        for name, description in _SIGNED_HEADERS
    ]
    for name, description, required in headers or []:
        parameters.append(
            {
                "name": name,
                "in": "header",
                "required": required,
                "description": description,
                "schema": {"type": "string"},
            }
        )
    if code:
        parameters.append(
            {
                "name": "code",
                "in": "path",
                "required": True,
                "description": "Dossier code, e.g. 000.00.17.H12-261126-0007",
                "schema": {"type": "string", "examples": ["000.00.17.H12-261126-0007"]},
            }
        )
    for name, description, schema in query or []:
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": schema,
            }
        )
    responses: dict[str, Any] = {
        status: {"description": description, "content": _json_content(model)}
        for status, (description, model) in answers.items()
    }
    for status in errors:
        responses[status] = {
            "description": _ERRORS[status],
            "content": _json_content(models.ErrorAnswer),
        }
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": parameters,
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": _json_content(body)}
    return operation


def _paths() -> dict[str, Any]:
    feed_query: list[tuple[str, str, dict[str, Any]]] = [
        ("updated_after", "next_cursor of the previous page", {"type": "string"}),
        ("limit", "Items read, 1-100 (default 50)", {"type": "integer", "minimum": 1}),
    ]
    officer = [("x-officer-id", "The officer reading (logged); or the officer query", False)]
    return {
        f"{BASE}/ping": {
            "get": _operation(
                "ping", "Check your signing", {"200": ("Who you are", models.PingAnswer)}
            )
        },
        f"{BASE}/dossiers": {
            "get": _operation(
                "listDossiers",
                "New and changed dossiers of your agencies, oldest change first",
                {"200": ("A page of the change feed", models.DossierPage)},
                query=feed_query,
            )
        },
        f"{BASE}/dossiers/{{code}}": {
            "get": _operation(
                "getDossier",
                "One dossier with applicant, documents (presigned links) and history; logged",
                {"200": ("The dossier", models.DossierDetail)},
                code=True,
                headers=officer,
                query=[
                    ("officer", "The officer reading, if not in x-officer-id", {"type": "string"})
                ],
                errors=("400", "401", "403", "404", "409", "503"),
            ),
            "put": _operation(
                "putDossier",
                "Register a dossier filed at a counter, on the portal or by post (idempotent)",
                {
                    "200": ("Updated (or unchanged)", models.RegisterAnswer),
                    "201": ("Registered", models.RegisterAnswer),
                },
                body=models.DossierIn,
                code=True,
            ),
        },
        f"{BASE}/dossiers/{{code}}/events": {
            "post": _operation(
                "postDossierEvent",
                "A status change or an apology; anomalies are recorded and flagged",
                {"200": ("Recorded, or not applied (older than the latest)", models.EventAnswer)},
                body=models.DossierEventIn,
                code=True,
                errors=("400", "401", "403", "404", "409", "503"),
            )
        },
        f"{BASE}/dossiers/{{code}}/result-uploads": {
            "post": _operation(
                "postResultUpload",
                "A presigned PUT for one result file (then status 9 with result.key)",
                {"201": ("Where to PUT the file", models.ResultUploadAnswer)},
                body=models.ResultUploadIn,
                body_required=False,
                code=True,
                errors=("400", "401", "403", "404", "409", "503"),
            )
        },
        f"{BASE}/dossiers/{{code}}/access-log": {
            "get": _operation(
                "getAccessLog",
                "Who read the dossier's personal data, newest first",
                {"200": ("A page of the access log", models.AccessLogPage)},
                code=True,
                query=[
                    ("after", "next_cursor of the previous page", {"type": "string"}),
                    ("limit", "1-100 (default 50)", {"type": "integer", "minimum": 1}),
                ],
                errors=("400", "401", "403", "404", "409", "503"),
            )
        },
    }


def _postal_paths() -> dict[str, Any]:
    """The postal provider's callbacks (issue 13, api/integration/postal.py, scope ``postal``);
    404 is ``order_not_found`` there."""
    from chalicelib.api.integration import postal

    return {
        f"{BASE}/postal/events": {
            "post": _operation(
                "postPostalEvent",
                "A postal order's status from the provider, applied once per event_id",
                {"200": ("Applied, or not (known or late news)", postal.PostalEventAnswer)},
                body=postal.PostalEventBody,
                errors=("400", "401", "403", "404", "409", "422", "503"),
            )
        },
    }


def _live_paths() -> dict[str, Any]:
    """The live conversations of issue 14 (api/integration/live.py, scope ``feedback``): their
    answers are described in docs/integration.md; here as JSON objects."""
    from chalicelib.api.integration import live

    page: list[tuple[str, str, dict[str, Any]]] = [
        ("limit", "1-50", {"type": "integer", "minimum": 1}),
        ("cursor", "next_cursor of the previous page", {"type": "string"}),
    ]
    errors = ("400", "401", "403", "404", "409", "503")

    def op(name: str, summary: str, status: str, **kw: Any) -> dict[str, Any]:
        operation = _operation(
            name,
            summary,
            {status: ("See docs/integration.md", models.JsonObject)},
            errors=errors,
            **kw,
        )
        return operation

    def with_ref(operation: dict[str, Any]) -> dict[str, Any]:
        operation["parameters"].append(
            {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}
        )
        return operation

    def with_path(operation: dict[str, Any], *names: str) -> dict[str, Any]:
        for name in names:
            operation["parameters"].append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            )
        return operation

    feedback_query: list[tuple[str, str, dict[str, Any]]] = [
        ("agency", "Agency code", {"type": "string"}),
        ("state", "new, info_requested, answered, rejected, published", {"type": "string"}),
        ("cursor", "cursor of the previous page", {"type": "string"}),
    ]
    return {
        # Questions, feedback and petitions (issue 14, api/feedback.py, scope ``feedback``).
        f"{BASE}/feedback": {
            "get": op(
                "listFeedback", "An agency's inbox of PAKN items", "200", query=feedback_query
            )
        },
        f"{BASE}/feedback/{{ref}}": {
            "get": with_path(op("getFeedback", "One PAKN item", "200"), "ref")
        },
        f"{BASE}/feedback/{{ref}}/{{operation}}": {
            "post": with_path(
                op(
                    "actOnFeedback",
                    "An officer's action on a PAKN item (docs/integration.md)",
                    "200",
                    body=models.JsonObject,
                    body_required=False,
                ),
                "ref",
                "operation",
            )
        },
        f"{BASE}/conversations": {
            "get": op(
                "listConversations",
                "Live conversations of an agency, newest first",
                "200",
                query=[
                    ("agency", "Agency code (default LIVE_CHAT_AGENCY)", {"type": "string"}),
                    ("state", "open or closed", {"type": "string"}),
                    *page,
                ],
            )
        },
        f"{BASE}/conversations/{{ref}}": {
            "get": with_ref(
                op("getConversation", "One conversation and its messages", "200", query=page)
            )
        },
        f"{BASE}/conversations/{{ref}}/messages": {
            "post": with_ref(
                op("postConversationMessage", "An officer's reply", "201", body=live.OfficerReply)
            )
        },
        f"{BASE}/conversations/{{ref}}/close": {
            "post": with_ref(
                op("closeConversation", "Close the conversation", "200", body=live.OfficerAction)
            )
        },
    }


def _report_paths() -> dict[str, Any]:
    """Agencies' reports of issue 15 (api/reports.py): the daily digest (scope ``digest``) and
    the monthly satisfaction ratings (scope ``ratings``)."""
    from chalicelib.api import reports

    digest = _operation(
        "getDigest",
        "An agency's digest of a day: dossiers due within one working day, overdue, late PAKN",
        {"200": ("The day's entries", reports.DigestAnswer)},
        query=[("date", "Local date YYYY-MM-DD (default today)", {"type": "string"})],
    )
    digest["parameters"].append(
        {
            "name": "agency",
            "in": "path",
            "required": True,
            "description": "Agency code (QCVN 102), e.g. 000.00.17.H12",
            "schema": {"type": "string", "examples": ["000.00.17.H12"]},
        }
    )
    ratings = _operation(
        "getRatings",
        "An agency's satisfaction ratings of a month (counts, average, criteria)",
        {"200": ("The month's aggregates", reports.RatingsAnswer)},
        query=[
            ("agency", "Agency code (QCVN 102)", {"type": "string"}),
            ("month", "YYYY-MM (default this month)", {"type": "string"}),
        ],
    )
    return {
        f"{BASE}/digests/{{agency}}": {"get": digest},
        f"{BASE}/ratings": {"get": ratings},
    }


_REQUESTS: tuple[type[BaseModel], ...] = (
    models.DossierEventIn,
    models.DossierIn,
    models.ResultUploadIn,
)
_ANSWERS: tuple[type[BaseModel], ...] = (
    models.PingAnswer,
    models.DossierPage,
    models.DossierDetail,
    models.RegisterAnswer,
    models.EventAnswer,
    models.ResultUploadAnswer,
    models.AccessLogPage,
    models.ErrorAnswer,
)


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (deterministic: same models, same document)."""
    template = "#/components/schemas/{model}"
    schemas: dict[str, Any] = {}
    for mode, group in (("validation", _REQUESTS), ("serialization", _ANSWERS)):
        for model in group:
            schema = model.model_json_schema(ref_template=template, mode=mode)  # type: ignore[arg-type]
            for name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas[model.__name__] = schema
    from chalicelib.api.integration import live, postal

    for model in (
        live.OfficerReply,
        live.OfficerAction,
        models.JsonObject,
        postal.PostalEventBody,
        postal.PostalEventAnswer,
    ):
        answers = (models.JsonObject, postal.PostalEventAnswer)
        mode = "serialization" if model in answers else "validation"
        schemas[model.__name__] = model.model_json_schema(ref_template=template, mode=mode)  # type: ignore[arg-type]
    from chalicelib.api import reports

    for answer in (reports.DigestAnswer, reports.RatingsAnswer):
        schema = answer.model_json_schema(ref_template=template, mode="serialization")
        for name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas[answer.__name__] = schema
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cà Mau one-stop system: Zalo channel integration API",
            "version": VERSION,
            "description": "Signed with Standard Webhooks; see docs/integration.md.",
        },
        "servers": [{"url": "/"}],
        "paths": {**_paths(), **_live_paths(), **_report_paths(), **_postal_paths()},
        "components": {"schemas": dict(sorted(schemas.items()))},
    }


def text() -> str:
    """The document as ``docs/openapi.json`` holds it."""
    return json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def serve() -> Any:
    """``GET /integration/v1/openapi.json`` (public: the contract holds no secret)."""
    from chalicelib.api.http import json_response

    return json_response(200, document())
