"""Erasure that erases (issue 10): after "xóa dữ liệu" only the hashed tombstone and the
dossiers in progress remain, and the answer names the dossiers kept."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from chalicelib.domain.dossier import DossierStatus
from chalicelib.inbound import consumer as inbound
from tests.inbound.test_processor import NOW, USER, _event, _record, _text_event


def _say(text: str, n: int) -> None:
    ref = f"erase{n}"
    inbound.consume(_event(_record(_text_event(text, ref, NOW + n * 1000), message_id=ref)))


def _seed_everything(table, store) -> tuple[str, str, list[str]]:
    """A citizen with something in every store: consent, an in-progress and a closed linked
    dossier, a pending notice, notice records, a session, uploads (one with two versions)."""
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.notices import Notices
    from chalicelib.storage.users import Users
    from local.seed import sample_dossiers

    now = datetime.now(tz=UTC)
    in_progress, _, closed, _ = sample_dossiers(now)  # the first is linked to USER
    closed.transition(DossierStatus.RESULT_DELIVERED, now - timedelta(days=1), "officer")
    dossiers = Dossiers(table)
    dossiers.add(in_progress)
    dossiers.add(closed)
    assert dossiers.link_owner(closed.code, USER)

    _say("#consent:yes", 1)  # consent; its reply leaves notice records
    _say("tra cuu ho so", 2)  # a session waiting for a dossier code
    assert Notices(table).keep_pending(
        USER,
        [{"text": "Hồ sơ của Ông/Bà đã có kết quả."}],
        notice_id="n-pending",
        kind="status",
        at="2026-01-01T00:00:00.000Z",
        expires=int(now.timestamp()) + 86400,
    )
    uploads = []
    for body in (b"%PDF-1.4 first", b"%PDF-1.4 second"):
        stored = store.put_upload(
            body, content_type="application/pdf", detected_type="pdf", name="giay-to.pdf"
        )
        Users(table).note_upload(USER, stored.key, now)
        uploads.append(stored.key)
    # a second version of the first upload: the bucket is versioned
    store._s3.put_object(Bucket=store._bucket, Key=uploads[0], Body=b"%PDF-1.4 again")
    return in_progress.code, closed.code, uploads


def test_erasure_leaves_only_the_tombstone_and_the_dossiers_in_progress(zalo):
    from chalicelib.root import get_document_store
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table
    from chalicelib.storage.users import Users

    table, store = get_table(), get_document_store()
    kept, closed, uploads = _seed_everything(table, store)
    partition = table.query(f"USER#{USER}")[0]
    assert {item["sk"].split("#")[0] for item in partition} >= {
        "PROFILE",
        "SESSION",
        "NOTICE",
        "PENDING",
        "UPLOAD",
    }

    _say("#erase:yes", 3)

    # The user's partition holds nothing but the records of the two replies to the request,
    # written after it (no text; they expire).
    left = table.query(f"USER#{USER}")[0]
    assert [item["sk"].split("#")[0] for item in left] == ["NOTICE", "NOTICE"]
    assert all(item["ttl"] and "text" not in item and "parts" not in item for item in left)
    # The tombstone: a hash of the id and the time of the request, nothing else.
    digest = hashlib.sha256(USER.encode()).hexdigest()
    tombstone = table.get(f"ERASED#{digest}", "ERASED")
    assert set(tombstone) == {"pk", "sk", "requested_at"}
    assert Users(table).erased_at(USER) is not None
    assert Users(table).get(USER) is None
    # Dossiers: the one in progress stays linked (the law), the closed one is unlinked.
    assert [d.code for d in Dossiers(table).of_owner(USER, 5)] == [kept]
    assert Dossiers(table).get(closed) is not None  # archived, but no longer this user's
    # Uploads: every version is gone.
    for key in uploads:
        versions = store._s3.list_object_versions(Bucket=store._bucket, Prefix=key)
        assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    # The answer names the dossier kept, and only it.
    answer = zalo.texts_to(USER)[-1]
    assert kept in answer and closed not in answer


def test_finished_jobs_keep_no_reply_texts(zalo):
    from chalicelib.storage.table import get_table

    _say("xin chào", 1)
    jobs = [item for item in _all_jobs(get_table()) if item.get("status") == "done"]
    assert jobs and all("plan" not in job for job in jobs)


def _all_jobs(table) -> list[dict]:
    # Tests only: the job keys are hashes, so list them from the table client directly.
    client = table._client
    items = client.scan(TableName=table.name)["Items"]
    from boto3.dynamodb.types import TypeDeserializer

    d = TypeDeserializer()
    out = [{k: d.deserialize(v) for k, v in item.items()} for item in items]
    return [item for item in out if item["pk"].startswith("JOB#")]
