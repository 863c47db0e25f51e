"""The resources stack (infra/resources.json): deployable alone, alarms that reach someone, a
retry ladder sized with the queue, and a web ACL that limits public lookups per IP and nothing
else. The merge-only overrides (infra/chalice-merge.json) are kept apart from it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.platform.sqs_batch import retry_delay
from local.resources import load_template, resources_of
from ops.template import CHALICE_MERGE, merge_template
from tests.conftest import ROOT

TEMPLATE = load_template()
MERGE = json.loads(CHALICE_MERGE.read_text())
RESOURCES = TEMPLATE["Resources"]
BIN = Path(sys.executable).parent
TOPIC = {"Ref": "AlarmTopic"}


def _alarms():
    return resources_of(TEMPLATE, "AWS::CloudWatch::Alarm")


def _alarm_on(namespace, metric):
    found = [
        p
        for p in _alarms().values()
        if (p.get("Namespace"), p.get("MetricName")) == (namespace, metric)  # not metric math
    ]
    assert len(found) == 1, (namespace, metric)
    return found[0]


# --- one source per path -------------------------------------------------------------------------
def test_the_resources_stack_holds_only_standalone_resources():
    assert "Transform" not in TEMPLATE
    assert all("Type" in r for r in RESOURCES.values())
    for name, resource in MERGE["Resources"].items():
        assert name not in RESOURCES
        refers_to_chalice = "Type" not in resource or "RestAPI" in json.dumps(resource)
        assert refers_to_chalice, f"{name} could live in the resources stack"


def test_the_resources_stack_passes_cfn_lint():
    result = subprocess.run(
        [str(BIN / "cfn-lint"), str(ROOT / "infra" / "resources.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_merge_template_is_the_union_and_refuses_an_entry_declared_twice():
    merged = merge_template()
    assert set(merged["Resources"]) == set(RESOURCES) | set(MERGE["Resources"])
    assert merged["Parameters"] == TEMPLATE["Parameters"]
    twice = {"Resources": {"MainTable": {"Properties": {}}}}
    with pytest.raises(ValueError, match="MainTable"):
        merge_template(TEMPLATE, twice)


# --- alarms that reach someone -------------------------------------------------------------------
def test_every_alarm_notifies_the_topic_with_an_email_subscription_from_a_parameter():
    assert _alarms()
    for name, alarm in _alarms().items():
        assert alarm["AlarmActions"] == [TOPIC], name
    (topic,) = resources_of(TEMPLATE, "AWS::SNS::Topic").values()
    assert topic["Subscription"] == [{"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}]
    assert TEMPLATE["Parameters"]["AlarmEmail"]["Type"] == "String"


def test_webhook_server_errors_alarm():
    alarm = _alarm_on("AWS/ApiGateway", "5XXError")
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert dimensions == {
        "ApiName": "camau-zalo",
        "Stage": "api",
        "Resource": "/zalo/webhook",
        "Method": "POST",
    }
    # Per-resource metrics exist only with detailed metrics on, which both paths set.
    settings = MERGE["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert any(s["ResourcePath"] == "/*" and s["MetricsEnabled"] for s in settings)


def _error_times_of_one_record_failing_until_dead_lettered(max_receives):
    """When the consumer raises (chalice deploy path) for one record that fails every time."""
    at, times = 0, []
    for receive in range(1, max_receives + 1):
        times.append(at)
        at += retry_delay(receive)
    return times


def test_consumer_errors_alarm_needs_sustained_errors_not_one_failing_record():
    alarm = _alarm_on("AWS/Lambda", "Errors")
    assert alarm["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Fn::Sub": "camau-zalo-${Stage}-consume_inbound"}}
    ]
    periods, period = alarm["EvaluationPeriods"], alarm["Period"]
    assert alarm.get("DatapointsToAlarm", periods) == periods  # every period in the window
    assert periods * period >= 900  # 15 minutes at least
    max_receives = RESOURCES["InboundQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    times = _error_times_of_one_record_failing_until_dead_lettered(max_receives)
    failing = {t // period for t in times}
    for start in failing:
        window = set(range(start, start + periods))
        assert not window <= failing, "one failing record would page someone"


def test_oldest_inbound_message_alarm():
    alarm = _alarm_on("AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["InboundQueue", "QueueName"]}
    assert alarm["Threshold"] <= 3600


def test_monthly_cost_budget_notifies_the_topic():
    (budget,) = [r for r in RESOURCES.values() if r["Type"] == "AWS::Budgets::Budget"]
    props = budget["Properties"]
    assert props["Budget"]["BudgetType"] == "COST"
    assert props["Budget"]["TimeUnit"] == "MONTHLY"
    assert props["Budget"]["BudgetLimit"]["Amount"] == {"Ref": "MonthlyBudgetUsd"}
    for notification in props["NotificationsWithSubscribers"]:
        assert notification["Subscribers"] == [{"SubscriptionType": "SNS", "Address": TOPIC}]
    (policy,) = resources_of(TEMPLATE, "AWS::SNS::TopicPolicy").values()
    principals = policy["PolicyDocument"]["Statement"][0]["Principal"]["Service"]
    assert "budgets.amazonaws.com" in principals


# --- the retry ladder and the queue --------------------------------------------------------------
def test_a_record_has_about_an_hour_of_retries_before_it_is_dead_lettered():
    max_receives = RESOURCES["InboundQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    retrying = sum(retry_delay(n) for n in range(1, max_receives))
    assert 50 * 60 <= retrying <= 80 * 60
    assert retry_delay(1) <= 10  # a passing hiccup costs seconds


# --- the web ACL ---------------------------------------------------------------------------------
def _matches(statement, path):
    """WAF's decision for a URI path, for the statements the template uses."""
    if "OrStatement" in statement:
        return any(_matches(s, path) for s in statement["OrStatement"]["Statements"])
    match = statement["ByteMatchStatement"]
    assert match["FieldToMatch"] == {"UriPath": {}}
    assert match["PositionalConstraint"] == "STARTS_WITH"
    return path.startswith(match["SearchString"])


def test_web_acl_limits_public_lookups_per_ip_and_never_touches_the_webhook():
    (acl,) = resources_of(TEMPLATE, "AWS::WAFv2::WebACL").values()
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    (rule,) = acl["Rules"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    scope = rate["ScopeDownStatement"]
    for path in ("/api/public/dossiers/G22.55-261126-0001", "/public/dossiers/X"):
        assert _matches(scope, path), path
    for path in ("/api/zalo/webhook", "/zalo/webhook", "/api/health", "/api/zalo/oauth/callback"):
        assert not _matches(scope, path), path


def test_web_acl_association_with_the_api_stage_is_merge_only_and_waits_for_the_stage():
    association = MERGE["Resources"]["PublicWebAclAssociation"]
    assert association["Type"] == "AWS::WAFv2::WebACLAssociation"
    # SAM names the stage of RestAPI's StageName "api" RestAPIapiStage.
    assert association["DependsOn"] == "RestAPIapiStage"
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": ["PublicWebAcl", "Arn"]}
    assert "/restapis/${RestAPI}/stages/api" in association["Properties"]["ResourceArn"]["Fn::Sub"]


# --- issue 15: the alarms of the operations section, and the token key ---------------------------
def test_notices_failing_alarm_needs_failures_in_two_periods():
    alarm = _alarm_on("CamauZalo", "NoticeFailed")
    assert "Dimensions" not in alarm  # the total the notifier emits beside the per-channel one
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 2)
    assert alarm["Threshold"] >= 5 and alarm["AlarmActions"] == [TOPIC]


def test_webhook_error_rate_alarm_is_a_ratio_of_the_webhooks_own_requests():
    (alarm,) = [p for p in _alarms().values() if "error-rate" in json.dumps(p.get("AlarmName", ""))]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    errors, requests = metrics["errors"]["MetricStat"], metrics["requests"]["MetricStat"]
    assert errors["Metric"]["MetricName"] == "5XXError"
    assert requests["Metric"]["MetricName"] == "Count"
    resource = {d["Name"]: d["Value"] for d in errors["Metric"]["Dimensions"]}["Resource"]
    assert resource == "/zalo/webhook"
    assert errors["Metric"]["Dimensions"] == requests["Metric"]["Dimensions"]
    (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
    assert "errors / requests" in returned["Expression"]
    assert alarm["AlarmActions"] == [TOPIC]


def test_the_token_key_rotates_and_its_alias_names_the_stage():
    key = RESOURCES["TokenKey"]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    alias = RESOURCES["TokenKeyAlias"]["Properties"]
    assert alias["AliasName"] == {"Fn::Sub": "alias/camau-zalo-${Stage}-tokens"}
    assert alias["TargetKeyId"] == {"Ref": "TokenKey"}


def test_exports_expire_after_a_day():
    rules = RESOURCES["DocumentsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (rule,) = [r for r in rules if r.get("Prefix") == "exports/"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == 1
