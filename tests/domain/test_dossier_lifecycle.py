"""Dossier life cycle: transitions, supplement pause, apology re-set, overdue, views."""

from datetime import date, datetime

import pytest
from pydantic import ValidationError

from chalicelib.domain.calendar import LOCAL_TZ, NaiveDatetimeError, default_calendar
from chalicelib.domain.dossier import (
    ALLOWED_TRANSITIONS,
    AnonymousDossierView,
    Applicant,
    ApplicantKind,
    Channel,
    DomainError,
    Dossier,
    DossierDocument,
    DossierStatus,
    DueDateAlreadyReset,
    DueDateSource,
    InvalidDueDateReset,
    InvalidTransition,
    OutOfOrderEvent,
    SupplementAlreadyRequested,
    SupplementItemsRequired,
)

S = DossierStatus
CALENDAR = default_calendar()


def at(m, d, hh=9, mm=0):
    return datetime(2026, m, d, hh, mm, tzinfo=LOCAL_TZ)


def applicant():
    return Applicant(
        name="Nguyễn Văn An", id_number="096090001234", phone="0912 345 678", address="Tân Thành"
    )


def new_dossier(channel=Channel.IN_PERSON, when=None, limit=5, **kwargs):
    return Dossier.open(
        code="000.00.17.H12-261123-0001",
        procedure_code="1.004873",
        procedure_name="Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
        receiving_agency_code="000.00.17.H12",
        applicant=applicant(),
        channel=channel,
        at=when or at(11, 23),
        actor="officer-1",
        time_limit_days=limit,
        calendar=CALENDAR,
        **kwargs,
    )


# ---------------------------------------------------------------- opening


def test_dossier_received_at_the_counter_starts_accepted_with_a_due_date():
    dossier = new_dossier()
    assert dossier.status is S.ACCEPTED
    assert dossier.received_at == at(11, 23)
    assert dossier.due_date == date(2026, 12, 1)  # 25, 26, 27, 30, 1 (Tue 24/11 is off)
    assert dossier.due_date_source is DueDateSource.ESTIMATE
    assert [c.status for c in dossier.history] == [S.ACCEPTED]


def test_online_dossier_starts_new_without_a_due_date_until_accepted():
    dossier = new_dossier(channel=Channel.ONLINE)
    assert dossier.status is S.NEW and dossier.due_date is None
    dossier.transition(S.ACCEPTED, at(11, 25), "officer-1", calendar=CALENDAR)
    assert dossier.received_at == at(11, 25)
    assert dossier.due_date == date(2026, 12, 2)  # 26, 27, 30, 1, 2


def test_dossier_cannot_start_in_processing():
    with pytest.raises(InvalidTransition):
        new_dossier(status=S.PROCESSING)


def test_applicant_phone_is_stored_in_e164():
    assert applicant().phone == "+84912345678"


def test_tax_code_is_only_for_organisations():
    with pytest.raises(ValidationError):
        Applicant(name="An", tax_code="0100233488")
    company = Applicant(kind=ApplicantKind.ORGANISATION, name="Công ty A", tax_code="0100233488")
    assert company.tax_code == "0100233488"


def test_invalid_dossier_code_is_rejected():
    with pytest.raises(ValidationError):
        Dossier(
            code="ABC",
            procedure_code="1.004873",
            procedure_name="x",
            receiving_agency_code="000.00.17.H12",
            applicant=applicant(),
            channel=Channel.ONLINE,
            status=S.NEW,
        )


# ---------------------------------------------------------------- transitions


def test_allowed_transition_appends_to_history():
    dossier = new_dossier()
    assert dossier.transition(S.PROCESSING, at(11, 23, 10), "officer-2", "chuyển phòng")
    assert dossier.status is S.PROCESSING
    assert [(c.status, c.actor) for c in dossier.history] == [
        (S.ACCEPTED, "officer-1"),
        (S.PROCESSING, "officer-2"),
    ]


def test_repeating_the_current_status_is_an_idempotent_no_op():
    dossier = new_dossier()
    dossier.transition(S.PROCESSING, at(11, 23, 10), "officer-2")
    assert dossier.transition(S.PROCESSING, at(11, 23, 11), "officer-2") is False
    assert len(dossier.history) == 2


def test_transition_outside_the_table_raises_invalid_transition():
    dossier = new_dossier()
    with pytest.raises(InvalidTransition) as raised:
        dossier.transition(S.RESULT_DELIVERED, at(11, 24), "officer-1")
    assert raised.value.code == "invalid_transition"
    assert dossier.status is S.ACCEPTED and len(dossier.history) == 1


@pytest.mark.parametrize("final", [S.REFUSED, S.STOPPED, S.RESULT_DELIVERED])
def test_final_statuses_allow_no_transition(final):
    assert ALLOWED_TRANSITIONS[final] == frozenset()


def test_every_status_has_a_row_in_the_transition_table():
    assert set(ALLOWED_TRANSITIONS) == set(DossierStatus)


def test_status_change_before_the_previous_one_is_rejected():
    dossier = new_dossier()
    with pytest.raises(OutOfOrderEvent):
        dossier.transition(S.PROCESSING, at(11, 22), "officer-1")


def test_naive_transition_time_is_rejected():
    dossier = new_dossier()
    with pytest.raises(ValueError):
        dossier.transition(S.PROCESSING, datetime(2026, 11, 24, 9), "officer-1")


def test_result_ready_is_derived_from_status_9_and_10():
    dossier = new_dossier()
    assert not dossier.result_ready
    dossier.transition(S.RESULT_READY, at(11, 25), "officer-1")
    assert dossier.result_ready
    dossier.transition(S.RESULT_DELIVERED, at(11, 26), "officer-1")
    assert dossier.result_ready


# ---------------------------------------------------------------- supplement


def test_supplement_request_needs_the_list_of_missing_items():
    dossier = new_dossier()
    with pytest.raises(SupplementItemsRequired):
        dossier.transition(S.SUPPLEMENT_REQUESTED, at(11, 25), "officer-1", supplement_items=[" "])


def test_supplement_pauses_the_clock_and_restarts_the_full_limit_on_resubmission():
    dossier = new_dossier()  # due 1/12
    dossier.transition(
        S.SUPPLEMENT_REQUESTED, at(11, 25), "officer-1", supplement_items=["Bản sao CCCD"]
    )
    assert dossier.supplement_items == ("Bản sao CCCD",)
    assert not dossier.is_overdue(at(12, 20), CALENDAR)  # paused, however long
    dossier.transition(S.PROCESSING, at(12, 21, 10), "officer-1", calendar=CALENDAR)
    assert dossier.received_at == at(11, 23)  # the first receipt is kept
    assert dossier.complete_received_at == at(12, 21, 10)
    assert dossier.due_date == date(2026, 12, 28)  # 22, 23, 24, 25, 28: a new start


def test_second_supplement_request_is_refused():
    dossier = new_dossier()
    dossier.transition(S.SUPPLEMENT_REQUESTED, at(11, 25), "o", supplement_items=["Tờ khai"])
    dossier.transition(S.PROCESSING, at(11, 26), "o", calendar=CALENDAR)
    with pytest.raises(SupplementAlreadyRequested) as raised:
        dossier.transition(S.SUPPLEMENT_REQUESTED, at(11, 27), "o", supplement_items=["Ảnh"])
    assert raised.value.code == "supplement_already_requested"


def test_supplement_before_acceptance_starts_the_clock_on_acceptance():
    dossier = new_dossier(channel=Channel.ONLINE)
    dossier.transition(S.SUPPLEMENT_REQUESTED, at(11, 23, 10), "o", supplement_items=["Ảnh"])
    dossier.transition(S.ACCEPTED, at(11, 27, 16), "o", calendar=CALENDAR)  # after 15:00
    assert dossier.due_date == date(2026, 12, 7)  # received Mon 30/11: 1, 2, 3, 4, 7


# ---------------------------------------------------------------- official date, fees


def test_the_back_office_due_date_wins_over_the_estimate():
    dossier = new_dossier()
    assert dossier.set_official_due_date(date(2026, 12, 3))
    assert not dossier.set_official_due_date(date(2026, 12, 3))  # repeated delivery
    assert dossier.due_date == date(2026, 12, 3)
    assert not dossier.owner_view(at(11, 24), CALENDAR).due_date_is_estimate


def test_an_official_date_sent_before_acceptance_is_not_overwritten_by_the_estimate():
    dossier = new_dossier(channel=Channel.ONLINE)
    dossier.set_official_due_date(date(2026, 12, 9))
    dossier.transition(S.ACCEPTED, at(11, 25), "o", calendar=CALENDAR)
    assert dossier.due_date == date(2026, 12, 9)


def test_after_a_supplement_the_estimate_replaces_the_first_receipts_official_date():
    dossier = new_dossier()
    dossier.set_official_due_date(date(2026, 12, 1))
    dossier.transition(S.SUPPLEMENT_REQUESTED, at(11, 25), "o", supplement_items=["Tờ khai"])
    dossier.transition(S.PROCESSING, at(11, 30, 9), "o", calendar=CALENDAR)
    assert dossier.due_date == date(2026, 12, 7)  # 1, 2, 3, 4, 7
    assert dossier.due_date_source is DueDateSource.ESTIMATE


def test_time_paying_fees_does_not_count_when_the_procedure_says_so():
    dossier = new_dossier(excludes_financial_obligation_time=True)  # due 1/12
    dossier.transition(S.FINANCIAL_OBLIGATION, at(11, 25, 10), "o")
    assert not dossier.is_overdue(at(12, 10), CALENDAR)  # the clock waits for the applicant
    dossier.transition(S.PROCESSING, at(11, 30, 14), "o", calendar=CALENDAR)
    # Thu 26, Fri 27, Mon 30 did not count: 1/12 + 3 working days.
    assert dossier.due_date == date(2026, 12, 4)


def test_time_paying_fees_counts_by_default():
    dossier = new_dossier()
    dossier.transition(S.FINANCIAL_OBLIGATION, at(11, 25, 10), "o")
    dossier.transition(S.PROCESSING, at(11, 30, 14), "o", calendar=CALENDAR)
    assert dossier.due_date == date(2026, 12, 1)
    assert dossier.is_overdue(at(12, 2), CALENDAR)


def test_an_official_date_is_not_moved_by_the_fee_pause():
    dossier = new_dossier(excludes_financial_obligation_time=True)
    dossier.set_official_due_date(date(2026, 12, 2))
    dossier.transition(S.FINANCIAL_OBLIGATION, at(11, 25, 10), "o")
    dossier.transition(S.PROCESSING, at(11, 30, 14), "o", calendar=CALENDAR)
    assert dossier.due_date == date(2026, 12, 2)


# ---------------------------------------------------------------- apology re-set


def test_due_date_can_be_reset_once_with_a_reason():
    dossier = new_dossier()
    dossier.reset_due_date(date(2026, 12, 7), at(11, 27), "Cần xác minh thêm")
    assert dossier.due_date == date(2026, 12, 7)
    assert dossier.original_due_date == date(2026, 12, 1)
    assert dossier.due_date_reset_once
    assert dossier.due_date_source is DueDateSource.OFFICIAL


def test_second_due_date_reset_raises():
    dossier = new_dossier()
    dossier.reset_due_date(date(2026, 12, 7), at(11, 27), "Cần xác minh thêm")
    with pytest.raises(DueDateAlreadyReset) as raised:
        dossier.reset_due_date(date(2026, 12, 14), at(12, 1), "Lại chậm")
    assert raised.value.code == "due_date_already_reset"
    assert dossier.due_date == date(2026, 12, 7)


@pytest.mark.parametrize(
    ("new_date", "when", "reason"),
    [
        (date(2026, 12, 1), at(11, 27), "lý do"),  # not later
        (date(2026, 12, 7), at(12, 1), "lý do"),  # on the due date: too late
        (date(2026, 12, 7), at(11, 27), "  "),  # no reason
    ],
)
def test_invalid_due_date_reset_is_rejected(new_date, when, reason):
    dossier = new_dossier()
    with pytest.raises(InvalidDueDateReset):
        dossier.reset_due_date(new_date, when, reason)
    assert not dossier.due_date_reset_once


# ---------------------------------------------------------------- overdue


def test_open_dossier_becomes_overdue_after_the_due_date():
    dossier = new_dossier()
    assert not dossier.is_overdue(at(12, 1, 23, 59), CALENDAR)
    assert dossier.is_overdue(at(12, 2, 8), CALENDAR)


def test_finished_dossier_is_judged_by_when_the_result_was_ready():
    on_time, late = new_dossier(), new_dossier()
    on_time.transition(S.RESULT_READY, at(12, 1, 16), "o")
    late.transition(S.RESULT_READY, at(12, 2, 8), "o")
    assert not on_time.is_overdue(at(12, 20), CALENDAR)
    assert late.is_overdue(at(12, 20), CALENDAR)


def test_refused_dossier_is_never_overdue():
    dossier = new_dossier(channel=Channel.ONLINE)
    dossier.transition(S.ACCEPTED, at(11, 23), "o", calendar=CALENDAR)
    dossier.transition(S.STOPPED, at(11, 24), "o")
    assert not dossier.is_overdue(at(12, 31), CALENDAR)


def test_is_overdue_rejects_naive_now():
    with pytest.raises(NaiveDatetimeError):
        new_dossier().is_overdue(datetime(2026, 12, 1), CALENDAR)


# ---------------------------------------------------------------- views and errors


def test_anonymous_view_shows_only_code_procedure_and_status():
    dossier = new_dossier()
    view = dossier.anonymous_view()
    assert set(AnonymousDossierView.model_fields) == {
        "code",
        "procedure_name",
        "status",
        "status_name",
    }
    dumped = view.model_dump_json()
    assert "Nguyễn" not in dumped and "0912" not in dumped and "096090001234" not in dumped
    assert view.status_name == "Được tiếp nhận"


def test_owner_view_masks_the_id_number_and_hides_officers():
    dossier = new_dossier()
    dossier.attach(DossierDocument(key="dossiers/abc/tokhai.pdf", name="Tờ khai"))
    view = dossier.owner_view(at(11, 24), CALENDAR)
    assert view.applicant_id_masked == "********1234"
    assert view.documents == ("Tờ khai",)
    assert view.due_date == date(2026, 12, 1) and not view.is_overdue
    assert view.due_date_is_estimate
    assert "officer-1" not in view.model_dump_json()


def test_attaching_the_same_document_twice_is_a_no_op():
    dossier = new_dossier()
    document = DossierDocument(key="k1", name="Tờ khai")
    assert dossier.attach(document) and not dossier.attach(document)
    assert len(dossier.documents) == 1


def test_domain_error_codes_are_distinct_strings():
    errors = [
        InvalidTransition,
        OutOfOrderEvent,
        SupplementAlreadyRequested,
        SupplementItemsRequired,
        DueDateAlreadyReset,
        InvalidDueDateReset,
    ]
    codes = [error.code for error in errors]
    assert all(issubclass(error, DomainError) for error in errors)
    assert len(set(codes)) == len(codes) and DomainError.code not in codes


# ---------------------------------------------------------------- casework (issue 12)


def _supplement_requested():
    dossier = new_dossier()
    dossier.transition(S.SUPPLEMENT_REQUESTED, at(11, 24), "officer-1", supplement_items=["Bản vẽ"])
    return dossier


def test_a_supplement_document_is_attached_once_and_the_status_stays():
    from chalicelib.domain.dossier import NotAwaitingSupplement

    dossier = _supplement_requested()
    doc = DossierDocument(key="documents/x", name="ban-ve.jpg", component_name="Bản vẽ")
    assert dossier.receive_supplement(doc) is True
    assert dossier.receive_supplement(doc) is False
    assert dossier.status is S.SUPPLEMENT_REQUESTED and len(dossier.documents) == 1
    with pytest.raises(NotAwaitingSupplement):
        new_dossier().receive_supplement(doc)


def test_an_event_entry_is_kept_once_and_does_not_block_a_later_status_change():
    dossier = _supplement_requested()
    assert dossier.note_event("supplement_received", at(11, 26), "citizen:zalo", "Bản vẽ")
    assert not dossier.note_event("supplement_received", at(11, 26), "citizen:zalo", "Bản vẽ")
    assert dossier.history[-1].event == "supplement_received"
    assert dossier.history[-1].status is S.SUPPLEMENT_REQUESTED
    # The back office's change, timed before the citizen's note, is still in order.
    assert dossier.transition(S.PROCESSING, at(11, 25, 15), "officer-1")
    assert dossier.supplement_was_requested and dossier.status is S.PROCESSING


def test_withdrawal_is_asked_once_before_a_result_and_refused_after():
    from chalicelib.domain.dossier import WithdrawalNotAllowed

    dossier = new_dossier()
    assert dossier.request_withdrawal(at(11, 24), "citizen:zalo", "  nộp nhầm  ") is True
    assert dossier.withdrawal_requested_at == at(11, 24)
    assert dossier.withdrawal_reason == "nộp nhầm"
    assert dossier.request_withdrawal(at(11, 25), "citizen:zalo") is False
    assert [h.event for h in dossier.history].count("withdrawal_requested") == 1
    assert dossier.status is S.ACCEPTED  # the back office confirms with 7
    assert dossier.owner_view(at(11, 25)).withdrawal_requested_at == at(11, 24)
    done = new_dossier()
    done.transition(S.RESULT_READY, at(11, 24), "officer-1")
    with pytest.raises(WithdrawalNotAllowed):
        done.request_withdrawal(at(11, 25), "citizen:zalo")


def test_a_representative_is_only_for_organisations():
    with pytest.raises(ValidationError):
        Applicant(name="Nguyễn Văn An", representative="Trần Văn Bình")
    org = Applicant(kind=ApplicantKind.ORGANISATION, name="Công ty A", representative="Trần B")
    assert org.representative == "Trần B"
