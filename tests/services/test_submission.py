"""Creating a dossier from a confirmed submission: the receipt, exactly once, and its cost."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import botocore.exceptions
import pytest

from chalicelib.domain.calendar import default_calendar
from chalicelib.domain.dossier import Channel, DossierStatus
from chalicelib.domain.submission import ResultDelivery
from chalicelib.platform.aws import client
from chalicelib.root import get_document_store, get_submission_service
from chalicelib.services.submission import SubmissionService, qr_png
from chalicelib.settings import ConfigurationError
from chalicelib.storage.dossiers import Dossiers
from chalicelib.storage.table import get_table
from tests.conftest import TEST_ENV
from tests.services.drafts import AGENCY, OWNER, THURSDAY_MORNING, VIETNAM, draft, upload

BASE = "https://dichvucong.camau.test"


@pytest.fixture
def service(aws, monkeypatch) -> SubmissionService:
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    return get_submission_service()


@pytest.fixture
def three_documents(aws):
    store = get_document_store()
    return (
        upload(store, "Tờ khai đăng ký khai sinh", code="TK"),
        upload(store, "Giấy chứng sinh", code="GCS"),
        upload(store, "Giấy chứng sinh", code="GCS"),  # a second page of the same component
    )


def test_the_receipt_carries_the_official_receipt_form_content(service, three_documents):
    receipt = service.create_dossier(draft(three_documents), "sub-1", THURSDAY_MORNING)
    assert receipt.code == f"{AGENCY}-261126-0001"
    assert receipt.procedure_code == "1.001193"
    assert receipt.procedure_name == "Thủ tục đăng ký khai sinh"
    assert receipt.receiving_agency_name.startswith("Trung tâm Phục vụ hành chính công")
    assert [(c.code, c.name, c.files) for c in receipt.components] == [
        ("TK", "Tờ khai đăng ký khai sinh", 1),
        ("GCS", "Giấy chứng sinh", 2),
    ]
    assert receipt.received_at == THURSDAY_MORNING
    # The working calendar's date (the day of receipt not counted: Friday, Monday, Tuesday).
    assert receipt.expected_result_date == default_calendar().due_date(THURSDAY_MORNING, 3)
    assert receipt.expected_result_date == date(2026, 12, 1)
    assert receipt.expected_result_date_is_estimate is True
    assert receipt.result_delivery is ResultDelivery.AT_AGENCY
    assert receipt.result_place == "Trung tâm Phục vụ hành chính công phường An Xuyên"
    assert receipt.lookup_url == f"{BASE}/public/dossiers/{receipt.code}"


def test_after_the_cut_off_the_estimate_starts_the_next_working_day(service):
    friday_late = datetime(2026, 11, 27, 15, 30, tzinfo=VIETNAM)
    receipt = service.create_dossier(draft(), "sub-1", friday_late)
    assert receipt.code == f"{AGENCY}-261127-0001"
    # Received on Monday 30 November: Tuesday, Wednesday, Thursday.
    assert receipt.expected_result_date == default_calendar().due_date(friday_late, 3)
    assert receipt.expected_result_date == date(2026, 12, 3)


def test_the_date_in_the_code_is_the_local_date(service):
    # 18:30 UTC on the 26th is 01:30 on the 27th in Cà Mau.
    receipt = service.create_dossier(draft(), "sub-1", datetime(2026, 11, 26, 18, 30, tzinfo=UTC))
    assert receipt.code == f"{AGENCY}-261127-0001"


def test_no_time_limit_means_no_expected_date(service):
    receipt = service.create_dossier(draft(time_limit_days=None), "sub-1", THURSDAY_MORNING)
    assert receipt.expected_result_date is None


def test_the_dossier_is_new_online_owned_and_holds_the_kept_files(service, three_documents):
    receipt = service.create_dossier(draft(three_documents), "sub-1", THURSDAY_MORNING)
    dossier, _ = Dossiers(get_table()).get(receipt.code)
    assert dossier.status is DossierStatus.NEW
    assert dossier.status.official_name == "Mới đăng ký"
    assert dossier.channel is Channel.ONLINE
    assert dossier.owner_zalo_user_id == OWNER
    assert dossier.due_date is None  # set when the agency accepts it
    store = get_document_store()
    for kept, given in zip(dossier.documents, three_documents, strict=True):
        assert kept.key == "documents/" + given.key.removeprefix("uploads/")
        assert (kept.component_name, kept.sha256, kept.size) == (
            given.component_name,
            given.sha256,
            given.size,
        )
        assert store.head(kept.key)["metadata"]["sha256"] == given.sha256


def test_the_qr_image_of_the_lookup_link_is_stored_under_the_dossier(service):
    receipt = service.create_dossier(draft(), "sub-1", THURSDAY_MORNING)
    assert receipt.qr_key == f"dossiers/{receipt.code}/receipt-qr.png"
    png = get_document_store().read(receipt.qr_key)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png == qr_png(receipt.lookup_url)


def test_confirming_twice_gives_one_dossier_and_the_same_receipt(service, three_documents):
    first = service.create_dossier(draft(three_documents), "sub-1", THURSDAY_MORNING)
    later = datetime(2026, 11, 26, 9, 31, tzinfo=VIETNAM)
    again = service.create_dossier(draft(three_documents), "sub-1", later)
    assert again == first
    assert len(Dossiers(get_table()).of_owner(OWNER, limit=10)) == 1
    # The retry's number is skipped, never reused: the next dossier of the day gets 0003.
    other = service.create_dossier(draft(), "sub-2", later)
    assert other.code == f"{AGENCY}-261126-0003"


def test_an_expired_upload_fails_before_a_number_is_taken(service):
    store = get_document_store()
    gone = upload(store, "Giấy chứng sinh")
    client("s3").delete_object(Bucket=TEST_ENV["DOCUMENTS_BUCKET"], Key=gone.key)
    with pytest.raises(botocore.exceptions.ClientError):
        service.create_dossier(draft((gone,)), "sub-1", THURSDAY_MORNING)
    assert Dossiers(get_table()).submitted("sub-1") is None
    assert service.create_dossier(draft(), "sub-2", THURSDAY_MORNING).code.endswith("-0001")


def test_a_dossier_with_three_documents_costs_one_transaction_one_counter_and_a_copy_each(
    service, three_documents
):
    calls: Counter[str] = Counter()
    for name in ("dynamodb", "s3"):
        client(name).meta.events.register(
            "before-call.*.*", lambda event_name, **_: calls.update([event_name.split(".")[-1]])
        )
    service.create_dossier(draft(three_documents), "sub-1", THURSDAY_MORNING)
    assert calls == {"CopyObject": 3, "UpdateItem": 1, "TransactWriteItems": 1, "PutObject": 1}


def test_the_public_base_url_is_required(aws, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    with pytest.raises(ConfigurationError) as missing:
        get_submission_service().create_dossier(draft(), "sub-1", THURSDAY_MORNING)
    assert missing.value.setting == "PUBLIC_BASE_URL"


def test_a_submission_id_is_required(service):
    with pytest.raises(ValueError):
        service.create_dossier(draft(), "", THURSDAY_MORNING)
