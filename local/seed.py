"""Sample data for the local system (`make run`): clearly sample, never production data.

Loads the catalogue of today's Cà Mau from data/catalogue/ (the 2,395 national online services
merged with the detailed Cà Mau records, see chalicelib.catalogue.sample.load_catalogue) into
the same store operators import into (ops/import_catalogue.py), a handful of sample dossiers
in various statuses, and a first Zalo token pair for the local Zalo stand-in. Idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

DATA = Path(__file__).resolve().parent.parent / "data" / "catalogue"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# The user `make chat` plays by default; one sample dossier is linked to it.
CHAT_USER_ID = "2468000000000000001"
# A second sample user (`make chat ARGS="--user 2468000000000000002"`) whose dossier's result
# was handed over yesterday: `make schedule NAME=send_reminders` invites them to rate it.
RATING_USER_ID = "2468000000000000002"


def sample_dossiers(now: datetime) -> list:
    """Sample dossiers (fictitious applicants) in several statuses."""
    from chalicelib.domain.dossier import (
        Applicant,
        Channel,
        Dossier,
        DossierStatus,
        format_code,
    )

    day = (now - timedelta(days=9)).astimezone(VIETNAM)
    received = day.replace(hour=9, minute=30, second=0, microsecond=0)
    agency = "000.00.17.H12"
    first = Dossier.open(
        code=format_code(agency, received.date(), 7),
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        receiving_agency_code=agency,
        applicant=Applicant(name="Nguyễn Văn Mẫu", phone="0912345678", id_number="096090000001"),
        channel=Channel.ONLINE,
        at=received,
        actor="zalo",
        time_limit_days=3,
        owner_zalo_user_id=CHAT_USER_ID,
    )
    first.transition(DossierStatus.ACCEPTED, received + timedelta(hours=1), "officer")
    first.transition(DossierStatus.PROCESSING, received + timedelta(hours=2), "officer")

    second = Dossier.open(
        code=format_code(agency, received.date(), 8),
        procedure_code="1.013225",
        procedure_name="Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV",
        receiving_agency_code=agency,
        applicant=Applicant(name="Trần Thị Mẫu", phone="0987654321", id_number="096190000002"),
        channel=Channel.IN_PERSON,
        at=received,
        actor="officer",
        time_limit_days=15,
    )
    second.transition(
        DossierStatus.SUPPLEMENT_REQUESTED,
        received + timedelta(days=2),
        "officer",
        "Thiếu bản vẽ thiết kế",
        supplement_items=["Bản vẽ thiết kế xây dựng (2 bản)"],
    )
    third = Dossier.open(
        code=format_code(agency, received.date(), 9),
        procedure_code="1.004194",
        procedure_name="Đăng ký tạm trú",
        receiving_agency_code=agency,
        applicant=Applicant(name="Lê Văn Mẫu", phone="0355555555", id_number="096080000003"),
        channel=Channel.IN_PERSON,
        at=received,
        actor="officer",
        time_limit_days=3,
    )
    third.transition(DossierStatus.PROCESSING, received + timedelta(hours=3), "officer")
    third.transition(DossierStatus.RESULT_READY, received + timedelta(days=2), "officer")
    fourth = Dossier.open(
        code=format_code(agency, received.date(), 10),
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        receiving_agency_code=agency,
        applicant=Applicant(name="Phạm Thị Mẫu", phone="0977777777", id_number="096180000004"),
        channel=Channel.ONLINE,
        at=received,
        actor="zalo",
        time_limit_days=3,
        owner_zalo_user_id=RATING_USER_ID,
    )
    fourth.transition(DossierStatus.ACCEPTED, received + timedelta(hours=1), "officer")
    fourth.transition(DossierStatus.RESULT_READY, received + timedelta(days=2), "officer")
    handed_over = (now - timedelta(days=1)).astimezone(VIETNAM).replace(hour=10, minute=0)
    fourth.transition(DossierStatus.RESULT_DELIVERED, handed_over, "officer")
    return [first, second, third, fourth]


def seed() -> dict[str, int]:
    """Load everything; returns counts for the runner's banner."""
    from chalicelib.catalogue.sample import load_catalogue
    from chalicelib.catalogue.store import get_store
    from chalicelib.root import get_token_manager
    from chalicelib.storage.dossiers import DossierConflict, Dossiers
    from chalicelib.storage.table import get_table

    agencies, report = load_catalogue(DATA)
    counts = get_store().import_catalogue(agencies, report.procedures)
    dossiers = Dossiers(get_table())
    added = 0
    samples = sample_dossiers(datetime.now(tz=VIETNAM))
    for dossier in samples:
        try:
            dossiers.add(dossier)
            added += 1
        except DossierConflict:
            pass
    manager = get_token_manager()
    manager.store_initial_pair("local-access-token", "local-refresh-token", "90000")
    return {
        "agencies": len(agencies),
        "procedures": len(report.procedures),
        "catalogue_written": counts.written,
        "dossiers": added,
        "dossier_codes": [d.code for d in samples],
    }
