"""Rewrite ``docs/openapi.json`` from the integration API's models.

    python -m ops.write_openapi

A test fails while the committed file differs from what the models generate.
"""

from __future__ import annotations

import sys


def main() -> int:
    from chalicelib.api.integration.openapi import DOCS_PATH, text

    DOCS_PATH.write_text(text(), encoding="utf-8")
    print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
