"""Shared fixtures: a moto AWS built from infra/resources.json, settings for the fixtures.

The environment is set before anything creates a boto3 session; every test that touches AWS
gets fresh resources created from the same template that deploys them.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
FIXTURES = ROOT / "tests" / "fixtures" / "zalo"

# The integration API's test clients (tests/api/integration/signing.py signs as them).
INTEGRATION_SECRETS = {
    "back-office": "whsec_YmFjay1vZmZpY2UtdGVzdC1zZWNyZXQtMzItYnl0ZXM=",
    "back-office-old": "whsec_YmFjay1vZmZpY2Utb2xkLXNlY3JldC0zMi1ieXRlcyE=",
    "narrow": "whsec_bmFycm93LWFnZW5jeS10ZXN0LXNlY3JldC0zMmJ5dGU=",
    "postal": "whsec_cG9zdGFsLXByb3ZpZGVyLXRlc3Qtc2VjcmV0LTMyYnk=",
}
INTEGRATION_CLIENTS = {
    "back-office": {
        "secrets": [INTEGRATION_SECRETS["back-office"], INTEGRATION_SECRETS["back-office-old"]],
        "scopes": ["dossiers", "feedback", "ratings", "digest"],
    },
    "narrow": {"secrets": [INTEGRATION_SECRETS["narrow"]], "agencies": ["000.00.17.H12"]},
    "postal": {"secrets": [INTEGRATION_SECRETS["postal"]], "scopes": ["postal"]},
}

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": "ap-southeast-1",
    "AWS_DEFAULT_REGION": "ap-southeast-1",
    "ZALO_APP_ID": "1234567890123456789",
    "ZALO_OA_ID": "3880000000000000001",
    "ZALO_OA_SECRET_KEY": "oa-secret-for-tests",
    "ZALO_APP_SECRET": "app-secret-for-tests",
    "OPERATOR_SECRET": "operator-secret-for-tests-32-chars-long",  # dev/prod want >= 32
    "WEBFORM_SECRET": "webform-secret-for-tests",
    "ZALO_API_BASE": "https://openapi.zalo.test",
    "ZALO_OAUTH_BASE": "https://oauth.zalo.test",
    "ZALO_TEMPLATE_API_BASE": "https://business.zalo.test",
    "POSTAL_API_BASE": "https://postal.test",
    "DOCUMENTS_BUCKET": "camau-zalo-documents-dev",  # as the dev stage sets it
    "ZALO_OAUTH_REDIRECT_URI": "https://zalo.test/api/zalo/oauth/callback",
    "QUEUE_BATCH_FAILURES": "report",  # as the packaged template sets it (tests/platform: both)
    "INTEGRATION_CLIENTS": json.dumps(INTEGRATION_CLIENTS),
    "RESULT_LINK_SECRET": "result-link-secret-for-tests",
}

for _name in list(os.environ):
    if _name.startswith("AWS_ENDPOINT_URL") or _name in ("AWS_PROFILE", "SECRETS_SSM_PATH"):
        del os.environ[_name]
os.environ.update(TEST_ENV)


def _reset_caches() -> None:
    from chalicelib.platform.container import reset_all

    reset_all()


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch):
    """Each test starts from the test environment, with nothing cached."""
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    _reset_caches()
    yield
    _reset_caches()


@pytest.fixture
def aws():
    """moto's AWS holding the app's resources, created from infra/resources.json."""
    from moto import mock_aws

    from chalicelib.platform.aws import client
    from local.resources import create_all

    with mock_aws():
        _reset_caches()
        names = create_all(
            {name: client(name) for name in ("dynamodb", "s3", "sqs", "kms")},
            {"DocumentsBucketName": TEST_ENV["DOCUMENTS_BUCKET"]},
        )
        # chalice.test.Client runs the dev stage's environment (.chalice/config.json), whose
        # TOKEN_KMS_KEY names the dev stage's alias: the same key answers to both.
        kms = client("kms")
        key = kms.describe_key(KeyId=names["TokenKeyAlias"])["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/camau-zalo-dev-tokens", TargetKeyId=key)
        yield names
        _reset_caches()


def fixture_event(name: str) -> tuple[bytes, str]:
    """The exact bytes of a reference fixture and its recorded signature header."""
    raw = (FIXTURES / f"{name}.json").read_bytes()
    signatures = json.loads((FIXTURES / "signatures.json").read_text())
    return raw, signatures["signatures"][name]


@contextlib.contextmanager
def chalice_cli_lock():
    """Serialise Chalice CLI runs (package, deploy) across pytest-xdist workers: Chalice caches
    the dependency zip in .chalice/deployments/, and two runs writing it at once corrupt it."""
    import fcntl

    path = ROOT / ".chalice" / "deployments"
    path.mkdir(parents=True, exist_ok=True)
    with open(path / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
