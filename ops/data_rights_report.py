"""The month's personal-data requests and whether each was answered in time.

    python -m ops.data_rights_report --month 2026-12 [--user-ref <sha256 of a Zalo id>]

Reads the records ``DATA_RIGHTS#<YYYY-MM>`` (docs/data-model.md, pattern O4: one Query per
page, no Scan) and prints one line per request: time, kind, outcome, due date, answered date
and ``late`` when the answer came after the legal 2 working days. ``--user-ref`` keeps one
citizen's requests (compute it with ``printf %s <zalo id> | sha256sum`` when a citizen asks).
Exit status 1 when any request was answered late (or not at all), else 0. Prints no personal
data (the records hold none).
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date, datetime


def late(record: dict[str, object]) -> bool:
    """Whether the request was answered after its due date (local dates) or never."""
    from chalicelib.domain.calendar import local_date

    answered = record.get("answered_at")
    if not answered:
        return True
    answered_day = local_date(datetime.fromisoformat(str(answered).replace("Z", "+00:00")))
    return answered_day > date.fromisoformat(str(record["due_by"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--month", required=True, help="YYYY-MM (UTC)")
    parser.add_argument("--user-ref", default=None)
    args = parser.parse_args(argv)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.month):
        parser.error("--month must be YYYY-MM")

    from chalicelib.storage.data_rights import DataRightsLog
    from chalicelib.storage.table import get_table

    records = DataRightsLog(get_table()).of_month(args.month)
    if args.user_ref:
        records = [r for r in records if r.get("user_ref") == args.user_ref]
    overdue = 0
    for record in records:
        flag = "late" if late(record) else "ok"
        overdue += flag == "late"
        print(
            f"{record['requested_at']}  {record['kind']:<16} {record['outcome']:<12} "
            f"due {record['due_by']}  answered {record.get('answered_at', '-')}  {flag}"
        )
    print(f"{len(records)} request(s) in {args.month}, {overdue} answered late")
    return 1 if overdue else 0


if __name__ == "__main__":
    sys.exit(main())
