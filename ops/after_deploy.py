"""After `chalice deploy --stage STAGE`: apply what Chalice cannot set, from the same source.

    python -m ops.after_deploy --stage dev [--project-dir .] [--web-acl-arn ARN]

Reads the ids Chalice recorded in ``.chalice/deployed/<stage>.json`` and applies, from
``infra/chalice-merge.json`` (what the packaged template merges) and the resources stack of
``make infra``:

1. ``ReportBatchItemFailures`` on every SQS event source mapping of the stage. The consumer
   stays in its default ``delete_and_raise`` mode, which is right with or without it (a later
   ``chalice deploy`` rewrites the function's environment, never this mapping setting).
2. The API stage's method settings (throttling, detailed metrics), as the packaged template's
   ``RestAPI.MethodSettings``.
3. The web ACL of the resources stack (output ``WebAclArn`` of ``camau-zalo-<stage>-resources``,
   or ``--web-acl-arn``) associated with the API stage.

Idempotent: run it after every ``chalice deploy``. Exit status 0 when all three were applied,
1 when one failed (named on stderr), 2 on bad usage or a missing deployed file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ops.template import CHALICE_MERGE

RESOURCES_STACK = "camau-zalo-{stage}-resources"


class AfterDeployError(Exception):
    """A step could not be applied; the message names it."""


def deployed_resources(project_dir: Path, stage: str) -> dict[str, dict[str, Any]]:
    """Chalice's record of the stage: resource name -> recorded values."""
    path = project_dir / ".chalice" / "deployed" / f"{stage}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `chalice deploy --stage {stage}` first")
    recorded = json.loads(path.read_text(encoding="utf-8"))
    return {r["name"]: r for r in recorded["resources"]}


def _merge_settings() -> dict[str, Any]:
    merged: dict[str, Any] = json.loads(CHALICE_MERGE.read_text(encoding="utf-8"))["Resources"]
    return merged


def stage_patch_operations(method_settings: list[dict[str, Any]]) -> list[dict[str, str]]:
    """API Gateway ``UpdateStage`` operations for CloudFormation ``MethodSettings``."""
    fields = {
        "ThrottlingRateLimit": "throttling/rateLimit",
        "ThrottlingBurstLimit": "throttling/burstLimit",
        "MetricsEnabled": "metrics/enabled",
    }
    operations = []
    for setting in method_settings:
        prefix = f"{setting['ResourcePath']}/{setting['HttpMethod']}"
        for key, path in fields.items():
            if key in setting:
                value = setting[key]
                text = str(value).lower() if isinstance(value, bool) else str(value)
                operations.append({"op": "replace", "path": f"{prefix}/{path}", "value": text})
    return operations


def enable_batch_item_failures(
    lambda_client: Any, resources: dict[str, dict[str, Any]]
) -> list[str]:
    """Turn ReportBatchItemFailures on for every SQS mapping; returns their uuids."""
    uuids = [r["event_uuid"] for r in resources.values() if r["resource_type"] == "sqs_event"]
    for uuid in uuids:
        lambda_client.update_event_source_mapping(
            UUID=uuid, FunctionResponseTypes=["ReportBatchItemFailures"]
        )
        mapping = lambda_client.get_event_source_mapping(UUID=uuid)
        if mapping.get("FunctionResponseTypes") != ["ReportBatchItemFailures"]:
            raise AfterDeployError(f"mapping {uuid} does not report batch item failures")
    return uuids


def apply_stage_settings(
    apigateway: Any, rest_api_id: str, stage_name: str, merge: dict[str, Any]
) -> None:
    operations = stage_patch_operations(merge["RestAPI"]["Properties"]["MethodSettings"])
    apigateway.update_stage(restApiId=rest_api_id, stageName=stage_name, patchOperations=operations)


def stage_arn(region: str, rest_api_id: str, stage_name: str) -> str:
    return f"arn:aws:apigateway:{region}::/restapis/{rest_api_id}/stages/{stage_name}"


def web_acl_arn(cloudformation: Any, stage: str) -> str:
    """The web ACL's ARN from the resources stack's outputs."""
    stack = cloudformation.describe_stacks(StackName=RESOURCES_STACK.format(stage=stage))
    for output in stack["Stacks"][0].get("Outputs", []):
        if output["OutputKey"] == "WebAclArn":
            return str(output["OutputValue"])
    raise AfterDeployError(f"stack {RESOURCES_STACK.format(stage=stage)} has no WebAclArn output")


def associate_web_acl(wafv2: Any, acl_arn: str, resource_arn: str) -> None:
    wafv2.associate_web_acl(WebACLArn=acl_arn, ResourceArn=resource_arn)
    found = wafv2.get_web_acl_for_resource(ResourceArn=resource_arn).get("WebACL") or {}
    if found.get("ARN") != acl_arn:
        raise AfterDeployError(f"the web ACL is not associated with {resource_arn}")


def run(
    stage: str,
    project_dir: Path,
    clients: dict[str, Any],
    region: str,
    acl_arn: str | None = None,
) -> dict[str, Any]:
    """Apply the three settings; returns what was applied. ``clients`` maps "lambda",
    "apigateway", "wafv2" and "cloudformation" to boto3 clients."""
    resources = deployed_resources(project_dir, stage)
    config = json.loads((project_dir / ".chalice" / "config.json").read_text(encoding="utf-8"))
    stage_name = config["stages"][stage].get(
        "api_gateway_stage", config.get("api_gateway_stage", "api")
    )
    merge = _merge_settings()
    uuids = enable_batch_item_failures(clients["lambda"], resources)
    rest_api_id = resources["rest_api"]["rest_api_id"]
    apply_stage_settings(clients["apigateway"], rest_api_id, stage_name, merge)
    acl = acl_arn or web_acl_arn(clients["cloudformation"], stage)
    target = stage_arn(region, rest_api_id, stage_name)
    associate_web_acl(clients["wafv2"], acl, target)
    return {"mappings": uuids, "rest_api_id": rest_api_id, "stage": target, "web_acl": acl}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.after_deploy", description=__doc__)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--project-dir", default=".", type=Path)
    parser.add_argument("--web-acl-arn", default=None)
    args = parser.parse_args(argv)

    import boto3

    session = boto3.session.Session()
    region = session.region_name or "ap-southeast-1"
    clients = {
        name: session.client(name, region_name=region)
        for name in ("lambda", "apigateway", "wafv2", "cloudformation")
    }
    try:
        applied = run(args.stage, args.project_dir, clients, region, args.web_acl_arn)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    except Exception as exc:  # one line naming what failed; the operator re-runs after fixing
        print(f"after_deploy failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(applied, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
