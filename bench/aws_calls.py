"""AWS calls per search and per lookup, counted through botocore's event hooks on moto.

Prints one JSON line per figure: {"bench": "aws_calls", "metric": ..., "value": ..., "unit": ...}.
The figures do not depend on the size of the tables: every lookup is a GetItem or a Query on a
key, never a Scan.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

from _moto import create_resources_and_catalogue, prepare_environment

prepare_environment()


def emit(metric: str, value: float, unit: str = "calls") -> None:
    print(json.dumps({"bench": "aws_calls", "metric": metric, "value": value, "unit": unit}))


def main() -> None:
    from moto import mock_aws

    with mock_aws():
        from chalicelib.platform.aws import client
        from chalicelib.services.lookups import get_lookups
        from chalicelib.storage.dossiers import Dossiers
        from chalicelib.storage.table import get_table
        from local.seed import CHAT_USER_ID, sample_dossiers

        create_resources_and_catalogue()
        dossiers = sample_dossiers(datetime.now(tz=UTC))
        for dossier in dossiers:
            Dossiers(get_table()).add(dossier)

        calls: Counter[str] = Counter()

        def count(event_name: str, **_: object) -> None:
            calls[event_name.split(".", 1)[1]] += 1

        for service in ("dynamodb", "s3"):
            client(service).meta.events.register("before-call.*.*", count)

        lookups = get_lookups()

        def measure(metric: str, action) -> None:
            calls.clear()
            action()
            emit(metric, sum(calls.values()))
            if any(name.endswith(".Scan") for name in calls):
                raise SystemExit(f"{metric}: a Scan happened")

        measure("search_first_in_container", lambda: lookups.search_procedures("khai sinh", 0, 5))
        measure("search", lambda: lookups.search_procedures("giay phep xay dung", 0, 5))
        measure("procedure_card", lambda: lookups.procedure_card("1.001193"))
        measure("dossier_by_code", lambda: lookups.dossier_by_code(dossiers[0].code, "x"))
        measure("my_dossiers", lambda: lookups.dossiers_of(CHAT_USER_ID, 5))


if __name__ == "__main__":
    main()
