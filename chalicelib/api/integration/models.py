"""The integration API's contract as pydantic models: request bodies (unknown fields refused)
and answers. ``docs/openapi.json`` is generated from them (:mod:`.openapi`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

_STRICT = ConfigDict(extra="forbid")
Text = Field(min_length=1, max_length=2000)
Officer = Field(min_length=1, max_length=100, description="The acting officer's id")


# --------------------------------------------------------------------------- requests


class FeeIn(BaseModel):
    """Fees or taxes to pay (status 6)."""

    model_config = _STRICT

    amount: int = Field(ge=0, le=100_000_000_000, description="In đồng")
    purpose: str = Field(min_length=1, max_length=500)
    payment_url: str | None = Field(
        default=None, max_length=1000, pattern=r"^https?://\S+$", description="Where to pay"
    )


class ResultIn(BaseModel):
    """The result (status 9): ``url`` (an electronic result elsewhere), or ``key`` (a file
    uploaded through ``POST …/result-uploads``), and/or ``pickup`` (where to collect it)."""

    model_config = _STRICT

    url: str | None = Field(default=None, max_length=1000, pattern=r"^https://\S+$")
    key: str | None = Field(default=None, max_length=300, pattern=r"^results/[^/]+/[0-9a-f]{32}$")
    pickup: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _something(self) -> ResultIn:
        if self.url and self.key:
            raise ValueError("give url or key, not both")
        return self


class DossierEventIn(BaseModel):
    """A status change (or, with ``apology``, an apology slip re-setting the due date)."""

    model_config = _STRICT

    status: int = Field(ge=1, le=10, description="Status code 1-10 (docs/integration.md)")
    at: AwareDatetime = Field(description="When it happened, with its UTC offset")
    officer: str = Officer
    reason: str | None = Field(default=None, min_length=1, max_length=2000)
    missing: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Status 5: the full list of what to add and how",
    )
    due_date: date | None = Field(
        default=None, description="The official due date (status 2, or an apology's new date)"
    )
    fee: FeeIn | None = None
    result: ResultIn | None = None
    apology: bool = Field(
        default=False, description="An apology slip: keeps the status, needs due_date and reason"
    )

    @model_validator(mode="after")
    def _what_the_status_needs(self) -> DossierEventIn:
        if self.missing is not None and any(
            not item.strip() or len(item) > 500 for item in self.missing
        ):
            raise ValueError("missing: each item is 1-500 characters")
        if self.apology:
            if self.due_date is None or not self.reason:
                raise ValueError("an apology needs due_date and reason")
            return self
        needs = {3: "reason", 8: "reason", 5: "missing", 6: "fee", 9: "result"}
        field = needs.get(self.status)
        if field is not None and getattr(self, field) is None:
            raise ValueError(f"status {self.status} needs {field}")
        return self


class ApplicantIn(BaseModel):
    model_config = _STRICT

    kind: Literal["person", "organisation"] = "person"
    name: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(default=None, max_length=20, description="12-digit ID")
    phone: str | None = Field(default=None, max_length=20, description="Vietnamese mobile")
    address: str = Field(default="", max_length=500)
    tax_code: str | None = Field(default=None, max_length=20)


class DossierIn(BaseModel):
    """A dossier filed at a counter, on the portal or by post (``PUT …/dossiers/{code}``)."""

    model_config = _STRICT

    procedure_code: str = Field(pattern=r"^[0-9]\.[0-9]{6}$")
    procedure_name: str | None = Field(
        default=None, min_length=1, max_length=500, description="Default: the catalogue's"
    )
    receiving_agency: str = Field(min_length=1, max_length=40, description="QCVN 102 code")
    channel: Literal["in_person", "online", "postal"] = "in_person"
    received_at: AwareDatetime
    status: int = Field(default=2, ge=1, le=10)
    due_date: date | None = None
    time_limit_days: int | None = Field(
        default=None, ge=0, le=3650, description="Working days; default: the catalogue's"
    )
    officer: str = Officer
    applicant: ApplicantIn


class ResultUploadIn(BaseModel):
    model_config = _STRICT

    content_type: Literal[
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/xml",
        "application/zip",
    ] = "application/pdf"


# --------------------------------------------------------------------------- answers


class HistoryOut(BaseModel):
    status: int
    status_name: str
    at: datetime
    officer: str
    note: str
    kind: str = Field(
        description="status (a status change), apology, or the citizen's own entries in the "
        "chat: supplement_received, withdrawal_requested (the status stays)"
    )
    anomalies: list[str]


class FeeOut(BaseModel):
    amount: int
    purpose: str
    payment_url: str | None


class ResultOut(BaseModel):
    url: str | None
    key: str | None
    pickup: str | None


class DossierSummary(BaseModel):
    """A dossier in the change feed: no personal data (GET the dossier for it)."""

    code: str
    procedure_code: str
    procedure_name: str
    receiving_agency: str
    channel: Literal["in_person", "online", "postal"]
    status: int
    status_name: str
    received_at: datetime | None
    due_date: date | None
    updated_at: str
    owner_linked: bool
    document_count: int
    last_anomalies: list[str]
    withdrawal_requested_at: datetime | None = Field(
        default=None, description="The applicant asked to withdraw in the chat: confirm with 7"
    )
    supplement_received_at: datetime | None = Field(
        default=None, description="The applicant last sent a supplement document in the chat"
    )


class DossierState(BaseModel):
    """The dossier as it stands after an event (no personal data)."""

    code: str
    status: int
    status_name: str
    received_at: datetime | None
    complete_received_at: datetime | None
    due_date: date | None
    due_date_source: Literal["estimate", "official"]
    original_due_date: date | None
    reason: str
    supplement_items: list[str]
    fee: FeeOut | None
    result: ResultOut | None
    apologies: int
    history: list[HistoryOut]


class ApplicantOut(BaseModel):
    kind: Literal["person", "organisation"]
    name: str
    id_number: str | None
    phone: str | None
    address: str
    tax_code: str | None


class DocumentOut(BaseModel):
    name: str
    component_code: str
    component_name: str
    content_type: str
    size: int | None
    sha256: str
    url: str = Field(description="Presigned GET link, valid a few minutes")


class DossierDetail(DossierState):
    """One dossier with its personal data and presigned document links (the read is logged)."""

    procedure_code: str
    procedure_name: str
    receiving_agency: str
    channel: Literal["in_person", "online", "postal"]
    applicant: ApplicantOut
    owner_linked: bool
    documents: list[DocumentOut]
    withdrawal_requested_at: datetime | None = None
    withdrawal_reason: str = ""
    supplement_received_at: datetime | None = None


class DossierPage(BaseModel):
    dossiers: list[DossierSummary]
    next_cursor: str | None = Field(
        description="Pass as updated_after to continue (null: nothing read yet)"
    )
    has_more: bool


class EventAnswer(BaseModel):
    applied: bool = Field(description="False: older than the dossier's latest change; ignored")
    changed: bool
    anomalies: list[str]
    notice: Literal["queued", "unaddressed", "none"]
    dossier: DossierState


class RegisterAnswer(BaseModel):
    created: bool
    notice: Literal["queued", "unaddressed", "none"]
    dossier: DossierState


class ResultUploadAnswer(BaseModel):
    key: str
    url: str
    method: Literal["PUT"]
    headers: dict[str, str]
    expires_in: int


class AccessEntryOut(BaseModel):
    at: str
    client: str
    officer: str
    action: str


class AccessLogPage(BaseModel):
    entries: list[AccessEntryOut]
    next_cursor: str | None


class PingAnswer(BaseModel):
    client: str
    scopes: list[str]
    agencies: list[str]


class JsonObject(BaseModel):
    """A JSON object (answers described in docs/integration.md)."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorAnswer(BaseModel):
    error: ErrorDetail
