"""How long `make run` spends loading the catalogue (2,395 national services + the Cà Mau
details), against a moto server over HTTP as `make run` does.

Figures: reading and merging the files; the first import into an empty table; a second,
unchanged import (what every later start of a persistent store would pay); items written.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from _moto import ROOT, prepare_environment


def figure(metric: str, value: float, unit: str) -> None:
    print(json.dumps({"bench": "catalogue_seed", "metric": metric, "value": value, "unit": unit}))


def main() -> int:
    from moto.server import ThreadedMotoServer

    prepare_environment()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
    try:
        from chalicelib.catalogue.sample import load_catalogue
        from chalicelib.catalogue.store import get_store
        from chalicelib.platform.aws import client
        from local.resources import create_all

        create_all(
            {name: client(name) for name in ("dynamodb", "s3", "sqs", "kms")},
            {"DocumentsBucketName": os.environ["DOCUMENTS_BUCKET"]},
        )
        started = time.perf_counter()
        agencies, report = load_catalogue(ROOT / "data" / "catalogue")
        figure("read_and_merge", round(time.perf_counter() - started, 2), "s")
        figure("procedures", len(report.procedures), "count")
        started = time.perf_counter()
        first = get_store().import_catalogue(agencies, report.procedures)
        figure("first_import", round(time.perf_counter() - started, 2), "s")
        figure("first_import_written", first.written, "items")
        started = time.perf_counter()
        again = get_store().import_catalogue(agencies, report.procedures)
        figure("unchanged_import", round(time.perf_counter() - started, 2), "s")
        figure("unchanged_import_written", again.written, "items")
    finally:
        server.stop()
    print(f"catalogue_seed: moto server at port {port}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
