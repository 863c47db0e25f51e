"""Give an existing table the global secondary indexes of the newest release, one at a time.

    python -m ops.add_indexes [--table camau-zalo-main] [--wait-seconds 1800]

DynamoDB accepts one new index per table update, so a CloudFormation update that adds two at
once fails. ``infra/index-releases.json`` lists the indexes release by release (each adds at most
one); this command compares the table with the newest release's list and the template's index
definitions, creates each missing index in that order and waits for it to become ACTIVE
before the next. Idempotent: a table that has them all is left alone. Exit status 0 when the
table has every index, 1 when one could not be added or did not become active in time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def wanted_indexes() -> list[dict[str, Any]]:
    """The template's index definitions, in the order the releases add them."""
    releases = json.loads((ROOT / "infra" / "index-releases.json").read_text())["releases"]
    template = json.loads((ROOT / "infra" / "resources.json").read_text())
    (table,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    ]
    by_name = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    definitions = {a["AttributeName"]: a for a in table["AttributeDefinitions"]}
    order = releases[-1]["indexes"]
    return [
        {
            **by_name[name],
            "_attributes": [definitions[k["AttributeName"]] for k in by_name[name]["KeySchema"]],
        }
        for name in order
    ]


def _status(dynamodb: Any, table: str) -> dict[str, str]:
    described = dynamodb.describe_table(TableName=table)["Table"]
    return {
        i["IndexName"]: i.get("IndexStatus", "ACTIVE")
        for i in described.get("GlobalSecondaryIndexes", [])
    }


def add_missing(
    dynamodb: Any, table: str, *, wait_seconds: float = 1800, poll: float = 10
) -> list[str]:
    """Create the missing indexes one by one; returns the names added. Raises TimeoutError when
    one is not ACTIVE within ``wait_seconds``."""
    added: list[str] = []
    for index in wanted_indexes():
        name = index["IndexName"]
        if name in _status(dynamodb, table):
            _wait_active(dynamodb, table, name, wait_seconds, poll)
            continue
        dynamodb.update_table(
            TableName=table,
            AttributeDefinitions=index["_attributes"],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": name,
                        "KeySchema": index["KeySchema"],
                        "Projection": index["Projection"],
                    }
                }
            ],
        )
        print(f"creating {name}", flush=True)
        _wait_active(dynamodb, table, name, wait_seconds, poll)
        added.append(name)
    return added


def _wait_active(dynamodb: Any, table: str, name: str, wait_seconds: float, poll: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while _status(dynamodb, table).get(name) != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"index {name} of {table} is not ACTIVE after {wait_seconds} s")
        time.sleep(poll)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", default="camau-zalo-main")
    parser.add_argument("--wait-seconds", type=float, default=1800)
    args = parser.parse_args(argv)
    from chalicelib.platform.aws import client

    try:
        added = add_missing(client("dynamodb"), args.table, wait_seconds=args.wait_seconds)
    except Exception as exc:  # the operator reads the reason
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    print("added: " + (", ".join(added) if added else "nothing (the table has every index)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
