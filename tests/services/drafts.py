"""Drafts and uploads as the chat flow and the web form will hand them to the service."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.dossier import Applicant
from chalicelib.domain.submission import DraftDocument, ResultDelivery, SubmissionDraft
from chalicelib.storage.documents import DocumentStore
from tests.documents import samples

AGENCY = "000.00.17.H12"
OWNER = "2468000000000000001"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# Thursday 26 November 2026, 09:30 in Cà Mau: a working day, before the 15:00 cut-off.
THURSDAY_MORNING = datetime(2026, 11, 26, 9, 30, tzinfo=VIETNAM)


def upload(store: DocumentStore, component: str, *, code: str = "") -> DraftDocument:
    stored = store.put_upload(
        samples.jpeg(), content_type="image/jpeg", detected_type="jpeg", name=f"{component}.jpg"
    )
    return DraftDocument(
        component_code=code,
        component_name=component,
        key=stored.key,
        name=stored.name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
    )


def draft(documents: tuple[DraftDocument, ...] = (), **changes) -> SubmissionDraft:
    values = {
        "procedure_code": "1.001193",
        "procedure_name": "Thủ tục đăng ký khai sinh",
        "receiving_agency_code": AGENCY,
        "receiving_agency_name": "Trung tâm Phục vụ hành chính công phường An Xuyên",
        "applicant": Applicant(name="Nguyễn Văn Mẫu", phone="0912345678", id_number="096090000001"),
        "owner_zalo_user_id": OWNER,
        "time_limit_days": 3,
        "result_delivery": ResultDelivery.AT_AGENCY,
        "result_place": "Trung tâm Phục vụ hành chính công phường An Xuyên",
        "documents": documents,
    }
    values.update(changes)
    return SubmissionDraft(**values)
