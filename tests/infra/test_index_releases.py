"""DynamoDB adds one global secondary index per table update: a release may add at most one.

``infra/index-releases.json`` lists the indexes of each release in order; the template must
declare exactly the newest release's, and no release may add more than one to the previous."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from chalicelib.storage.table import INDEXES

ROOT = Path(__file__).resolve().parents[2]
RELEASES = json.loads((ROOT / "infra" / "index-releases.json").read_text())["releases"]


def template_indexes(template: dict) -> list[str]:
    (table,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    ]
    return [i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])]


def added(before: list[str], after: list[str]) -> set[str]:
    return set(after) - set(before)


def test_each_release_adds_at_most_one_index_and_removes_none():
    for previous, current in itertools.pairwise(RELEASES):
        assert set(previous["indexes"]) <= set(current["indexes"]), current["release"]
        assert len(added(previous["indexes"], current["indexes"])) <= 1, current["release"]


def test_template_declares_the_newest_release_and_the_code_knows_each_index():
    template = json.loads((ROOT / "infra" / "resources.json").read_text())
    assert template_indexes(template) == RELEASES[-1]["indexes"]
    assert tuple(RELEASES[-1]["indexes"]) == INDEXES


@pytest.mark.parametrize(
    ("before", "after", "count"),
    [
        (["gsi1"], ["gsi1", "gsi2"], 1),
        (["gsi1"], ["gsi1", "gsi2", "gsi3"], 2),
        (["gsi1"], ["gsi1"], 0),
    ],
)
def test_the_check_counts_added_indexes(before, after, count):
    assert len(added(before, after)) == count


def test_add_indexes_brings_an_old_table_to_the_newest_release_one_index_at_a_time(aws):
    """A table created as the first release had it gets the later indexes, in order."""
    from chalicelib.platform.aws import client
    from ops.add_indexes import add_missing

    dynamodb = client("dynamodb")
    dynamodb.create_table(
        TableName="old-release",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    calls: list[list[str]] = []
    real_update = dynamodb.update_table

    def recording_update(**kwargs):
        calls.append([u["Create"]["IndexName"] for u in kwargs["GlobalSecondaryIndexUpdates"]])
        return real_update(**kwargs)

    dynamodb.update_table = recording_update
    assert add_missing(dynamodb, "old-release", poll=0) == ["gsi2", "gsi3"]
    assert calls == [["gsi2"], ["gsi3"]]
    names = [
        i["IndexName"]
        for i in dynamodb.describe_table(TableName="old-release")["Table"]["GlobalSecondaryIndexes"]
    ]
    assert names == ["gsi1", "gsi2", "gsi3"]
    assert add_missing(dynamodb, "old-release", poll=0) == []
