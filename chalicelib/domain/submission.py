"""A dossier about to be submitted online (the draft) and what the citizen gets back (the receipt).

Pure: the chat flow and the web form fill a :class:`SubmissionDraft` from the catalogue and the
citizen's answers; :mod:`chalicelib.services.submission` turns it into a dossier and a
:class:`Receipt`, the content of the official "Giấy tiếp nhận hồ sơ và hẹn trả kết quả".
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.domain.agency import canonical_agency_code
from chalicelib.domain.dossier import Applicant


class ResultDelivery(StrEnum):
    """How the citizen chose to receive the result."""

    AT_AGENCY = "at_agency"
    ONLINE = "online"
    POST = "post"


class DraftDocument(BaseModel):
    """One stored file of one component, as :mod:`chalicelib.documents` accepted it. Immutable."""

    model_config = ConfigDict(frozen=True)

    component_code: str = ""
    component_name: str
    key: str = Field(min_length=1)  # the S3 key of the upload (generated, never the file name)
    name: str  # the sanitised original name, shown to officers
    content_type: str
    size: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class SubmissionDraft(BaseModel):
    """Everything a confirmed submission needs. Immutable.

    ``time_limit_days`` is the procedure's working-day limit for the online channel, None when
    it has none (no expected date is then promised). ``result_place`` is what the receipt says
    under "where the result is returned" (the unit's address, "online", the postal address).
    """

    model_config = ConfigDict(frozen=True)

    procedure_code: str
    procedure_name: str
    receiving_agency_code: str
    receiving_agency_name: str
    applicant: Applicant
    owner_zalo_user_id: str | None = None
    time_limit_days: int | None = Field(default=None, ge=0)
    result_delivery: ResultDelivery = ResultDelivery.AT_AGENCY
    result_place: str = ""
    documents: tuple[DraftDocument, ...] = ()

    @field_validator("receiving_agency_code")
    @classmethod
    def _canonical_agency(cls, value: str) -> str:
        return canonical_agency_code(value)

    @field_validator("documents")
    @classmethod
    def _distinct_keys(cls, value: tuple[DraftDocument, ...]) -> tuple[DraftDocument, ...]:
        keys = [d.key for d in value]
        if len(keys) != len(set(keys)):
            raise ValueError("a stored file is listed twice")
        return value

    def components_received(self) -> tuple[ReceivedComponent, ...]:
        """The components with files, in the order they were first given, with file counts."""
        counts: dict[tuple[str, str], int] = {}
        for document in self.documents:
            key = (document.component_code, document.component_name)
            counts[key] = counts.get(key, 0) + 1
        return tuple(
            ReceivedComponent(code=code, name=name, files=files)
            for (code, name), files in counts.items()
        )


class ReceivedComponent(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    files: int


class Receipt(BaseModel):
    """The receipt of a created dossier. Immutable.

    ``expected_result_date`` is an estimate until the agency accepts the dossier (its clock
    starts then): ``expected_result_date_is_estimate`` is always True at creation, and every text
    showing the date must say so.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    procedure_code: str
    procedure_name: str
    receiving_agency_name: str
    components: tuple[ReceivedComponent, ...]
    received_at: datetime
    expected_result_date: date | None
    expected_result_date_is_estimate: bool = True
    result_delivery: ResultDelivery
    result_place: str
    lookup_url: str
    qr_key: str | None = None
