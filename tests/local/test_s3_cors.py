"""The local moto server answers browsers as S3 does: the bucket's CORS rule decides (the web
form's presigned POST is a cross-origin "simple" request, read by the page only when the
response allows the page's origin)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import requests

from local.s3_cors import local_moto_server
from tests.local.test_e2e import free_ports

FORM = "http://127.0.0.1:8000"
BUCKET = "cors-bucket"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    (port,) = free_ports(1)
    server = local_moto_server("127.0.0.1", port, "123456789012")
    server.start()
    url = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=url, region_name="ap-southeast-1")
    s3.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
    )
    s3.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={
            "CORSRules": [
                {"AllowedMethods": ["POST"], "AllowedOrigins": [FORM], "AllowedHeaders": ["*"]}
            ]
        },
    )
    try:
        yield url
    finally:
        requests.post(f"{url}/moto-api/reset", timeout=10)  # moto's state is per process
        server.stop()


def presigned_post(url: str, origin: str) -> requests.Response:
    s3 = boto3.client("s3", endpoint_url=url, region_name="ap-southeast-1")
    post = s3.generate_presigned_post(Bucket=BUCKET, Key="uploads/a")
    return requests.post(
        post["url"],
        data=post["fields"],
        files={"file": ("a.pdf", b"%PDF-1.4", "application/pdf")},
        headers={"Origin": origin},
        timeout=10,
    )


def test_the_form_origin_may_read_its_post_answer(endpoint: str) -> None:
    response = presigned_post(endpoint, FORM)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == FORM
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_another_origin_gets_no_cors_header_so_its_browser_refuses(endpoint: str) -> None:
    response = presigned_post(endpoint, "http://evil.example")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_method_outside_the_rule_gets_no_cors_header(endpoint: str) -> None:
    response = requests.get(f"{endpoint}/{BUCKET}", headers={"Origin": FORM}, timeout=10)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_the_preflight_follows_the_bucket_rule(endpoint: str) -> None:
    allowed = requests.options(
        f"{endpoint}/{BUCKET}",
        headers={"Origin": FORM, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert allowed.headers.get("Access-Control-Allow-Origin") == FORM
    refused = requests.options(
        f"{endpoint}/{BUCKET}",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert refused.headers.get("Access-Control-Allow-Origin") != "*"
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_other_services_are_left_alone(endpoint: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="ap-southeast-1")
    assert sqs.create_queue(QueueName="q")["QueueUrl"].endswith("/q")
