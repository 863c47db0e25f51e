"""Catalogue import into storage, and the cost of every lookup (no Scan, fixed call counts)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from ops import import_catalogue
from tests.conftest import ROOT

DATA = ROOT / "data" / "catalogue"


class AwsCalls:
    """Counts AWS API calls through botocore's event hooks."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, event_name: str, **kwargs) -> None:
        # event_name looks like "before-call.dynamodb.GetItem"
        _, service, operation = event_name.split(".", 2)
        self.calls[f"{service}.{operation}"] += 1

    def total(self) -> int:
        return sum(self.calls.values())


@pytest.fixture
def aws_calls(aws):
    from chalicelib.platform.aws import client

    counter = AwsCalls()
    for service in ("dynamodb", "s3"):
        client(service).meta.events.register("before-call.*.*", counter)
    return counter


@pytest.fixture
def catalogue(aws):
    counts = import_catalogue.run(
        [str(DATA / "tthc-sample.json"), str(DATA / "procedures-camau.json")],
        str(DATA / "province-overrides.json"),
        str(DATA / "agencies.json"),
    )
    assert counts.errors == []
    return counts


def test_import_loads_the_national_sample_as_it_is_and_twice_changes_nothing(catalogue):
    assert catalogue.written >= 40 + 64  # procedures and agencies
    again = import_catalogue.run(
        [str(DATA / "tthc-sample.json"), str(DATA / "procedures-camau.json")],
        str(DATA / "province-overrides.json"),
        str(DATA / "agencies.json"),
    )
    assert again.written == 0
    assert again.unchanged == catalogue.written
    assert again.index_version == catalogue.index_version


def test_a_broken_record_is_reported_by_code_and_the_rest_load(aws, tmp_path, capsys):
    records = json.loads((DATA / "tthc-sample.json").read_text())["procedures"][:3]
    broken = dict(records[1])
    broken["CACHTHUCTHUCHIEN"] = "not a list"
    path = tmp_path / "procedures.json"
    path.write_text(json.dumps({"procedures": [records[0], broken, records[2]]}))
    status = import_catalogue.main(["--procedures", str(path)])
    out = capsys.readouterr()
    assert status == 1
    assert f"skipped {broken['MATTHC']}" in out.err
    assert "written 2" in out.out
    from chalicelib.catalogue.store import get_store

    assert get_store().procedure(records[0]["MATTHC"]) is not None
    assert get_store().procedure(broken["MATTHC"]) is None


def test_procedure_search_costs_no_aws_call_once_the_index_is_loaded(catalogue, aws_calls):
    from chalicelib.services.lookups import get_lookups

    lookups = get_lookups()
    lookups.search_procedures("khai sinh", 0, 5)  # loads the index: META + one S3 object
    assert aws_calls.calls == Counter({"dynamodb.GetItem": 1, "s3.GetObject": 1})
    aws_calls.calls.clear()
    for query in ("giay phep xay dung", "cap lai can cuoc", "dang ky ket hon"):
        assert lookups.search_procedures(query, 0, 5).hits
    assert aws_calls.total() == 0


def test_index_refresh_check_is_one_getitem_and_reloads_only_after_a_change(catalogue, aws_calls):
    from chalicelib.catalogue.store import get_store

    store = get_store()
    store.search_index()
    store._checked_at = float("-inf")  # the refresh period has passed
    aws_calls.calls.clear()
    store.search_index()
    assert aws_calls.calls == Counter({"dynamodb.GetItem": 1})


def test_procedure_card_costs_one_getitem_plus_one_per_named_agency(catalogue, aws_calls):
    from chalicelib.catalogue.store import get_store
    from chalicelib.services.lookups import get_lookups

    code = "1.001193"
    named = len(get_store().procedure(code).agency_codes[:2])
    aws_calls.calls.clear()
    card = get_lookups().procedure_card(code)
    assert card is not None and card.name == "Thủ tục đăng ký khai sinh"
    assert aws_calls.calls == Counter({"dynamodb.GetItem": 1 + named})
    assert "Scan" not in " ".join(aws_calls.calls)


def _seed_dossiers():
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import sample_dossiers

    dossiers = sample_dossiers(datetime.now(tz=UTC))
    for dossier in dossiers:
        Dossiers(get_table()).add(dossier)
    return dossiers


def test_dossier_lookup_is_one_call_and_my_dossiers_one_query(aws, aws_calls):
    from chalicelib.services.lookups import get_lookups
    from local.seed import CHAT_USER_ID

    dossiers = _seed_dossiers()
    aws_calls.calls.clear()
    view = get_lookups().dossier_by_code(dossiers[0].code, CHAT_USER_ID)
    assert view.is_owner
    # One Query on the dossier's partition: the dossier and its postal orders (issue 13).
    assert aws_calls.calls == Counter({"dynamodb.Query": 1})
    aws_calls.calls.clear()
    mine = get_lookups().dossiers_of(CHAT_USER_ID, 5)
    assert [v.code for v in mine] == [dossiers[0].code]
    assert aws_calls.calls == Counter({"dynamodb.Query": 1})


def test_another_users_lookup_never_shows_more_than_the_anonymous_view(aws):
    from chalicelib.services.lookups import get_lookups

    dossier = _seed_dossiers()[0]
    view = get_lookups().dossier_by_code(dossier.code, "someone-else")
    assert not view.is_owner
    assert view.history == [] and view.received_at is None and view.due_date is None
    assert view.next_step is None and view.overdue is False
    dumped = view.model_dump_json()
    assert dossier.applicant.name not in dumped and dossier.applicant.phone not in dumped


def test_confirming_the_applicant_needs_both_phone_and_id_number_as_filed(aws):
    from chalicelib.services.lookups import get_lookups

    dossier = _seed_dossiers()[1]
    lookups = get_lookups()
    phone, id_number = dossier.applicant.phone, dossier.applicant.id_number
    only_phone = lookups.confirm_applicant(dossier.code, "u", phone=phone, id_number=None)
    only_id = lookups.confirm_applicant(dossier.code, "u", phone=None, id_number=id_number)
    wrong_id = lookups.confirm_applicant(dossier.code, "u", phone=phone, id_number="096000000000")
    wrong_phone = lookups.confirm_applicant(
        dossier.code, "u", phone="+84900000000", id_number=id_number
    )
    assert only_phone is None and only_id is None and wrong_id is None and wrong_phone is None
    both = lookups.confirm_applicant(dossier.code, "u", phone=phone, id_number=id_number)
    assert both.is_owner and not both.linked_elsewhere
    assert both.next_step and "Bản vẽ" in both.next_step


def test_a_right_proof_for_a_dossier_linked_elsewhere_shows_nothing_more(aws):
    from chalicelib.services.lookups import get_lookups

    owned = _seed_dossiers()[0]  # linked to the seed's chat user
    applicant = owned.applicant
    view = get_lookups().confirm_applicant(
        owned.code, "claimant", phone=applicant.phone, id_number=applicant.id_number
    )
    assert view.linked_elsewhere and not view.is_owner
    assert view.history == [] and view.next_step is None


def test_the_owner_view_keeps_the_back_offices_due_date_apart_from_the_estimate(aws):
    from chalicelib.services.lookups import get_lookups
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import CHAT_USER_ID

    dossier = _seed_dossiers()[0]
    assert get_lookups().dossier_by_code(dossier.code, CHAT_USER_ID).due_date_is_estimate
    stored, version = Dossiers(get_table()).get(dossier.code)
    official = stored.due_date + timedelta(days=7)
    stored.set_official_due_date(official)
    Dossiers(get_table()).save(stored, read_version=version)
    view = get_lookups().dossier_by_code(dossier.code, CHAT_USER_ID)
    assert view.due_date == official and not view.due_date_is_estimate


def test_public_route_gives_only_the_anonymous_view(aws):
    from chalice.test import Client

    from app import app

    dossier = _seed_dossiers()[0]
    with Client(app, project_dir=str(ROOT), stage_name="dev") as client:
        messy = "  " + dossier.code.lower().replace("-", " - ") + " "
        ok = client.http.get("/public/dossiers/" + messy.replace(" ", "%20"))
        unknown = client.http.get("/public/dossiers/000.00.17.H12-200101-0001")
        invalid = client.http.get("/public/dossiers/hello")
    assert ok.status_code == 200
    assert json.loads(ok.body) == {
        "code": dossier.code,
        "procedure_name": dossier.procedure_name,
        "status": int(dossier.status),
        "status_name": dossier.status.official_name,
    }
    assert unknown.status_code == 404
    assert json.loads(unknown.body)["error"]["code"] == "dossier_not_found"
    assert invalid.status_code == 400
    assert json.loads(invalid.body)["error"]["code"] == "invalid_dossier_code"


def test_guessing_the_applicant_is_limited_per_user_and_per_dossier(aws):
    from chalicelib.services.lookups import get_lookups
    from chalicelib.storage.dossiers import PROOF_ATTEMPTS_PER_DOSSIER, PROOF_ATTEMPTS_PER_USER

    dossier = _seed_dossiers()[1]
    lookups = get_lookups()
    for _ in range(PROOF_ATTEMPTS_PER_USER):
        assert (
            lookups.confirm_applicant(dossier.code, "guesser", phone="+84900000000", id_number=None)
            is None
        )
    # The right answer no longer helps this user today...
    right = {"phone": dossier.applicant.phone, "id_number": dossier.applicant.id_number}
    assert lookups.confirm_applicant(dossier.code, "guesser", **right) is None
    # ...while the applicant, from another Zalo account, still can.
    assert lookups.confirm_applicant(dossier.code, "applicant", **right).is_owner
    # Many users together cannot go beyond the dossier's own daily allowance.
    for n in range(PROOF_ATTEMPTS_PER_DOSSIER):
        lookups.confirm_applicant(dossier.code, f"user-{n}", phone="+84900000001", id_number=None)
    assert lookups.confirm_applicant(dossier.code, "late", **right) is None


def test_a_dossier_linked_to_one_user_is_never_moved_to_another_by_a_proof(aws):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import CHAT_USER_ID

    dossiers = Dossiers(get_table())
    owned, unowned = _seed_dossiers()[:2]
    assert dossiers.link_owner(owned.code, "someone-else") is False
    assert dossiers.get(owned.code)[0].owner_zalo_user_id == CHAT_USER_ID
    assert dossiers.link_owner(unowned.code, "applicant") is True
    assert dossiers.link_owner(unowned.code, "applicant") is True  # idempotent
    assert [d.code for d in dossiers.of_owner("applicant", 5)] == [unowned.code]
    assert dossiers.owner_of(owned.code) == CHAT_USER_ID
    assert dossiers.owner_of("000.00.00.H12-000000-0000") is None


def test_an_ownership_review_request_is_one_item_per_claimant_and_dossier(aws):
    from datetime import UTC, datetime

    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    table = get_table()
    owned = _seed_dossiers()[0]
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    dossiers = Dossiers(table)
    assert dossiers.request_review(owned.code, "claimant", at) is True
    assert dossiers.request_review(owned.code, "claimant", at) is True
    dossiers.request_review(owned.code, "another", at)
    items, _ = table.query(f"DOSSIER#{owned.code}", sk_prefix="REVIEW#")
    assert sorted(item["claimant"] for item in items) == ["another", "claimant"]
    assert {item["state"] for item in items} == {"open"}
    assert "claimant" not in "".join(item["sk"] for item in items)  # the key hides the Zalo id


def test_unlinking_a_user_removes_every_owner_link_but_keeps_the_dossiers(aws):
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from local.seed import CHAT_USER_ID

    dossiers = Dossiers(get_table())
    owned = _seed_dossiers()[0]
    assert dossiers.unlink_owner(CHAT_USER_ID) == 1
    assert dossiers.of_owner(CHAT_USER_ID, 5) == []
    kept, _ = dossiers.get(owned.code)
    assert kept.owner_zalo_user_id is None and kept.applicant == owned.applicant


def test_card_names_the_police_as_implementing_agency_and_files_elsewhere(aws):
    from chalicelib.catalogue.sample import load_catalogue
    from chalicelib.catalogue.store import get_store
    from chalicelib.conversation import texts
    from chalicelib.services.lookups import get_lookups

    agencies, report = load_catalogue(DATA)
    keep = {"1.004194", "1.001193", "1.010028", "1.000894"}
    get_store().import_catalogue(agencies, [p for p in report.procedures if p.code in keep])
    lookups = get_lookups()

    residence = lookups.procedure_card("1.004194")
    assert residence.agency == "Công an xã, phường"
    assert "Ủy ban" not in (residence.agency or "")
    assert residence.national_system == "police" and not residence.submit_in_zalo
    text = texts.procedure_card(residence, "https://dichvucong.gov.vn")
    assert "Cơ quan thực hiện: Công an xã, phường" in text
    assert "VNeID" in text and "https://vneid.gov.vn" in text

    birth = lookups.procedure_card("1.001193")
    assert birth.agency == "Ủy ban nhân dân xã, phường"
    assert birth.receiving_unit.startswith("Trung tâm Phục vụ hành chính công xã, phường")
    assert birth.national_system is None

    marriage = texts.procedure_card(lookups.procedure_card("1.000894"), "https://x.gov.vn")
    assert "thị trấn" not in marriage and "bưu điện" in marriage

    bare = lookups.procedure_card("1.010028")
    assert bare.details_on_portal and "1.010028" in bare.portal_url
    text = texts.procedure_card(bare, "https://dichvucong.gov.vn")
    assert "Mã thủ tục: 1.010028" in text and "công bố trên Cổng Dịch vụ công quốc gia" in text
    assert "Chưa cung cấp trực tuyến" not in text


def test_import_reads_the_national_list_merges_applies_the_rules_and_is_idempotent(
    aws, tmp_path, capsys
):
    from chalicelib.catalogue.store import get_store

    # The national list's first 300 services (by usage) and two known ones keep the test quick;
    # tests/catalogue/test_catalogue_rules.py covers the whole list.
    national = json.loads((DATA / "national-online-services.json").read_text(encoding="utf-8"))
    kept = national["procedures"][:300] + [
        p for p in national["procedures"][300:] if p["code"] in {"1.010028", "1.001193"}
    ]
    (tmp_path / "national.json").write_text(
        json.dumps({"procedures": kept}, ensure_ascii=False), encoding="utf-8"
    )
    detailed_only = 15  # detailed records whose code is not on the national list
    argv = [
        "--procedures",
        str(tmp_path / "national.json"),
        "--procedures",
        str(DATA / "tthc-sample.json"),
        "--procedures",
        str(DATA / "procedures-camau.json"),
        "--overrides",
        str(DATA / "province-overrides.json"),
        "--rules",
        str(DATA / "channel-rules.json"),
    ]
    codes = {p["code"] for p in kept}
    detailed = {
        r["MATTHC"]
        for name in ("tthc-sample.json", "procedures-camau.json")
        for r in json.loads((DATA / name).read_text(encoding="utf-8"))["procedures"]
    }
    total = len(codes | detailed)
    assert len(detailed - {p["code"] for p in national["procedures"]}) == detailed_only
    assert import_catalogue.main(argv) == 0
    assert f"written {total}," in capsys.readouterr().out
    store = get_store()
    residence = store.procedure("1.004194")
    assert residence.components and residence.popularity > 0  # details kept, weight added
    assert residence.national_system == "police" and not residence.submit_via_zalo
    assert store.procedure("1.010028").catalog_only  # national list only
    assert import_catalogue.main(argv) == 0
    assert f"written 0, unchanged {total}" in capsys.readouterr().out


def test_a_rule_contradicted_by_an_override_is_reported_and_the_rule_wins(aws, tmp_path, capsys):
    from chalicelib.catalogue.store import get_store

    overrides = json.loads((DATA / "province-overrides.json").read_text(encoding="utf-8"))
    overrides["procedures"]["1.004194"]["submit_via_zalo"] = True
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps(overrides), encoding="utf-8")
    status = import_catalogue.main(
        [
            "--procedures",
            str(DATA / "tthc-sample.json"),
            "--procedures",
            str(DATA / "procedures-camau.json"),
            "--overrides",
            str(path),
            "--rules",
            str(DATA / "channel-rules.json"),
        ]
    )
    assert status == 1
    assert (
        "corrected 1.004194: submit_via_zalo is true but rule 'police'" in capsys.readouterr().err
    )
    assert get_store().procedure("1.004194").submit_via_zalo is False


class _ThrottlingTable:
    """The real table, except that the first batch write leaves its last item unprocessed."""

    def __init__(self, table) -> None:
        self._table = table
        self.batches: list[int] = []

    def __getattr__(self, name):
        return getattr(self._table, name)

    def batch_put(self, items):
        self.batches.append(len(items))
        left = self._table.batch_put(items[:-1] if len(self.batches) == 1 else items)
        return left + ([items[-1]] if len(self.batches) == 1 else [])


def test_records_left_unprocessed_by_a_batch_write_are_retried(aws):
    from chalicelib.catalogue.sample import load_sample_catalogue
    from chalicelib.catalogue.store import CatalogueStore
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings
    from chalicelib.storage.table import get_table

    table = _ThrottlingTable(get_table())
    pauses: list[float] = []
    store = CatalogueStore(
        table, client("s3"), get_settings().DOCUMENTS_BUCKET, sleep=pauses.append
    )
    agencies, report = load_sample_catalogue(DATA)
    counts = store.import_catalogue(agencies, report.procedures)
    assert counts.written == len(agencies) + len(report.procedures)
    assert table.batches[:2] == [25, 1]  # the unprocessed item went again, alone
    assert all(size <= 25 for size in table.batches) and pauses
    assert all(store.agency(a.code) == a for a in agencies)
    assert all(store.procedure(p.code) == p for p in report.procedures)
