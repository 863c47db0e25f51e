"""The IAM policy of every Lambda function, written from one description.

    python -m ops.iam_policies [--stage dev|prod]                      # the committed files
    python -m ops.iam_policies --stage prod --account 111122223333 --region ap-southeast-1

Chalice runs every HTTP route in one API function, so least privilege is per function: each
function of ``app.py`` (the API handler, each queue consumer, each schedule) gets its own role
with only the actions its code calls, on only the resources it touches (:data:`FUNCTIONS`).
Names come from ``.chalice/config.json`` (table, queues, bucket, SSM path per stage).

Both deployment paths read ``.chalice/policy-<stage>-<function>.json`` (``iam_policy_file`` of
each function under ``lambda_functions`` in the stage). Without ``--account`` the files are
written for the packaged template (``make package``): every ARN is a CloudFormation ``Fn::Sub``
naming ``${AWS::Region}`` and ``${AWS::AccountId}``, which CloudFormation resolves to the stack's
own account and region. ``chalice deploy`` sends the documents to IAM as they are, so before it
the files are written with ``--account`` and ``--region`` (concrete ARNs); running without them
restores the committed form. Either way, no ARN holds a wildcard account or region.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHALICE_DIR = ROOT / ".chalice"
STACK_NAME = "camau-zalo-{stage}"  # the stack `make deploy` creates (Makefile)

# What each function's code calls (chalicelib/...), and on what. ``keys``: the only partition
# keys (``dynamodb:LeadingKeys``) the statement allows, where the function touches a few kinds
# of items only. Resource templates name {table}, {bucket}, {inbound_queue}, {postal_queue},
# {ssm_path}; ARNs are completed by :func:`_arn`.
_SSM = {
    "sid": "Secrets",  # settings.py: the secrets, once per container
    "actions": ["ssm:GetParametersByPath"],
    "resources": [("ssm", "parameter{ssm_path}"), ("ssm", "parameter{ssm_path}/*")],
}


def _token_key(sid: str, actions: list[str]) -> dict[str, Any]:
    """KMS on the OA token key only (storage/tokens.py): the key's id is the stack's, so the
    statement names the account and region and is limited to the key holding the alias."""
    return {
        "sid": sid,
        "actions": actions,
        "resources": [("kms", "key/*")],
        "condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": ["{token_key}"]}},
    }


FUNCTIONS: dict[str, dict[str, Any]] = {
    # Every HTTP route: api/health.py (readiness), zalo/webhook.py, zalo/oauth.py (state items
    # and the first token pair), api/public.py (a dossier by code).
    "api_handler": {
        "logical_id": "APIHandler",
        "deployed_name": "camau-zalo-{stage}",
        "statements": [
            {
                "sid": "ReadDossiersAndOAuthStates",  # public lookup; OAuth callback
                "actions": ["dynamodb:GetItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["DOSSIER#*", "OAUTH#*"],
            },
            {
                # GET /public/procedures: the index's version, a procedure, its agencies
                "sid": "ReadCatalogue",
                "actions": ["dynamodb:GetItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["CATALOGUE", "PROC#*", "AGENCY#*"],
            },
            {
                "sid": "CatalogueIndex",  # GET /public/procedures: the search index object
                "actions": ["s3:GetObject"],
                "resources": [("s3", "{bucket}/catalogue/*")],
            },
            {
                # GET /public/exports/{token}: the presigned GET it redirects to is the role's
                "sid": "DataExports",
                "actions": ["s3:GetObject"],
                "resources": [("s3", "{bucket}/exports/*")],
            },
            {
                "sid": "OAuthStates",  # OAuth start (put) and callback (conditional delete)
                "actions": ["dynamodb:PutItem", "dynamodb:DeleteItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["OAUTH#*"],
            },
            {
                "sid": "FirstTokenPair",  # OAuth callback: TokenManager.store_initial_pair
                "actions": ["dynamodb:UpdateItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["ZALO#TOKEN"],
            },
            # OAuth callback: the first pair is encrypted before it is stored; the API function
            # never decrypts tokens (tests/infra/test_iam_policies.py).
            _token_key("SealFirstTokenPair", ["kms:Encrypt"]),
            {
                # integration API (api/integration/auth.py): one job per signed request, so a
                # replayed webhook-id answers the first answer
                "sid": "IntegrationRequestJobs",
                "actions": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["JOB#api:*"],
            },
            {
                "sid": "AgencyDigests",  # api/reports.py: GET /integration/v1/digests/{agency}
                "actions": ["dynamodb:Query"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["DIGEST#*"],
            },
            {
                "sid": "RatingAggregates",  # api/reports.py: GET /integration/v1/ratings
                "actions": ["dynamodb:GetItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["RATINGS#*"],
            },
            {
                # integration API (services/back_office.py): registration and events write the
                # dossier item (conditional PutItem); every read of personal data is logged
                "sid": "IntegrationDossierWrites",
                "actions": ["dynamodb:PutItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["DOSSIER#*", "ACCESS#*"],
            },
            {
                "sid": "IntegrationAccessLog",  # GET …/dossiers/{code}/access-log
                "actions": ["dynamodb:Query"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["ACCESS#*"],
            },
            {
                "sid": "IntegrationFeed",  # GET /integration/v1/dossiers: the gsi2 change feed
                "actions": ["dynamodb:Query"],
                "resources": [("dynamodb", "table/{table}/index/gsi2")],
                "keys": ["FEED"],
            },
            {
                # integration API: presigned links to a dossier's documents and results (read by
                # officers and, through /public/results/{token}, by the citizen); HeadObject of
                # an uploaded result; the presigned PUT of a result file
                "sid": "IntegrationDocuments",
                "actions": ["s3:GetObject"],
                "resources": [("s3", "{bucket}/documents/*"), ("s3", "{bucket}/results/*")],
            },
            {
                "sid": "IntegrationResultUploads",
                "actions": ["s3:PutObject"],
                "resources": [("s3", "{bucket}/results/*")],
            },
            {
                # the web form (api/form.py): its links are used once (FORM#), the dossier is
                # created once per link (services/submission.py: the day's number, the dossier
                # and its submission marker in one transaction, the marker read on a repeat)
                "sid": "WebFormDossiers",
                "actions": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["FORM#*", "SUBMISSION#*", "DOSSIER#*", "DOSSIER_SEQ#*"],
            },
            {
                # the web form's files: the browser posts to uploads/ with a presigned POST (the
                # role's own permission), accept_uploaded reads and re-tags it or deletes a
                # refused version; creation copies it to documents/ and puts the QR image
                "sid": "WebFormUploads",
                "actions": ["s3:GetObject", "s3:PutObject", "s3:DeleteObjectVersion"],
                "resources": [("s3", "{bucket}/uploads/*")],
            },
            {
                "sid": "WebFormKeptFiles",
                "actions": ["s3:PutObject"],
                "resources": [("s3", "{bucket}/documents/*"), ("s3", "{bucket}/dossiers/*")],
            },
            {
                # integration API, live conversations (api/integration/live.py): the inbox
                # (gsi2), a conversation and its messages, an officer reply's job
                "sid": "ReadLiveConversations",
                "actions": ["dynamodb:GetItem", "dynamodb:Query"],
                "resources": [
                    ("dynamodb", "table/{table}"),
                    ("dynamodb", "table/{table}/index/gsi2"),
                ],
                "keys": ["LIVE#*", "INBOX#*", "JOB#live-reply:*"],
            },
            {
                # an officer's reply (its job, the message, the conversation's activity) and
                # the close (the conversation's state)
                "sid": "WriteLiveConversations",
                "actions": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["LIVE#*", "JOB#live-reply:*"],
            },
            {
                # the citizen's pointer to the open conversation (USER#<id> / PROFILE#LIVE):
                # its activity on a reply, removed on the close; never read here
                "sid": "LiveConversationPointer",
                "actions": ["dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["USER#*"],
            },
            {
                "sid": "Faq",  # GET /public/faq: the published entries (storage/feedback.py)
                "actions": ["dynamodb:Query"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["FAQ"],
            },
            {
                # the officer inbox of questions, feedback and petitions (api/feedback.py,
                # services/feedback.py; its gsi2 Query is ReadLiveConversations'): read an item;
                # write it with the sender's list entry (one transaction), the sender's
                # "awaiting" mark on the profile (never read here), a published FAQ entry
                "sid": "FeedbackItems",
                "actions": ["dynamodb:GetItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["FEEDBACK#*"],
            },
            {
                "sid": "FeedbackWrites",
                "actions": ["dynamodb:PutItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["FEEDBACK#*", "USER#*", "FAQ"],
            },
            {
                "sid": "FeedbackAwaiting",  # storage/users.py set_awaiting / clear_awaiting
                "actions": ["dynamodb:UpdateItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["USER#*"],
            },
            {
                # GET /integration/v1/feedback/{ref}: presigned links to an item's kept files
                # are used by the officer with this role's rights
                "sid": "FeedbackFiles",
                "actions": ["s3:GetObject"],
                "resources": [("s3", "{bucket}/feedback/*")],
            },
            {
                # POST /integration/v1/postal/events (api/integration/postal.py): the order's
                # status (UpdateItem), the dossier's postal submission time (PutItem, version)
                "sid": "PostalEvents",
                "actions": ["dynamodb:UpdateItem", "dynamodb:PutItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["DOSSIER#*"],
            },
            {
                "sid": "ReadinessTable",  # /health/ready
                "actions": ["dynamodb:DescribeTable"],
                "resources": [("dynamodb", "table/{table}")],
            },
            {
                "sid": "ReadinessBucket",  # /health/ready: HeadBucket
                "actions": ["s3:ListBucket"],
                "resources": [("s3", "{bucket}")],
            },
            {
                "sid": "QueueUrls",  # webhook; /health/ready
                "actions": ["sqs:GetQueueUrl"],
                "resources": [("sqs", "{inbound_queue}"), ("sqs", "{postal_queue}")],
            },
            {
                "sid": "Intake",  # webhook: one message per verified event
                "actions": ["sqs:SendMessage"],
                "resources": [("sqs", "{inbound_queue}")],
            },
            _SSM,
        ],
    },
    # inbound/processor.py: jobs, users, sessions, dossiers, notices, tokens (every item kind
    # of a citizen's conversation), the catalogue index in S3, and the queue's event source.
    "consume_inbound": {
        "logical_id": "ConsumeInbound",
        "deployed_name": "camau-zalo-{stage}-consume_inbound",
        "statements": [
            {
                "sid": "Table",
                "actions": [
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                ],
                "resources": [("dynamodb", "table/{table}"), ("dynamodb", "table/{table}/index/*")],
            },
            {
                "sid": "CatalogueIndex",  # catalogue/store.py: the search index object
                "actions": ["s3:GetObject"],
                "resources": [("s3", "{bucket}/catalogue/*")],
            },
            {
                # chat submission, supplement, a file forwarded to a live conversation
                # (inbound/effects.py): an attachment stored
                # under uploads/, copied to documents/ when a dossier holds it (CopyObject reads
                # the upload), and a new dossier's receipt QR image under dossiers/; a citizen's
                # JSON export (services/data_rights.py) under exports/.
                "sid": "ChatDocuments",
                "actions": ["s3:PutObject"],
                "resources": [
                    ("s3", "{bucket}/exports/*"),
                    ("s3", "{bucket}/uploads/*"),
                    ("s3", "{bucket}/documents/*"),
                    ("s3", "{bucket}/dossiers/*"),
                    ("s3", "{bucket}/feedback/*"),  # feedback files kept (issue 14)
                ],
            },
            {
                "sid": "ReadUploads",  # the source of the copy to documents/ or feedback/
                "actions": ["s3:GetObject"],
                "resources": [("s3", "{bucket}/uploads/*")],
            },
            {
                # erasure (inbound/effects.py): a citizen's uploads and feedback files (issue
                # 14) in every version
                "sid": "EraseUploadVersions",
                "actions": ["s3:DeleteObjectVersion"],  # always by version id
                "resources": [("s3", "{bucket}/uploads/*"), ("s3", "{bucket}/feedback/*")],
            },
            {
                "sid": "ListUploadVersions",  # erasure: ListObjectVersions under uploads/
                "actions": ["s3:ListBucketVersions"],
                "resources": [("s3", "{bucket}")],
            },
            {
                # The SQS event source mapping polls with the role; platform/sqs_batch.py deletes
                # the successes of a failed batch and sets the retry ladder's visibility.
                "sid": "InboundQueue",
                "actions": [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ChangeMessageVisibility",
                ],
                "resources": [("sqs", "{inbound_queue}")],
            },
            {
                # inbound/effects.py register_postal, cancel_postal (issue 13): bookings and
                # provider-side cancellations go on the postal queue.
                "sid": "PostalBookings",
                "actions": ["sqs:GetQueueUrl", "sqs:SendMessage"],
                "resources": [("sqs", "{postal_queue}")],
            },
            # Sending: the token pair is decrypted; a refresh after Zalo rejected the token
            # (or a pair stored before the encryption, migrated on read) is encrypted.
            _token_key("TokenKey", ["kms:Decrypt", "kms:Encrypt"]),
            _SSM,
        ],
    },
    # reminders/: the due index (gsi3 DUE), dossiers' next check dates, reminder and digest
    # jobs, digest entries; notices go to the inbound queue (the outbox); digests by SES.
    "send_reminders": {
        "logical_id": "SendReminders",
        "deployed_name": "camau-zalo-{stage}-send_reminders",
        "statements": [
            {
                "sid": "DueIndex",  # storage/due.py: Query gsi3 on DUE
                "actions": ["dynamodb:Query"],
                "resources": [("dynamodb", "table/{table}/index/gsi3")],
                "keys": ["DUE"],
            },
            {
                "sid": "DigestsRead",  # storage/digests.py: an agency's day, for its e-mail
                "actions": ["dynamodb:Query"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["DIGEST#*"],
            },
            {
                "sid": "DigestsWrite",  # storage/digests.py: the day's entries, 25 per call
                "actions": ["dynamodb:BatchWriteItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["DIGEST#*"],
            },
            {
                # storage/dossiers.py set_next_check; storage/postal_orders.py set_due (a
                # postal pickup leaves the due index); storage/idempotency.py reminder and
                # digest jobs (claim, release, finish)
                "sid": "NextChecksAndJobs",
                "actions": ["dynamodb:UpdateItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["DOSSIER#*", "JOB#reminder:*", "JOB#digest:*"],
            },
            {
                # reminders/feedback.py: a feedback item's due date moves to its next step
                # (storage/feedback.py refresh_due: read, then conditional update)
                "sid": "FeedbackDueDates",
                "actions": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["FEEDBACK#*"],
            },
            {
                # reminders/postal.py: the pickup order read again (consistent) before its
                # "pickup tomorrow" reminder (storage/postal_orders.py get)
                "sid": "PostalPickupOrders",
                "actions": ["dynamodb:GetItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["DOSSIER#*"],
            },
            {
                "sid": "Outbox",  # notify/outbox.py: citizens' reminders, for the notifier
                "actions": ["sqs:GetQueueUrl", "sqs:SendMessage"],
                "resources": [("sqs", "{inbound_queue}")],
            },
            {
                "sid": "DigestEmail",  # reminders/digest.py: from the digest sender only
                "actions": ["ses:SendEmail"],
                "resources": [
                    ("ses", "identity/{digest_sender}"),
                    ("ses", "identity/{digest_sender_domain}"),
                ],
            },
            _SSM,
        ],
    },
    # postal/consumer.py (issue 13): booking jobs and the orders beside their dossiers, the
    # provider over HTTPS (no AWS call), notices through the outbox on the inbound queue.
    "consume_postal": {
        "logical_id": "ConsumePostal",
        "deployed_name": "camau-zalo-{stage}-consume_postal",
        "statements": [
            {
                "sid": "JobsAndOrders",  # storage/idempotency.py, storage/postal_orders.py
                "actions": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["JOB#*", "DOSSIER#*"],
            },
            {
                "sid": "Outbox",  # notify/outbox.py: the citizen's notices
                "actions": ["sqs:GetQueueUrl", "sqs:SendMessage"],
                "resources": [("sqs", "{inbound_queue}")],
            },
            {
                # The event source mapping polls with the role; platform/sqs_batch.py deletes the
                # successes of a failed batch and sets the retry ladder's visibility.
                "sid": "PostalQueue",
                "actions": [
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ChangeMessageVisibility",
                ],
                "resources": [("sqs", "{postal_queue}")],
            },
            _SSM,
        ],
    },
    # zalo/tokens.py: refresh_if_due reads the pair and takes the lease with updates only.
    "refresh_zalo_token": {
        "logical_id": "RefreshZaloToken",
        "deployed_name": "camau-zalo-{stage}-refresh_zalo_token",
        "statements": [
            {
                "sid": "TokenPair",
                "actions": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
                "resources": [("dynamodb", "table/{table}")],
                "keys": ["ZALO#TOKEN"],
            },
            _token_key("TokenKey", ["kms:Decrypt", "kms:Encrypt"]),
            _SSM,
        ],
    },
}


def _config() -> dict[str, Any]:
    return json.loads((CHALICE_DIR / "config.json").read_text(encoding="utf-8"))


def stages() -> list[str]:
    """The stages of .chalice/config.json."""
    return sorted(_config()["stages"])


def names(stage: str) -> dict[str, str]:
    """The resource names of ``stage``, as .chalice/config.json gives them to the code."""
    config = _config()
    env = {**config["environment_variables"], **config["stages"][stage]["environment_variables"]}
    return {
        "stage": stage,
        "table": env["TABLE_NAME"],
        "bucket": env["DOCUMENTS_BUCKET"],
        "inbound_queue": env["INBOUND_QUEUE"],
        "postal_queue": env["POSTAL_QUEUE"],
        "ssm_path": env["SECRETS_SSM_PATH"].rstrip("/"),
        "digest_sender": env.get("DIGEST_EMAIL_SENDER", ""),
        "digest_sender_domain": env.get("DIGEST_EMAIL_SENDER", "").rpartition("@")[2],
        "token_key": env["TOKEN_KMS_KEY"],
    }


def policy_file(stage: str, function: str) -> str:
    """The file name (under .chalice/) of ``function``'s policy in ``stage``."""
    return f"policy-{stage}-{function}.json"


def _arn(service: str, resource: str, account: str | None, region: str | None) -> Any:
    """An ARN naming the account and region (S3 bucket ARNs name neither, by S3's design);
    a CloudFormation ``Fn::Sub`` of the stack's own when ``account`` is None."""
    cfn = account is None
    partition = "${AWS::Partition}" if cfn else "aws"
    if service == "s3":
        text = f"arn:{partition}:s3:::{resource}"
    else:
        where = "${AWS::Region}:${AWS::AccountId}" if cfn else f"{region}:{account}"
        text = f"arn:{partition}:{service}:{where}:{resource}"
    return {"Fn::Sub": text} if cfn else text


def render(stage: str, function: str, account: str | None = None, region: str | None = None):
    """The policy document of ``function`` in ``stage`` (see the module docstring)."""
    if (account is None) != (region is None):
        raise ValueError("give both account and region, or neither")
    spec = FUNCTIONS[function]
    values = names(stage)
    log_names = [
        STACK_NAME.format(stage=stage) + f"-{spec['logical_id']}-*",  # packaged template
        spec["deployed_name"].format(stage=stage),  # chalice deploy
    ]
    statements = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [
                _arn("logs", f"log-group:/aws/lambda/{name}{suffix}", account, region)
                for name in log_names
                for suffix in ("", ":*")
            ],
        }
    ]
    for item in spec["statements"]:
        statement: dict[str, Any] = {
            "Sid": item["sid"],
            "Effect": "Allow",
            "Action": list(item["actions"]),
            "Resource": [
                _arn(service, template.format(**values), account, region)
                for service, template in item["resources"]
            ],
        }
        if "keys" in item:
            statement["Condition"] = {
                "ForAllValues:StringLike": {"dynamodb:LeadingKeys": list(item["keys"])}
            }
        if "condition" in item:
            statement["Condition"] = {
                operator: {
                    key: [value.format(**values) for value in allowed]
                    for key, allowed in condition.items()
                }
                for operator, condition in item["condition"].items()
            }
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def write(stage: str, account: str | None = None, region: str | None = None) -> list[Path]:
    """Write every function's policy file of ``stage``; returns the paths written."""
    written = []
    for function in FUNCTIONS:
        path = CHALICE_DIR / policy_file(stage, function)
        document = render(stage, function, account, region)
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", choices=stages(), action="append")
    parser.add_argument("--account", help="12-digit account id (chalice deploy)")
    parser.add_argument("--region", help="region, e.g. ap-southeast-1 (chalice deploy)")
    args = parser.parse_args(argv)
    if (args.account is None) != (args.region is None):
        parser.error("give both --account and --region, or neither")
    if args.account is not None and not (args.account.isdigit() and len(args.account) == 12):
        parser.error("--account must be a 12-digit account id")
    for stage in args.stage or stages():
        for path in write(stage, args.account, args.region):
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
