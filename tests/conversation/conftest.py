"""A fake Lookups and helpers for driving the conversation engine turn by turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.conversation.engine import handle
from chalicelib.conversation.flow import FlowRegistry
from chalicelib.conversation.model import (
    Attachment,
    CentreInfo,
    DocumentLine,
    DossierView,
    EngineSettings,
    FaqHit,
    FeedbackLine,
    Location,
    Outcome,
    ProcedureCard,
    ProcedureHit,
    ProcedurePage,
    Session,
    Turn,
    UserInfo,
)

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 09:00 in Cà Mau
USER = "8461234567890123456"  # ids exceed 2**53: always strings
HOTLINE = "0290 3 822 822"
CODE = "000.00.17.H12-261126-0007"
OTHER_CODE = "000.00.17.H12-261126-0008"

PROCEDURES = [
    ProcedureHit(code=f"1.00{1000 + i}", name=f"Đăng ký khai sinh loại {i}") for i in range(1, 8)
]
CARD = ProcedureCard(
    code="1.001193",
    name="Thủ tục đăng ký khai sinh",
    field="Hộ tịch",
    agency="Ủy ban nhân dân xã",
    agency_address="Số 1 đường Lý Thường Kiệt, phường An Xuyên, Cà Mau",
    time_limit="Ngay trong ngày làm việc",
    fees=["Miễn lệ phí"],
    documents=[
        DocumentLine(name="Tờ khai đăng ký khai sinh", originals=1, copies=0),
        DocumentLine(name="Giấy chứng sinh", originals=1, copies=2),
    ],
    online_level="full",
    submit_in_zalo=False,
    portal_url="https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193",
)
OWNER_VIEW = DossierView(
    code=CODE,
    procedure_name="Đăng ký khai sinh",
    status_name="Đang xử lý",
    is_owner=True,
    history=["26/11/2026 09:00 Tiếp nhận hồ sơ", "26/11/2026 10:00 Chuyển phòng Tư pháp"],
    received_at=T0,
    due_date=date(2026, 11, 30),
    overdue=True,
    next_step="Phòng Tư pháp thẩm định",
    result_ready=False,
)


@dataclass
class FakeLookups:
    procedures: list[ProcedureHit] = field(default_factory=lambda: list(PROCEDURES))
    cards: dict[str, ProcedureCard] = field(default_factory=lambda: {CARD.code: CARD})
    owners: set[str] = field(default_factory=set)  # user ids owning CODE
    applicant_phone: str = "+84912345678"
    applicant_id: str = "096201001234"
    linked: list[DossierView] = field(default_factory=list)
    linked_elsewhere: bool = False  # CODE is linked to another Zalo account
    past_documents: list = field(default_factory=list)  # PastDocument of the user's dossiers
    calls: list[tuple] = field(default_factory=list)
    faq_hits: list[FaqHit] = field(default_factory=list)
    feedback_lines: list[FeedbackLine] = field(default_factory=list)

    def search_procedures(self, query: str, offset: int, limit: int) -> ProcedurePage:
        self.calls.append(("search_procedures", query, offset, limit))
        hits = [h for h in self.procedures if all(w in _fold(h.name) for w in query.split())]
        return ProcedurePage(hits=hits[offset : offset + limit], total=len(hits))

    def procedure_card(self, code: str) -> ProcedureCard | None:
        self.calls.append(("procedure_card", code))
        return self.cards.get(code)

    def dossier_by_code(self, code: str, user_id: str) -> DossierView | None:
        self.calls.append(("dossier_by_code", code, user_id))
        if code != CODE:
            return None
        return OWNER_VIEW.model_copy(update={"is_owner": user_id in self.owners})

    def confirm_applicant(self, code, user_id, *, phone, id_number):
        self.calls.append(("confirm_applicant", code, user_id, phone, id_number))
        if code == CODE and phone == self.applicant_phone and id_number == self.applicant_id:
            if self.linked_elsewhere:
                return OWNER_VIEW.model_copy(
                    update={"is_owner": False, "history": [], "linked_elsewhere": True}
                )
            return OWNER_VIEW
        return None

    def dossiers_of(self, user_id: str, limit: int) -> list[DossierView]:
        self.calls.append(("dossiers_of", user_id, limit))
        return self.linked[:limit]

    def documents_of(self, user_id: str, limit: int) -> list:
        self.calls.append(("documents_of", user_id, limit))
        return list(self.past_documents)

    def centres(self, query: str) -> list[CentreInfo]:
        from chalicelib.services.lookups import StoreLookups

        self.calls.append(("centres", query))
        return StoreLookups(None, None).centres(query)

    def faq(self, query: str, limit: int) -> list[FaqHit]:
        self.calls.append(("faq", query, limit))
        return self.faq_hits[:limit]

    def my_feedback(self, user_id: str, limit: int) -> list[FeedbackLine]:
        self.calls.append(("my_feedback", user_id, limit))
        return self.feedback_lines[:limit]

    def called(self, name: str) -> bool:
        return any(call[0] == name for call in self.calls)


def _fold(text: str) -> str:
    from chalicelib.domain.vietnamese import fold

    return fold(text)


SETTINGS = EngineSettings(hotline=HOTLINE)


def turn(
    text: str | None = None,
    *,
    kind: str = "text",
    at: datetime = T0,
    consented: bool = True,
    first: bool = False,
    attachments: list[Attachment] | None = None,
    location: Location | None = None,
    user_info: UserInfo | None = None,
    awaiting: str | None = None,
) -> Turn:
    return Turn(
        user_id=USER,
        now=at,
        kind=kind,
        text=text,
        attachments=attachments or [],
        location=location,
        user_info=user_info,
        consented=consented,
        first_interaction=first,
        awaiting=awaiting,
    )


@dataclass
class Chat:
    """Drives the engine like the processing layer: keeps the returned session."""

    lookups: FakeLookups = field(default_factory=FakeLookups)
    session: Session | None = None
    now: datetime = T0
    consented: bool = True
    last: Outcome | None = None
    flows: FlowRegistry | None = None  # None: the product's flows
    awaiting: str | None = None  # the back office waits for an answer (Turn.awaiting)

    def send(self, text: str | None = None, *, kind: str = "text", first: bool = False,
             after: timedelta = timedelta(seconds=5), attachments: list[Attachment] | None = None,
             location: Location | None = None, user_info: UserInfo | None = None,
             ) -> Outcome:  # fmt: skip
        self.now += after
        this = turn(
            text,
            kind=kind,
            at=self.now,
            consented=self.consented,
            first=first,
            attachments=attachments,
            location=location,
            user_info=user_info,
            awaiting=self.awaiting,
        )
        outcome = handle(self.session, this, self.lookups, SETTINGS, self.flows)
        self.session = outcome.session
        self.last = outcome
        return outcome


def all_text(outcome: Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)


def payloads(outcome: Outcome) -> list[str]:
    return [button.payload for reply in outcome.replies for button in reply.buttons]


@pytest.fixture
def chat() -> Chat:
    return Chat()
