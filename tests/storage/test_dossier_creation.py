"""Dossier codes come from an atomic per-agency, per-day sequence, and one submission creates
at most one dossier."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chalicelib.domain.dossier import Channel, Dossier, format_code
from chalicelib.platform.aws import client
from chalicelib.storage.dossiers import DossierConflict, Dossiers
from chalicelib.storage.table import TransactionCancelled, get_table
from tests.services.drafts import AGENCY, OWNER, THURSDAY_MORNING, VIETNAM, draft

DAY = date(2026, 11, 26)


@pytest.fixture
def dossiers(aws) -> Dossiers:
    return Dossiers(get_table())


def new_dossier(seq: int) -> Dossier:
    d = draft()
    return Dossier.open(
        code=format_code(AGENCY, DAY, seq),
        procedure_code=d.procedure_code,
        procedure_name=d.procedure_name,
        receiving_agency_code=AGENCY,
        applicant=d.applicant,
        channel=Channel.ONLINE,
        at=THURSDAY_MORNING,
        actor="citizen:online",
        time_limit_days=3,
        owner_zalo_user_id=OWNER,
    )


def test_the_sequence_counts_per_agency_and_per_day(dossiers):
    assert [dossiers.next_sequence(AGENCY, DAY) for _ in range(3)] == [1, 2, 3]
    assert dossiers.next_sequence("000.00.18.H12", DAY) == 1
    assert dossiers.next_sequence(AGENCY, date(2026, 11, 27)) == 1
    assert dossiers.next_sequence(AGENCY, DAY) == 4


def test_the_sequence_item_expires_a_week_after_its_day(dossiers):
    dossiers.next_sequence(AGENCY, DAY)
    item = get_table().get(f"DOSSIER_SEQ#{AGENCY}#2026-11-26", "DOSSIER_SEQ")
    assert item["ttl"] == datetime(2026, 12, 4, tzinfo=VIETNAM).timestamp()


def test_create_stores_the_dossier_with_its_owner_index_and_first_history_entry(dossiers):
    created = dossiers.create(new_dossier(1), "sub-1")
    assert created.new and created.code == format_code(AGENCY, DAY, 1)
    assert created.created_at == THURSDAY_MORNING
    stored, version = dossiers.get(created.code)
    assert version == 1
    assert [(int(c.status), c.actor) for c in stored.history] == [(1, "citizen:online")]
    assert [d.code for d in dossiers.of_owner(OWNER, limit=5)] == [created.code]


def test_the_same_submission_twice_gives_the_first_dossier_and_writes_nothing(dossiers):
    first = dossiers.create(new_dossier(1), "sub-1")
    again = dossiers.create(new_dossier(2), "sub-1")  # a retry that took a new number
    assert (again.code, again.created_at, again.new) == (first.code, first.created_at, False)
    assert dossiers.get(format_code(AGENCY, DAY, 2)) is None
    assert len(dossiers.of_owner(OWNER, limit=5)) == 1


def test_a_taken_code_is_a_conflict_not_a_duplicate(dossiers):
    dossiers.create(new_dossier(1), "sub-1")
    with pytest.raises(DossierConflict):
        dossiers.create(new_dossier(1), "sub-2")
    assert dossiers.submitted("sub-2") is None


def test_submission_ids_stay_out_of_the_keys(dossiers):
    dossiers.create(new_dossier(1), "zalo:2468000000000000001:msg-1")
    raw = client("dynamodb").scan(TableName=get_table().name)["Items"]  # a test may scan
    keys = [item["pk"]["S"] for item in raw]
    assert any(k.startswith("SUBMISSION#") for k in keys)
    assert not any("2468000000000000001" in k or "msg-1" in k for k in keys)
    assert dossiers.submitted("zalo:2468000000000000001:msg-1").code == format_code(AGENCY, DAY, 1)


class _ConflictingTable:
    """The real table, whose first ``conflicts`` transactions DynamoDB cancels because another
    transaction touched the same items (TransactionConflict)."""

    def __init__(self, table, conflicts: int) -> None:
        self._table = table
        self.conflicts = conflicts
        self.attempts = 0

    def __getattr__(self, name):
        return getattr(self._table, name)

    def transact(self, operations):
        self.attempts += 1
        if self.conflicts:
            self.conflicts -= 1
            raise TransactionCancelled(["None", "TransactionConflict"])
        return self._table.transact(operations)


def test_a_transaction_conflict_is_retried(aws):
    table = _ConflictingTable(get_table(), conflicts=2)
    created = Dossiers(table).create(new_dossier(1), "sub-1")
    assert created.new and table.attempts == 3


def test_a_persistent_transaction_conflict_is_raised_not_swallowed(aws):
    table = _ConflictingTable(get_table(), conflicts=3)
    with pytest.raises(TransactionCancelled):
        Dossiers(table).create(new_dossier(1), "sub-1")
    assert Dossiers(get_table()).submitted("sub-1") is None
