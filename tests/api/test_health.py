"""GET /health: public liveness, no AWS call and no names. GET /health/ready: the operators'
check of configuration and every resource, behind the operator secret, no secret, clear errors."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from app import app
from tests.conftest import ROOT, TEST_ENV

OPERATOR = {"X-Operator-Secret": TEST_ENV["OPERATOR_SECRET"]}


def _get(path: str, headers: dict[str, str] | None = None):
    with Client(app, project_dir=str(ROOT), stage_name="dev") as client:
        response = client.http.get(path, headers=headers or {})
    return response.status_code, json.loads(response.body)


def _get_ready():
    return _get("/health/ready", OPERATOR)


def _count_aws_calls(monkeypatch) -> list[str]:
    """Every AWS call made through the one boto3 factory, by operation name."""
    import botocore.client

    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation_name, api_params):
        calls.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    return calls


def test_public_health_is_liveness_with_no_aws_call_and_no_names(aws, monkeypatch):
    calls = _count_aws_calls(monkeypatch)
    status, body = _get("/health")
    assert status == 200
    assert body == {"status": "ok"}
    assert calls == []


def test_public_health_answers_even_when_resources_are_gone(aws):
    from chalicelib.platform.aws import client

    client("s3").delete_bucket(Bucket=TEST_ENV["DOCUMENTS_BUCKET"])
    assert _get("/health") == (200, {"status": "ok"})


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "forbidden"),
        ({"X-Operator-Secret": ""}, "forbidden"),
        ({"X-Operator-Secret": "not-the-secret"}, "forbidden"),
        ({"X-Operator-Secret": TEST_ENV["OPERATOR_SECRET"] + "x"}, "forbidden"),
    ],
)
def test_readiness_needs_the_operator_secret_and_makes_no_call_without_it(
    aws, monkeypatch, capsys, headers, code
):
    calls = _count_aws_calls(monkeypatch)
    status, body = _get("/health/ready", headers)
    assert status == 403
    assert body["error"]["code"] == code
    assert calls == []
    assert "camau-zalo" not in json.dumps(body)
    assert "operator_rejected" in capsys.readouterr().out


def test_readiness_is_off_while_the_operator_secret_is_empty(aws, monkeypatch):
    # Only outside the deployed stages: there an empty secret is a configuration error.
    monkeypatch.setattr("chalicelib.settings.STRICT_STAGES", frozenset())
    monkeypatch.setenv("OPERATOR_SECRET", "")
    status, body = _get("/health/ready", {"X-Operator-Secret": ""})
    assert status == 403
    assert body["error"]["code"] == "operator_disabled"


def test_readiness_header_name_in_any_case(aws):
    status, _ = _get("/health/ready", {"x-operator-secret": TEST_ENV["OPERATOR_SECRET"]})
    assert status == 200


def test_everything_reachable(aws, monkeypatch):
    calls = _count_aws_calls(monkeypatch)
    status, body = _get_ready()
    assert status == 200
    assert sorted(calls) == ["DescribeTable", "GetQueueUrl", "GetQueueUrl", "HeadBucket"]
    assert body["status"] == "ok"
    assert set(body["resources"]) == {"table", "documents_bucket", "inbound_queue", "postal_queue"}
    assert all(r["ok"] for r in body["resources"].values())


def test_readiness_reveals_no_secret(aws):
    _, body = _get_ready()
    text = json.dumps(body)
    for name in ("ZALO_OA_SECRET_KEY", "ZALO_APP_SECRET", "OPERATOR_SECRET"):
        assert TEST_ENV[name] not in text


@pytest.mark.parametrize("setting", ["ZALO_APP_ID", "ZALO_OA_SECRET_KEY", "ZALO_APP_SECRET"])
def test_missing_required_setting_is_named_without_a_stack_trace(aws, monkeypatch, setting):
    from chalicelib.api.health import report

    monkeypatch.delenv(setting)
    status, body = report()
    assert status == 503
    assert body["configuration"] == {"ok": False, "setting": setting, "problem": "missing"}
    assert "Traceback" not in json.dumps(body)
    # Over HTTP the operator secret cannot be checked without the settings: the same JSON error
    # as on every route, naming the setting and nothing else.
    status, body = _get_ready()
    assert status == 503
    assert body["error"]["code"] == "configuration_error"
    assert body["error"]["setting"] == setting


def test_unreachable_resource_is_named(aws):
    from chalicelib.platform.aws import client

    client("s3").delete_bucket(Bucket=TEST_ENV["DOCUMENTS_BUCKET"])
    status, body = _get_ready()
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
