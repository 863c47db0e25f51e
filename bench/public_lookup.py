"""What ``GET /public/dossiers/{code}`` costs for a code that exists and for one that does not.

Codes are sequential, so "found" and "not found" must take the same time (docs/operations.md,
"Public dossier lookup"). Calls ``public.get_dossier`` in-process on moto, alternating a known
and an unknown code of the same day, and prints the median milliseconds of each and their
difference, with the equal-time hold (``MIN_DOSSIER_LOOKUP_SECONDS``) as in production.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import UTC, datetime

from _moto import create_resources_and_catalogue, prepare_environment

REPEAT = int(os.environ.get("BENCH_PUBLIC_LOOKUP_REPEAT", "20"))


def figure(metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": "public_lookup", "metric": metric, "value": value, "unit": unit}))


def main() -> None:
    from moto import mock_aws

    prepare_environment()
    with mock_aws():
        create_resources_and_catalogue()
        from chalicelib.api import public
        from chalicelib.storage.dossiers import Dossiers
        from chalicelib.storage.table import get_table
        from local.seed import sample_dossiers

        dossier = sample_dossiers(datetime.now(tz=UTC))[0]
        Dossiers(get_table()).add(dossier)
        unknown = dossier.code[:-4] + "9999"
        times: dict[int, list[float]] = {200: [], 404: []}
        public.get_dossier(dossier.code)  # warm: imports and clients
        for _ in range(REPEAT):
            for code in (dossier.code, unknown):
                started = time.perf_counter()
                response = public.get_dossier(code)
                times[response.status_code].append((time.perf_counter() - started) * 1000)
        found, missing = statistics.median(times[200]), statistics.median(times[404])
        figure("found_median_ms", round(found, 1), "ms")
        figure("not_found_median_ms", round(missing, 1), "ms")
        figure("found_minus_not_found_ms", round(found - missing, 2), "ms")


if __name__ == "__main__":
    main()
