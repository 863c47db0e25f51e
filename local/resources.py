"""Create the app's AWS resources by reading infra/resources.json.

The template is the single source of truth: tests (under moto) and the local runner (against a
moto server) create exactly what production declares, so the schema cannot drift. Only the
resource types and properties the template uses are understood; anything else fails loudly.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.json"

# Properties that only matter in AWS (billing, recovery, encryption managed by AWS, alarms).
_DYNAMO_ONLY_IN_AWS = {
    "BillingMode",
    "PointInTimeRecoverySpecification",
    "SSESpecification",
    "DeletionProtectionEnabled",
    "TimeToLiveSpecification",
}


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """The parsed template."""
    return json.loads(path.read_text(encoding="utf-8"))


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Logical id -> properties for every resource of CloudFormation type ``kind``."""
    return {
        name: res.get("Properties", {})
        for name, res in template["Resources"].items()
        if res.get("Type") == kind  # entries without a Type are merged into Chalice's own
    }


class _Resolver:
    def __init__(self, parameters: dict[str, str], queue_arns: dict[str, str]) -> None:
        self.parameters = parameters
        self.queue_arns = queue_arns

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Ref":
                return self.parameters[arg]
            if fn == "Fn::GetAtt" and arg[1] == "Arn":
                return self.queue_arns[arg[0]]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def create_all(
    clients: dict[str, Any], parameters: dict[str, str], template: dict[str, Any] | None = None
) -> dict[str, str]:
    """Create every table, bucket, queue and KMS key (with its alias) of the template. Returns
    logical id -> name/url/alias.

    ``clients`` maps "dynamodb", "s3" and "sqs" (and "kms", for the keys) to boto3 clients; the
    ``Stage`` parameter names the keys' aliases (``local`` when absent, as the settings'
    defaults expect). Idempotent: resources that already exist are left as they are."""
    template = template or load_template()
    created: dict[str, str] = {}
    dynamodb, s3, sqs = clients["dynamodb"], clients["s3"], clients["sqs"]

    for name, props in resources_of(template, "AWS::DynamoDB::Table").items():
        spec = {k: v for k, v in props.items() if k not in _DYNAMO_ONLY_IN_AWS}
        spec["BillingMode"] = "PAY_PER_REQUEST"
        with contextlib.suppress(dynamodb.exceptions.ResourceInUseException):
            dynamodb.create_table(**spec)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(
                TableName=props["TableName"],
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        created[name] = props["TableName"]

    resolve = _Resolver(parameters, {})
    for name, props in resources_of(template, "AWS::S3::Bucket").items():
        bucket = resolve(props["BucketName"])
        region = s3.meta.region_name
        kwargs: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with contextlib.suppress(
            s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists
        ):
            s3.create_bucket(**kwargs)
        if props.get("VersioningConfiguration"):
            s3.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration=props["VersioningConfiguration"]
            )
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
        if props.get("CorsConfiguration") and "WebformOrigin" in parameters:
            rules = resolve(props["CorsConfiguration"])["CorsRules"]
            s3.put_bucket_cors(  # CloudFormation's names -> the S3 API's
                Bucket=bucket,
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "ID": r["Id"],
                            "AllowedMethods": r["AllowedMethods"],
                            "AllowedOrigins": r["AllowedOrigins"],
                            "AllowedHeaders": r.get("AllowedHeaders", []),
                            "MaxAgeSeconds": r.get("MaxAge", 0),
                        }
                        for r in rules
                    ]
                },
            )
        created[name] = bucket

    # Dead-letter queues first: the others refer to their ARNs.
    queues = resources_of(template, "AWS::SQS::Queue")
    order = sorted(queues, key=lambda n: "RedrivePolicy" in queues[n])
    for name in order:
        props = queues[name]
        attributes: dict[str, str] = {}
        for key in (
            "FifoQueue",
            "ContentBasedDeduplication",
            "DeduplicationScope",
            "FifoThroughputLimit",
            "VisibilityTimeout",
            "MessageRetentionPeriod",
        ):
            if key in props:
                value = props[key]
                attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(resolve(props["RedrivePolicy"]))
        url = sqs.create_queue(QueueName=props["QueueName"], Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        resolve.queue_arns[name] = arn
        created[name] = url

    kms = clients.get("kms")
    if kms is not None:
        stage = parameters.get("Stage", "local")
        existing = {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
        for name, props in resources_of(template, "AWS::KMS::Alias").items():
            alias = _sub(props["AliasName"], {"Stage": stage})
            if alias not in existing:
                key = resources_of(template, "AWS::KMS::Key")[props["TargetKeyId"]["Ref"]]
                key_id = kms.create_key(Description=key.get("Description", ""))["KeyMetadata"]
                kms.create_alias(AliasName=alias, TargetKeyId=key_id["KeyId"])
            created[name] = alias
    return created


def _sub(value: Any, parameters: dict[str, str]) -> str:
    """A ``Fn::Sub`` string (or a plain one) with ``${Name}`` parameters replaced."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    for key, replacement in parameters.items():
        text = text.replace("${" + key + "}", replacement)
    if "${" in text:
        raise ValueError(f"unresolved parameter in {text!r}")
    return str(text)
