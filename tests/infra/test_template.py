"""The infrastructure template and the packaged SAM template are what production runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.settings import Settings
from local.resources import load_template, resources_of
from ops.template import merge_template
from tests.conftest import ROOT, chalice_cli_lock

CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
TEMPLATE = load_template()
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module", params=["dev", "prod"])
def packaged(request, tmp_path_factory):
    """`make package`'s output for each stage: the real CLI with the merge template (under
    `make deploy-check`, ``DEPLOY_CHECK_DIR``: the very files `make package` built)."""
    built = os.environ.get("DEPLOY_CHECK_DIR")
    if built:
        path = ROOT / built / request.param / "sam.json"
        return request.param, path, json.loads(path.read_text())
    out = tmp_path_factory.mktemp(f"package-{request.param}")
    merge = out.parent / f"merge-{request.param}.json"
    merge.write_text(json.dumps(merge_template()))
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-1"}
    with chalice_cli_lock():
        _package(request.param, merge, out, env)
    return request.param, out / "sam.json", json.loads((out / "sam.json").read_text())


def _package(stage: str, merge: Path, out: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [
            str(BIN / "chalice"),
            "package",
            "--stage",
            stage,
            "--merge-template",
            str(merge),
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )


def _functions(sam: dict) -> dict[str, dict]:
    return {
        name: res["Properties"]
        for name, res in sam["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
    }


def _sqs_sources(sam: dict):
    for fname, props in _functions(sam).items():
        for ename, event in props.get("Events", {}).items():
            if event["Type"] == "SQS":
                yield fname, ename, props, event["Properties"]


def test_every_sqs_event_source_reports_batch_item_failures(packaged):
    _, _, sam = packaged
    sources = list(_sqs_sources(sam))
    assert sources, "the app has queue consumers"
    for fname, ename, function, props in sources:
        assert props.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], (fname, ename)
        # ... and the consumer is told so: it returns failures instead of deleting and raising.
        assert function["Environment"]["Variables"]["QUEUE_BATCH_FAILURES"] == "report", fname


def test_web_acl_is_associated_with_the_packaged_api_stage(packaged):
    _, _, sam = packaged
    assert sam["Resources"]["RestAPI"]["Properties"]["StageName"] == "api"
    association = sam["Resources"]["PublicWebAclAssociation"]
    assert association["DependsOn"] == "RestAPIapiStage"
    assert sam["Resources"]["PublicWebAcl"]["Type"] == "AWS::WAFv2::WebACL"


def test_packaged_template_passes_cfn_lint(packaged):
    _, path, _ = packaged
    result = subprocess.run(
        [str(BIN / "cfn-lint"), str(path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_queue_visibility_is_at_least_six_times_its_consumer_timeout(packaged):
    _, _, sam = packaged
    queues = {p["QueueName"]: p for p in resources_of(TEMPLATE, "AWS::SQS::Queue").values()}
    for _, _, function, source in _sqs_sources(sam):
        queue_name = source["Queue"]["Fn::Sub"].rsplit(":", 1)[-1]
        assert queue_name in queues, f"consumer of an undeclared queue {queue_name}"
        assert queues[queue_name]["VisibilityTimeout"] >= 6 * function["Timeout"]


def test_api_handler_times_out_before_api_gateway(packaged):
    _, _, sam = packaged
    assert _functions(sam)["APIHandler"]["Timeout"] < 29


def test_public_lookup_route_is_throttled_in_the_api_stage(packaged):
    _, _, sam = packaged
    settings = sam["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    public = [s for s in settings if s["ResourcePath"] == "/~1public~1dossiers~1{code}"]
    everything = [s for s in settings if s["ResourcePath"] == "/*"]
    # Below the whole API's rate, so a sweep of codes cannot starve the webhook; high enough for
    # every citizen at once, since one client is held back by the web ACL's per-IP rule.
    assert public and 10 <= public[0]["ThrottlingRateLimit"] < everything[0]["ThrottlingRateLimit"]
    assert public[0]["ThrottlingBurstLimit"] < everything[0]["ThrottlingBurstLimit"]


# The functions' roles and policies: tests/infra/test_iam_policies.py.


def test_settings_defaults_name_the_resources_the_template_declares():
    fields = Settings.model_fields
    tables = [p["TableName"] for p in resources_of(TEMPLATE, "AWS::DynamoDB::Table").values()]
    queues = {p["QueueName"]: p for p in resources_of(TEMPLATE, "AWS::SQS::Queue").values()}
    assert fields["TABLE_NAME"].default in tables
    assert fields["INBOUND_QUEUE"].default in queues
    assert fields["POSTAL_QUEUE"].default in queues
    inbound = queues[fields["INBOUND_QUEUE"].default]
    assert inbound["RedrivePolicy"]["maxReceiveCount"] == fields["INBOUND_MAX_RECEIVES"].default
    assert CONFIG["environment_variables"]["INBOUND_MAX_RECEIVES"] == str(
        inbound["RedrivePolicy"]["maxReceiveCount"]
    )


def test_queues_have_dead_letter_queues_after_at_least_five_receives():
    queues = resources_of(TEMPLATE, "AWS::SQS::Queue")
    working = {n: p for n, p in queues.items() if "dead" not in n.lower()}
    assert {"InboundQueue", "PostalQueue"} <= set(working)
    for name, props in working.items():
        redrive = props["RedrivePolicy"]
        assert redrive["maxReceiveCount"] >= 5, name
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in queues
    assert queues["InboundQueue"]["FifoQueue"] is True
    assert queues["InboundDeadLetterQueue"]["FifoQueue"] is True


def test_table_is_on_demand_recoverable_encrypted_with_ttl_and_gsi():
    (table,) = resources_of(TEMPLATE, "AWS::DynamoDB::Table").values()
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1", "gsi2", "gsi3"]


def test_documents_bucket_is_private_encrypted_versioned_and_cleans_abandoned_uploads():
    (bucket,) = resources_of(TEMPLATE, "AWS::S3::Bucket").values()
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["abandoned-uploads"]["Prefix"] == "uploads/"
    assert rules["abandoned-uploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] >= 1
    # Erasure (issue 10): hidden versions of abandoned uploads are gone within a day.
    assert rules["abandoned-uploads"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1


def test_resources_created_for_tests_come_from_the_template(aws):
    from chalicelib.platform.aws import client

    described = client("dynamodb").describe_table(TableName="camau-zalo-main")["Table"]
    assert {a["AttributeName"] for a in described["AttributeDefinitions"]} == {
        "pk",
        "sk",
        "gsi1pk",
        "gsi1sk",
        "gsi2pk",
        "gsi2sk",
        "gsi3pk",
        "gsi3sk",
    }
    url = client("sqs").get_queue_url(QueueName="camau-zalo-inbound.fifo")["QueueUrl"]
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert json.loads(attributes["Attributes"]["RedrivePolicy"])["maxReceiveCount"] == 9


def test_lambda_package_holds_the_code_and_the_data_it_reads(packaged):
    import zipfile

    _, path, _ = packaged
    names = set(zipfile.ZipFile(path.parent / "deployment.zip").namelist())
    assert "app.py" in names
    assert "chalicelib/domain/calendar-decisions.json" in names
    assert not any(n.startswith(("tests/", "local/", "bench/", "boto3/", "moto/")) for n in names)
