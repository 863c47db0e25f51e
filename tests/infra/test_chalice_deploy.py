"""The real `chalice deploy` against moto, after the resources stack, then `ops.after_deploy`.

The resources of infra/resources.json are created first (as `make infra` does), then Chalice's
own deployer runs in process on a copy of the project (it writes `.chalice/deployed/dev.json`
there, never in the repository). moto's gaps are worked around here, never in the product:
its API Gateway import accepts only OpenAPI 3 with an `info.description`, while Chalice sends
Swagger 2.0, so the document is relabelled on moto's side before moto reads it.
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from local.resources import create_all, load_template, resources_of
from ops import after_deploy
from tests.conftest import ROOT, TEST_ENV

STAGE = "dev"
REGION = TEST_ENV["AWS_DEFAULT_REGION"]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())


def _openapi3(document):
    """What moto accepts: the same paths, labelled OpenAPI 3, with a description."""
    relabelled = {k: v for k, v in document.items() if k != "swagger"}
    relabelled["openapi"] = "3.0.1"
    relabelled["info"] = {"description": "", **document.get("info", {})}
    return relabelled


def _patch_moto_apigateway(patch):
    from moto.apigateway.models import APIGatewayBackend

    original_import = APIGatewayBackend.import_rest_api
    original_put = APIGatewayBackend.put_rest_api

    def import_rest_api(self, api_doc, fail_on_warnings):
        return original_import(self, _openapi3(api_doc), False)

    def put_rest_api(self, function_id, api_doc, fail_on_warnings=False, mode="merge"):
        return original_put(self, function_id, _openapi3(api_doc), False, mode)

    patch.setattr(APIGatewayBackend, "import_rest_api", import_rest_api)
    patch.setattr(APIGatewayBackend, "put_rest_api", put_rest_api)


MOTO_ACCOUNT = "123456789012"  # moto's default account


def _copy_project(target):
    shutil.copy(ROOT / "app.py", target)
    shutil.copy(ROOT / "requirements.txt", target)
    shutil.copytree(
        ROOT / "chalicelib", target / "chalicelib", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(
        ROOT / ".chalice",
        target / ".chalice",
        ignore=shutil.ignore_patterns("deployed", "deployments"),
    )
    # What docs/deployment.md tells the operator to do before `chalice deploy`: policies with
    # concrete ARNs (the committed files hold CloudFormation placeholders for the packaged path).
    from ops.iam_policies import FUNCTIONS, policy_file, render

    for function in FUNCTIONS:
        document = render(STAGE, function, MOTO_ACCOUNT, REGION)
        (target / ".chalice" / policy_file(STAGE, function)).write_text(json.dumps(document))


def _web_acl(wafv2):
    """The template's web ACL, created in moto (as the resources stack would)."""
    (props,) = resources_of(load_template(), "AWS::WAFv2::WebACL").values()
    rule = props["Rules"][0]
    created = wafv2.create_web_acl(
        Name=f"camau-zalo-{STAGE}-public",
        Scope=props["Scope"],
        DefaultAction=props["DefaultAction"],
        Rules=[rule],
        VisibilityConfig=props["VisibilityConfig"],
    )
    return created["Summary"]["ARN"]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """moto's AWS after `make infra`, `chalice deploy --stage dev` and `ops.after_deploy`."""
    import boto3
    from chalice.cli.factory import CLIFactory
    from chalice.utils import UI
    from moto import mock_aws

    project = tmp_path_factory.mktemp("chalice-deploy")
    _copy_project(project)
    saved_path = list(sys.path)
    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        for name, value in TEST_ENV.items():
            patch.setenv(name, value)
        _patch_moto_apigateway(patch)
        clients = {
            name: boto3.client(name, region_name=REGION)
            for name in (
                "dynamodb", "s3", "sqs", "lambda", "apigateway", "events", "wafv2",
                "cloudformation",
            )
        }  # fmt: skip
        create_all(
            clients,
            {
                "DocumentsBucketName": CONFIG["stages"][STAGE]["environment_variables"][
                    "DOCUMENTS_BUCKET"
                ]
            },
        )
        acl_arn = _web_acl(clients["wafv2"])

        factory = CLIFactory(project_dir=str(project))
        config = factory.create_config_obj(chalice_stage_name=STAGE)
        deployer = factory.create_default_deployer(
            session=factory.create_botocore_session(), config=config, ui=UI()
        )
        try:
            deployer.deploy(config, chalice_stage_name=STAGE)
        finally:
            sys.path[:] = saved_path  # Chalice put the copy first on the import path
        recorded = after_deploy.deployed_resources(project, STAGE)
        applied = after_deploy.run(STAGE, project, clients, REGION, acl_arn)
        yield {"clients": clients, "recorded": recorded, "applied": applied, "acl": acl_arn}


def _function(deployed, name):
    return deployed["clients"]["lambda"].get_function_configuration(FunctionName=name)


def test_deploy_records_its_ids_in_the_project_not_in_the_repository(deployed):
    recorded = deployed["recorded"]
    assert {"api_handler", "consume_inbound", "refresh_zalo_token", "rest_api"} <= set(recorded)
    assert not (ROOT / ".chalice" / "deployed" / f"{STAGE}.json").exists()


def test_functions_carry_the_stage_configuration(deployed):
    stage = CONFIG["stages"][STAGE]
    api = _function(deployed, "camau-zalo-dev")
    consumer = _function(deployed, "camau-zalo-dev-consume_inbound")
    refresh = _function(deployed, "camau-zalo-dev-refresh_zalo_token")
    for function in (api, consumer, refresh):
        variables = function["Environment"]["Variables"]
        assert variables["TABLE_NAME"] == CONFIG["environment_variables"]["TABLE_NAME"]
        assert variables["DOCUMENTS_BUCKET"] == stage["environment_variables"]["DOCUMENTS_BUCKET"]
        assert "QUEUE_BATCH_FAILURES" not in variables  # the safe default on this path
        assert function["MemorySize"] == CONFIG["lambda_memory_size"]
    assert api["Timeout"] == CONFIG["lambda_timeout"] < 29
    assert consumer["Timeout"] == stage["lambda_functions"]["consume_inbound"]["lambda_timeout"]
    assert refresh["Timeout"] == stage["lambda_functions"]["refresh_zalo_token"]["lambda_timeout"]


def test_inbound_queue_mapping_exists_and_reports_batch_item_failures_after_the_step(deployed):
    lambda_client = deployed["clients"]["lambda"]
    mappings = lambda_client.list_event_source_mappings()["EventSourceMappings"]
    by_queue = {m["EventSourceArn"].rsplit(":", 1)[-1]: m for m in mappings}
    assert set(by_queue) == {"camau-zalo-inbound.fifo", "camau-zalo-postal"}
    mapping = by_queue["camau-zalo-inbound.fifo"]
    assert mapping["FunctionArn"].endswith(":function:camau-zalo-dev-consume_inbound")
    assert mapping["BatchSize"] == 10
    postal = by_queue["camau-zalo-postal"]  # issue 13
    assert postal["FunctionArn"].endswith(":function:camau-zalo-dev-consume_postal")
    assert postal["BatchSize"] == 5
    for found in mappings:
        assert found["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert sorted(deployed["applied"]["mappings"]) == sorted(m["UUID"] for m in mappings)


def test_token_refresh_runs_every_30_minutes(deployed):
    events = deployed["clients"]["events"]
    rule = events.describe_rule(Name=deployed["recorded"]["refresh_zalo_token-event"]["rule_name"])
    assert rule["ScheduleExpression"] == "rate(30 minutes)"
    (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert target["Arn"].endswith(":function:camau-zalo-dev-refresh_zalo_token")


def test_api_serves_the_routes_of_app_py(deployed):
    apigateway = deployed["clients"]["apigateway"]
    rest_api_id = deployed["recorded"]["rest_api"]["rest_api_id"]
    routes = {
        (r["path"], method)
        for r in apigateway.get_resources(restApiId=rest_api_id, limit=500)["items"]
        for method in r.get("resourceMethods", {})
    }
    assert {
        ("/zalo/webhook", "POST"),
        ("/public/dossiers/{code}", "GET"),
        ("/health", "GET"),
        ("/zalo/oauth/callback", "GET"),
    } <= routes


def test_stage_throttling_is_applied_from_the_merge_template(deployed):
    apigateway = deployed["clients"]["apigateway"]
    rest_api_id = deployed["recorded"]["rest_api"]["rest_api_id"]
    stage = apigateway.get_stage(restApiId=rest_api_id, stageName="api")
    settings = stage["methodSettings"]
    merge = json.loads((ROOT / "infra" / "chalice-merge.json").read_text())
    for wanted in merge["Resources"]["RestAPI"]["Properties"]["MethodSettings"]:
        key = f"{wanted['ResourcePath']}/{wanted['HttpMethod']}".lstrip("/")
        assert settings[key]["throttlingRateLimit"] == wanted["ThrottlingRateLimit"]
        assert settings[key]["throttlingBurstLimit"] == wanted["ThrottlingBurstLimit"]


def test_web_acl_is_associated_with_the_api_stage(deployed):
    rest_api_id = deployed["recorded"]["rest_api"]["rest_api_id"]
    arn = after_deploy.stage_arn(REGION, rest_api_id, "api")
    found = deployed["clients"]["wafv2"].get_web_acl_for_resource(ResourceArn=arn)
    assert found["WebACL"]["ARN"] == deployed["acl"]


def test_api_name_is_the_one_the_webhook_alarm_watches(deployed):
    apigateway = deployed["clients"]["apigateway"]
    api = apigateway.get_rest_api(restApiId=deployed["recorded"]["rest_api"]["rest_api_id"])
    alarms = resources_of(load_template(), "AWS::CloudWatch::Alarm").values()
    watched = {
        d["Value"] for a in alarms for d in a.get("Dimensions", []) if d["Name"] == "ApiName"
    }
    assert watched == {api["name"]}


def test_after_deploy_without_chalices_record_stops_and_says_so(tmp_path, capsys):
    (tmp_path / ".chalice").mkdir()
    assert after_deploy.main(["--stage", STAGE, "--project-dir", str(tmp_path)]) == 2
    assert "chalice deploy --stage dev" in capsys.readouterr().err


def test_stage_settings_become_api_gateway_patch_operations():
    operations = after_deploy.stage_patch_operations(
        [{"ResourcePath": "/~1public~1x", "HttpMethod": "GET", "ThrottlingRateLimit": 20,
          "MetricsEnabled": True}]
    )  # fmt: skip
    assert operations == [
        {"op": "replace", "path": "/~1public~1x/GET/throttling/rateLimit", "value": "20"},
        {"op": "replace", "path": "/~1public~1x/GET/metrics/enabled", "value": "true"},
    ]
