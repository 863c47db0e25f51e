"""GET /health: configuration and every resource, no secret, clear errors."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from app import app
from tests.conftest import ROOT, TEST_ENV


def _get_health():
    with Client(app, project_dir=str(ROOT), stage_name="dev") as client:
        response = client.http.get("/health")
    return response.status_code, json.loads(response.body)


def test_everything_reachable(aws):
    status, body = _get_health()
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["resources"]) == {"table", "documents_bucket", "inbound_queue", "postal_queue"}
    assert all(r["ok"] for r in body["resources"].values())


def test_health_reveals_no_secret(aws):
    _, body = _get_health()
    text = json.dumps(body)
    for name in ("ZALO_OA_SECRET_KEY", "ZALO_APP_SECRET", "OPERATOR_SECRET"):
        assert TEST_ENV[name] not in text


@pytest.mark.parametrize("setting", ["ZALO_APP_ID", "ZALO_OA_SECRET_KEY", "ZALO_APP_SECRET"])
def test_missing_required_setting_is_named_without_a_stack_trace(aws, monkeypatch, setting):
    monkeypatch.delenv(setting)
    status, body = _get_health()
    assert status == 503
    assert body["configuration"] == {"ok": False, "setting": setting, "problem": "missing"}
    assert "Traceback" not in json.dumps(body)


def test_unreachable_resource_is_named(aws):
    from chalicelib.platform.aws import client

    client("s3").delete_bucket(Bucket=TEST_ENV["DOCUMENTS_BUCKET"])
    status, body = _get_health()
    assert status == 503
    assert body["status"] == "degraded"
    assert body["resources"]["documents_bucket"]["ok"] is False
    assert body["resources"]["table"]["ok"] is True


def test_other_routes_answer_configuration_errors_as_json(aws, monkeypatch):
    monkeypatch.delenv("ZALO_APP_ID")
    with Client(app, project_dir=str(ROOT), stage_name="dev") as client:
        response = client.http.get("/public/dossiers/000.00.17.H12-261126-0007")
    assert response.status_code == 503
    assert json.loads(response.body)["error"] == {
        "code": "configuration_error",
        "message": "The service is misconfigured.",
        "setting": "ZALO_APP_ID",
    }


def test_domain_verifier_serves_only_the_configured_code(aws, monkeypatch):
    monkeypatch.setenv("ZALO_VERIFIER_CODE", "ABC123")
    monkeypatch.setenv("ZALO_VERIFIER_CONTENT", "zalo-verification ABC123")
    with Client(app, project_dir=str(ROOT), stage_name="dev") as client:
        ok = client.http.get("/zalo_verifierABC123.html")
        other = client.http.get("/zalo_verifierXYZ.html")
        unrelated = client.http.get("/robots.txt")
    assert ok.status_code == 200 and ok.body == b"zalo-verification ABC123"
    assert other.status_code == 404 and unrelated.status_code == 404
