"""The merge template for `chalice package`: infra/resources.json plus infra/chalice-merge.json.

    python -m ops.template OUT.json

One source per path: ``infra/resources.json`` is a standalone CloudFormation template (the
table, bucket, queues, dead-letter queues, alarms, alarm topic, budget and web ACL), deployed as
a stack of its own by ``make infra`` before ``chalice deploy``. ``infra/chalice-merge.json``
holds what only makes sense inside Chalice's template (entries without a ``Type`` that override
Chalice's own resources, and resources that refer to them such as the web ACL association);
``ops.after_deploy`` applies the same settings on the ``chalice deploy`` path. ``make package``
writes the union of the two with this module and hands it to ``--merge-template``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

INFRA = Path(__file__).resolve().parent.parent / "infra"
RESOURCES = INFRA / "resources.json"
CHALICE_MERGE = INFRA / "chalice-merge.json"


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def merge_template(
    resources: dict[str, Any] | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The template to merge into Chalice's: every section of both files, unioned.

    Raises ValueError when a logical id (or parameter, output) is declared in both: each entry
    has exactly one home."""
    resources = _load(RESOURCES) if resources is None else resources
    overrides = _load(CHALICE_MERGE) if overrides is None else overrides
    merged = dict(resources)
    for section, entries in overrides.items():
        if section not in merged:
            merged[section] = entries
            continue
        if not isinstance(entries, dict):
            raise ValueError(f"section {section} is declared in both files")
        both = set(entries) & set(merged[section])
        if both:
            raise ValueError(f"{section} declared in both files: {sorted(both)}")
        merged[section] = {**merged[section], **entries}
    return merged


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ops.template OUT.json", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merge_template(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
