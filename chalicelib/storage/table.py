"""A thin adapter over the single DynamoDB table.

Items go in and come out as plain Python values (``int``/``float`` instead of ``Decimal``).
Every method is one DynamoDB call, so callers can count their cost; none of them scans.
The table name and client are constructor arguments, so tests can hand in any client.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from chalicelib.platform.container import cached

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]
BATCH_WRITE_LIMIT = 25  # DynamoDB's BatchWriteItem limit
# The global secondary indexes (infra/resources.json, infra/index-releases.json): gsi1 owners and
# the catalogue, gsi2 the back-office feed and the officer inbox, gsi3 sparse due dates.
INDEXES = ("gsi1", "gsi2", "gsi3")


class ConditionFailed(Exception):
    """A conditional write did not apply because its condition was false."""

    def __init__(self, item: Item | None = None) -> None:
        super().__init__("condition failed")
        self.item = item


class TransactionCancelled(Exception):
    """A transaction did not apply; ``reasons`` holds DynamoDB's cancellation codes in order."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo(v) for v in value}
    return value


def serialize(item: Item) -> dict[str, Any]:
    """An item in DynamoDB's wire format (``None`` values are dropped)."""
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in item.items() if v is not None}


def deserialize(raw: dict[str, Any]) -> Item:
    """A wire-format item as plain Python values."""
    return {k: _from_dynamo(_deserializer.deserialize(v)) for k, v in raw.items()}


def _values(values: dict[str, Any] | None) -> dict[str, Any]:
    return {k: _serializer.serialize(_to_dynamo(v)) for k, v in (values or {}).items()}


def _expressions(
    kwargs: dict[str, Any],
    condition: str | None,
    names: dict[str, str] | None,
    values: dict[str, Any] | None,
    *expressions: str | None,
) -> dict[str, Any]:
    """``kwargs`` with the condition and the placeholders the expressions use added."""
    if condition:
        kwargs["ConditionExpression"] = condition
        kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    if used_names := _used(names, condition, *expressions):
        kwargs["ExpressionAttributeNames"] = used_names
    if used_values := _used(values, condition, *expressions):
        kwargs["ExpressionAttributeValues"] = _values(used_values)
    return kwargs


def _used(placeholders: dict[str, Any] | None, *expressions: str | None) -> dict[str, Any]:
    """Only the placeholders the expressions use: DynamoDB rejects unused ones, and callers
    may share one table of names between several expressions."""
    text = " ".join(e for e in expressions if e)
    return {k: v for k, v in (placeholders or {}).items() if re.search(re.escape(k) + r"\b", text)}


class Table:
    """The operations the system needs on one table, one DynamoDB call each."""

    def __init__(self, name: str, client: Any) -> None:
        self.name = name
        self._client = client

    def _conditional(self, call: Any, **kwargs: Any) -> Any:
        try:
            return call(**kwargs)
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raw = exc.response.get("Item")
            raise ConditionFailed(deserialize(raw) if raw else None) from None

    def get(self, pk: str, sk: str, *, consistent: bool = False) -> Item | None:
        """The item with this key, or None (GetItem)."""
        response = self._client.get_item(
            TableName=self.name,
            Key=serialize({"pk": pk, "sk": sk}),
            ConsistentRead=consistent,
        )
        raw = response.get("Item")
        return deserialize(raw) if raw else None

    def put(
        self,
        item: Item,
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        """Write a whole item (PutItem). Raises ConditionFailed when ``condition`` is false."""
        kwargs = {"TableName": self.name, "Item": serialize(item)}
        self._conditional(self._client.put_item, **_expressions(kwargs, condition, names, values))

    def update(
        self,
        pk: str,
        sk: str,
        expression: str,
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Item:
        """Apply an update expression (UpdateItem) and return the item as it is afterwards.

        Raises ConditionFailed (carrying the current item) when ``condition`` is false."""
        kwargs = {
            "TableName": self.name,
            "Key": serialize({"pk": pk, "sk": sk}),
            "UpdateExpression": expression,
            "ReturnValues": "ALL_NEW",
        }
        response = self._conditional(
            self._client.update_item, **_expressions(kwargs, condition, names, values, expression)
        )
        return deserialize(response.get("Attributes", {}))

    def delete(
        self,
        pk: str,
        sk: str,
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        """Remove an item (DeleteItem); removing a missing item is not an error.

        Raises ConditionFailed when ``condition`` is false."""
        kwargs = {"TableName": self.name, "Key": serialize({"pk": pk, "sk": sk})}
        self._conditional(
            self._client.delete_item, **_expressions(kwargs, condition, names, values)
        )

    def query(
        self,
        pk: str,
        *,
        sk_prefix: str | None = None,
        sk_between: tuple[str, str] | None = None,
        index: str | None = None,
        limit: int | None = None,
        newest_first: bool = False,
        start_key: dict[str, Any] | None = None,
        consistent: bool = False,
        filter: tuple[str, dict[str, str], dict[str, Any]] | None = None,
    ) -> tuple[list[Item], dict[str, Any] | None]:
        """Items of one partition, optionally under a sort-key prefix or between two sort keys
        (inclusive) (one Query call).

        With ``index="gsi1"`` (or ``gsi2``, ``gsi3``) the keys are ``gsi1pk``/``gsi1sk`` (and so
        on; docs/data-model.md says what each index holds). Returns the page of items and
        the key to continue from (None when there is no more). ``consistent`` reads the latest
        writes (not possible on a global secondary index: ValueError). ``filter`` is a
        FilterExpression with its names and values: ``limit`` then bounds the items *read*,
        so a page may hold fewer (the continuation key says where the read stopped)."""
        if consistent and index:
            raise ValueError("consistent reads are not possible on a global secondary index")
        if index is not None and index not in INDEXES:
            raise ValueError(f"unknown index {index!r}")
        pk_name, sk_name = (f"{index}pk", f"{index}sk") if index else ("pk", "sk")
        expression = "#pk = :pk"
        names = {"#pk": pk_name}
        values: dict[str, Any] = {":pk": pk}
        if sk_prefix is not None:
            expression += " AND begins_with(#sk, :prefix)"
            names["#sk"] = sk_name
            values[":prefix"] = sk_prefix
        elif sk_between is not None:
            expression += " AND #sk BETWEEN :low AND :high"
            names["#sk"] = sk_name
            values[":low"], values[":high"] = sk_between
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": _values(values),
            "ScanIndexForward": not newest_first,
        }
        if index:
            kwargs["IndexName"] = index
        if consistent:
            kwargs["ConsistentRead"] = True
        if limit:
            kwargs["Limit"] = limit
        if start_key:
            kwargs["ExclusiveStartKey"] = start_key
        if filter is not None:
            filter_text, filter_names, filter_values = filter
            kwargs["FilterExpression"] = filter_text
            kwargs["ExpressionAttributeNames"] = {**names, **filter_names}
            kwargs["ExpressionAttributeValues"] = _values({**values, **filter_values})
        response = self._client.query(**kwargs)
        items = [deserialize(raw) for raw in response.get("Items", [])]
        return items, response.get("LastEvaluatedKey")

    def transact(self, operations: list[dict[str, Any]]) -> None:
        """Apply writes atomically (TransactWriteItems). Each operation is one of
        ``{"put": item, "condition": ...}``, ``{"update": (pk, sk, expression), ...}``,
        ``{"delete": (pk, sk), ...}``, ``{"check": (pk, sk), "condition": ...}`` with optional
        ``names`` and ``values``.

        Raises TransactionCancelled with the reasons in operation order."""
        items = []
        for op in operations:
            expression = op["update"][2] if "update" in op else None
            common = _expressions(
                {"TableName": self.name},
                op.get("condition"),
                op.get("names"),
                op.get("values"),
                expression,
            )
            if "put" in op:
                items.append({"Put": {**common, "Item": serialize(op["put"])}})
            elif "update" in op:
                pk, sk, expression = op["update"]
                key = serialize({"pk": pk, "sk": sk})
                items.append({"Update": {**common, "Key": key, "UpdateExpression": expression}})
            elif "delete" in op:
                pk, sk = op["delete"]
                key = serialize({"pk": pk, "sk": sk})
                items.append({"Delete": {**common, "Key": key}})
            elif "check" in op:
                pk, sk = op["check"]
                key = serialize({"pk": pk, "sk": sk})
                items.append({"ConditionCheck": {**common, "Key": key}})
            else:
                raise ValueError(f"unknown transaction operation: {sorted(op)}")
        try:
            self._client.transact_write_items(TransactItems=items)
        except self._client.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            raise TransactionCancelled(reasons) from None

    def batch_put(self, items: list[Item]) -> list[Item]:
        """Write up to 25 whole items, unconditionally (one BatchWriteItem). Returns the items
        DynamoDB did not process (throttling); the caller retries them."""
        if len(items) > BATCH_WRITE_LIMIT:
            raise ValueError(f"at most {BATCH_WRITE_LIMIT} items per batch")
        if not items:
            return []
        response = self._client.batch_write_item(
            RequestItems={self.name: [{"PutRequest": {"Item": serialize(i)}} for i in items]}
        )
        left = response.get("UnprocessedItems", {}).get(self.name, [])
        return [deserialize(request["PutRequest"]["Item"]) for request in left]

    def describe(self) -> dict[str, Any]:
        """The table's description (DescribeTable): used by the health check only."""
        table: dict[str, Any] = self._client.describe_table(TableName=self.name)["Table"]
        return table


@cached
def get_table() -> Table:
    """The application's table, built on first use from settings and the client factory."""
    from chalicelib.platform.aws import client
    from chalicelib.settings import get_settings

    return Table(get_settings().TABLE_NAME, client("dynamodb"))
