"""Least privilege per function: in the packaged template, each Lambda function's role holds only
the actions its own code calls, on ARNs that name the account and the region."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ops import iam_policies
from tests.conftest import ROOT

BIN = Path(sys.executable).parent
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())

# What each function's code path calls, read from the code (logs: the Lambda runtime itself).
LOGS = {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
SECRETS = {"ssm:GetParametersByPath"}  # settings.py, once per container, every function
CODE_CALLS = {
    "APIHandler": LOGS
    | SECRETS
    | {
        "dynamodb:GetItem",  # api/public.py Dossiers.get; zalo/oauth.py _take_state
        "dynamodb:PutItem",  # zalo/oauth.py start: the state item
        "dynamodb:DeleteItem",  # zalo/oauth.py _take_state: the state is spent
        "dynamodb:UpdateItem",  # zalo/tokens.py store_initial_pair (OAuth callback)
        "dynamodb:DescribeTable",  # api/health.py readiness
        "s3:ListBucket",  # api/health.py readiness: HeadBucket
        "s3:GetObject",  # api/public.py procedures: the search index; api/exports.py (presign)
        "sqs:GetQueueUrl",  # zalo/webhook.py; api/health.py readiness
        "sqs:SendMessage",  # zalo/webhook.py; notify/outbox.py (integration events, live replies)
        # api/integration/live.py: the inbox (gsi2), a conversation's messages; api/public.py FAQ;
        # the integration API's change feed (gsi2) and access log; api/reports.py: an agency's
        # digest of a day
        "dynamodb:Query",
        "kms:Encrypt",  # storage/tokens.py: the OAuth callback seals the first pair
        # api/form.py: presigned uploads, kept copies, the QR image; integration API: the
        # presigned PUT of a result file
        "s3:PutObject",
        "s3:DeleteObjectVersion",  # api/form.py: a refused upload's version
    },
    "ConsumeInbound": LOGS
    | SECRETS
    | {
        "dynamodb:GetItem",
        "dynamodb:PutItem",  # sessions, notices (also inside TransactWriteItems)
        "dynamodb:UpdateItem",  # jobs, users, tokens, dossiers (also in transactions)
        "dynamodb:DeleteItem",  # sessions, pending notices, erasure of a user's partition
        "dynamodb:Query",  # pending notices; dossiers of an owner (gsi1)
        "s3:GetObject",  # catalogue/store.py search index; the upload a CopyObject reads
        # inbound/effects.py: chat attachments (uploads/), kept with a dossier (documents/,
        # CopyObject), a new dossier's receipt QR (dossiers/); exports (data_rights.py);
        # feedback files kept (feedback/, issue 14)
        "s3:PutObject",
        "s3:ListBucketVersions",  # erasure: a citizen's uploads in every version
        "s3:DeleteObjectVersion",  # erasure (uploads/ and feedback/ only)
        # The SQS event source mapping polls with the function's role.
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",  # also platform/sqs_batch.py (successes of a failed batch)
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",  # platform/sqs_batch.py: the retry ladder
        "kms:Decrypt",  # storage/tokens.py: the token pair, to send messages
        "kms:Encrypt",  # storage/tokens.py: a pair refreshed after Zalo rejected the token
        "sqs:GetQueueUrl",  # postal/service.py PostalQueue: register_postal, cancel_postal
        "sqs:SendMessage",  # the postal bookings and provider-side cancellations
    },
    # postal/consumer.py (issue 13): booking jobs and orders, notices through the outbox.
    "ConsumePostal": LOGS
    | SECRETS
    | {
        "dynamodb:GetItem",  # the order (consistent), a contended job
        "dynamodb:UpdateItem",  # jobs; the order booked / failed
        "sqs:GetQueueUrl",  # notify/outbox.py: the inbound queue
        "sqs:SendMessage",  # notify/outbox.py: the citizen's notices
        "sqs:ReceiveMessage",  # the event source mapping polls with the function's role
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",  # platform/sqs_batch.py: the retry ladder
    },
    "RefreshZaloToken": LOGS
    | SECRETS
    | {"dynamodb:GetItem", "dynamodb:UpdateItem", "kms:Decrypt", "kms:Encrypt"},
    "SendReminders": LOGS
    | SECRETS
    | {
        "dynamodb:Query",  # storage/due.py (gsi3 DUE); storage/digests.py an agency's day
        "dynamodb:BatchWriteItem",  # storage/digests.py entries
        "dynamodb:GetItem",  # storage/feedback.py refresh_due
        "dynamodb:UpdateItem",  # dossiers' and feedback items' next check; reminder, digest jobs
        "sqs:GetQueueUrl",  # notify/outbox.py
        "sqs:SendMessage",  # notify/outbox.py: citizens' reminders
        "ses:SendEmail",  # reminders/digest.py
    },
}
# Items a function may reach, where it needs only a few kinds (dynamodb:LeadingKeys).
ALLOWED_KEYS = {
    "APIHandler": {
        *("DOSSIER#*", "OAUTH#*", "ZALO#TOKEN", "CATALOGUE", "PROC#*", "AGENCY#*"),
        "JOB#api:*",  # the integration API's request jobs (replay), not the events' jobs
        *("DIGEST#*", "RATINGS#*"),  # agencies' digests and rating counters (issue 15)
        "ACCESS#*",  # the integration API's access log
        # the web form: used links, its dossier created once (number, marker, dossier)
        *("FORM#*", "SUBMISSION#*", "DOSSIER_SEQ#*"),
        # live conversations (api/integration/live.py): conversations, the inbox, reply jobs,
        # and the citizen's pointer (updated and removed, never read: see below)
        *("LIVE#*", "INBOX#*", "JOB#live-reply:*", "USER#*"),
        # the feedback inbox (issue 14): items, the sender's list entry and "awaiting" mark
        # (written, never read), published FAQ entries
        *("FEEDBACK#*", "FAQ"),
    },
    "RefreshZaloToken": {"ZALO#TOKEN"},
    "ConsumePostal": {"JOB#*", "DOSSIER#*"},
    "SendReminders": {
        *("DUE", "DIGEST#*", "DOSSIER#*", "FEEDBACK#*", "JOB#reminder:*", "JOB#digest:*"),
    },
}


@pytest.fixture(scope="module", params=["dev", "prod"])
def packaged(request, tmp_path_factory):
    """`chalice package --merge-template` output for each stage (runs the real CLI), or, under
    `make deploy-check` (``DEPLOY_CHECK_DIR``), the deployable template `make package` built."""
    built = os.environ.get("DEPLOY_CHECK_DIR")
    if built:
        return request.param, json.loads((ROOT / built / request.param / "sam.json").read_text())
    out = tmp_path_factory.mktemp(f"package-iam-{request.param}")
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-1"}
    command = [str(BIN / "chalice"), "package", "--stage", request.param]
    command += ["--merge-template", "infra/resources.json", str(out)]
    subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return request.param, json.loads((out / "sam.json").read_text())


def _policies_by_function(sam: dict) -> dict[str, list[dict]]:
    """Function logical id -> the statements of its role's inline policies."""
    resources = sam["Resources"]
    found = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        role = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        policies = resources[role]["Properties"].get("Policies", [])
        assert not resources[role]["Properties"].get("ManagedPolicyArns"), name
        found[name] = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    return found


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_every_function_has_a_role_of_its_own(packaged):
    _, sam = packaged
    roles = [
        r["Properties"]["Role"]["Fn::GetAtt"][0]
        for r in sam["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    ]
    assert sorted(roles) and len(set(roles)) == len(roles)
    assert set(_policies_by_function(sam)) == set(CODE_CALLS), "a function without a table row"


def test_no_function_holds_an_action_its_code_does_not_call(packaged):
    _, sam = packaged
    for function, statements in _policies_by_function(sam).items():
        granted = {a for s in statements for a in _as_list(s["Action"])}
        assert all(s["Effect"] == "Allow" for s in statements)
        assert not any("*" in action for action in granted), function
        assert granted - CODE_CALLS[function] == set(), function
        assert CODE_CALLS[function] - granted == set(), function  # and it can do its job


ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):(?P<service>[^:]+):(?P<region>[^:]*):(?P<account>[^:]*):"
)


PSEUDO = {
    "${AWS::Partition}": "PARTITION",
    "${AWS::Region}": "REGION",
    "${AWS::AccountId}": "ACCOUNT",
}


def _check_arn(text: str, *, account: str, region: str) -> None:
    for pseudo, token in PSEUDO.items():
        text = text.replace(pseudo, token)
    match = ARN.match(text)
    assert match, text
    if match["service"] == "s3":  # bucket and object ARNs name no region nor account
        assert match["region"] == match["account"] == "", text
        assert not text.split(":::", 1)[1].startswith("*"), text
        return
    assert match["region"] == region, text
    assert match["account"] == account, text
    assert not text.split(":", 5)[5].startswith("*"), text  # the resource is named too


def test_every_arn_names_the_account_and_region_in_the_packaged_template(packaged):
    _, sam = packaged
    for function, statements in _policies_by_function(sam).items():
        for statement in statements:
            for resource in _as_list(statement["Resource"]):
                assert isinstance(resource, dict), (function, resource)  # never "*" or a bare ARN
                _check_arn(resource["Fn::Sub"], account="ACCOUNT", region="REGION")


def test_item_access_is_limited_to_the_few_kinds_of_items_a_function_needs(packaged):
    _, sam = packaged
    for function, statements in _policies_by_function(sam).items():
        table_statements = [
            s for s in statements if any(a.endswith("Item") for a in _as_list(s["Action"]))
        ]
        if function not in ALLOWED_KEYS:
            continue
        assert table_statements, function
        for statement in table_statements:
            keys = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
            assert set(keys) <= ALLOWED_KEYS[function], function
    api = _policies_by_function(sam)["APIHandler"]
    readable = {
        key
        for s in api
        if "dynamodb:GetItem" in _as_list(s["Action"])
        for key in s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    }
    # The public webhook and lookups can read neither profiles, sessions, event jobs nor the
    # tokens: dossiers (public view), OAuth states and the public catalogue only, plus the
    # integration API's own request jobs (JOB#api:*, its replay answers); officers (integration
    # API) read live conversations and the jobs of their own replies; the web form reads its
    # used links, its submission marker and the day's number (no personal data read); agencies'
    # reports read the monthly rating counters (RATINGS#*: numbers, no rating itself) and query
    # the daily digests (DIGEST#*).
    live = {"LIVE#*", "INBOX#*", "JOB#live-reply:*"}
    public = {"DOSSIER#*", "OAUTH#*", "CATALOGUE", "PROC#*", "AGENCY#*", "JOB#api:*"}
    webform = {"FORM#*", "SUBMISSION#*", "DOSSIER_SEQ#*"}
    feedback = {"FEEDBACK#*"}  # the officer inbox of questions, feedback and petitions
    assert readable == public | live | webform | feedback | {"RATINGS#*"}
    queried = {
        key
        for s in api
        if "dynamodb:Query" in _as_list(s["Action"])
        for key in s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    }
    # and the public FAQ's published entries, the integration API's change feed (gsi2 FEED) and
    # access log (ACCESS#), agencies' digests (DIGEST#)
    assert queried <= live | {"FAQ", "FEED", "ACCESS#*", "DIGEST#*"}


def test_only_the_senders_may_decrypt_the_token_pair_and_only_with_the_token_key(packaged):
    stage, sam = packaged
    alias = CONFIG["stages"][stage]["environment_variables"]["TOKEN_KMS_KEY"]
    assert alias == f"alias/camau-zalo-{stage}-tokens"  # the template's TokenKeyAlias
    policies = _policies_by_function(sam)
    decrypting = {
        function
        for function, statements in policies.items()
        for s in statements
        if "kms:Decrypt" in _as_list(s["Action"])
    }
    # The API function (public webhook, lookups, OAuth callback) may seal a new pair, never
    # read one: table access plus its role does not reveal the tokens.
    assert decrypting == {"ConsumeInbound", "RefreshZaloToken"}
    assert any("kms:Encrypt" in _as_list(s["Action"]) for s in policies["APIHandler"])
    for statements in policies.values():
        for s in statements:
            if any(a.startswith("kms:") for a in _as_list(s["Action"])):
                aliases = s["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"]
                assert aliases == [alias]


def test_the_committed_policy_files_are_what_the_description_writes():
    for stage in iam_policies.stages():
        functions = CONFIG["stages"][stage]["lambda_functions"]
        assert set(functions) == set(iam_policies.FUNCTIONS)
        assert "iam_policy_file" not in CONFIG["stages"][stage]  # no shared fallback role
        for function in iam_policies.FUNCTIONS:
            name = functions[function]["iam_policy_file"]
            assert name == iam_policies.policy_file(stage, function)
            committed = json.loads((ROOT / ".chalice" / name).read_text())
            assert committed == iam_policies.render(stage, function), (
                f"{name} is stale: run python -m ops.iam_policies"
            )
    leftovers = {p.name for p in (ROOT / ".chalice").glob("policy-*.json")}
    expected = {
        iam_policies.policy_file(stage, function)
        for stage in iam_policies.stages()
        for function in iam_policies.FUNCTIONS
    }
    assert leftovers == expected


def test_the_description_covers_every_function_of_the_app():
    from app import app

    functions = {"api_handler"} if app.routes else set()
    functions |= {source.name for source in app.event_sources}
    assert functions == set(iam_policies.FUNCTIONS)


def test_chalice_deploy_files_name_the_given_account_and_region():
    for stage in iam_policies.stages():
        for function in iam_policies.FUNCTIONS:
            document = iam_policies.render(stage, function, "111122223333", "ap-southeast-1")
            for statement in document["Statement"]:
                for resource in _as_list(statement["Resource"]):
                    assert isinstance(resource, str)
                    _check_arn(resource, account="111122223333", region="ap-southeast-1")


def test_the_generator_refuses_half_a_location():
    with pytest.raises(SystemExit):
        iam_policies.main(["--stage", "dev", "--account", "111122223333"])
    with pytest.raises(SystemExit):
        iam_policies.main(["--stage", "dev", "--account", "1234", "--region", "ap-southeast-1"])
