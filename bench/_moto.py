"""Shared set-up of the in-process benches: environment, moto resources, sample catalogue."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_REGION": "ap-southeast-1",
    "ZALO_APP_ID": "1234567890123456789",
    "ZALO_OA_SECRET_KEY": "bench",
    "ZALO_APP_SECRET": "bench",
    "ZALO_API_BASE": "https://openapi.zalo.bench",
    "DOCUMENTS_BUCKET": "camau-zalo-documents-bench",
    "LOG_LEVEL": "ERROR",  # stdout carries the figures only
}


def prepare_environment() -> None:
    """The bench environment, with no endpoint override (moto is in-process)."""
    os.environ.update(ENV)
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[name]


def create_resources_and_catalogue() -> None:
    """Inside ``mock_aws``: the template's resources and the sample catalogue."""
    from chalicelib.platform.aws import client
    from local.resources import create_all
    from ops.import_catalogue import run

    create_all(
        {name: client(name) for name in ("dynamodb", "s3", "sqs", "kms")},
        {"DocumentsBucketName": os.environ["DOCUMENTS_BUCKET"]},
    )
    data = ROOT / "data" / "catalogue"
    run(
        [str(data / "tthc-sample.json"), str(data / "procedures-camau.json")],
        str(data / "province-overrides.json"),
        str(data / "agencies.json"),
    )
