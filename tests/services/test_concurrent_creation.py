"""Concurrent creations against a moto *server* (in-process moto is not atomic under threads):
the sequence hands out each number once, and a submission confirmed many times at once creates
one dossier.

moto's threaded server is not safe either: a transaction iterating a table while another request
writes it fails with "dictionary changed size during iteration" (moto 5.2). The server here takes
connections concurrently but handles one request at a time, which is exactly the guarantee
DynamoDB gives each call (atomic), and no more: the creations still interleave between calls.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from chalicelib.platform.aws import client
from chalicelib.platform.container import reset_all
from chalicelib.root import get_submission_service
from chalicelib.storage.dossiers import Dossiers
from chalicelib.storage.table import get_table
from tests.conftest import TEST_ENV
from tests.services.drafts import AGENCY, OWNER, THURSDAY_MORNING, draft

CREATIONS = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _OneRequestAtATime:
    """A WSGI app that handles one request at a time (each AWS call atomic, as in AWS)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Any) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


@pytest.fixture
def moto_server(monkeypatch) -> Iterator[None]:
    """A moto server on a free loopback port holding the template's resources."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from local.resources import create_all

    app = _OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        "127.0.0.1", free_port(), app, threaded=True, request_handler=MotoRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    requests.post(f"{url}/moto-api/reset", timeout=5).raise_for_status()  # moto state is global
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    # This server answers one request at a time, so on a loaded machine a call can wait in its
    # queue longer than the product's 5 s read timeout; botocore would then retry a counter
    # ADD that already happened (a gap no real DynamoDB latency causes). Queueing is not latency.
    import chalicelib.platform.aws as aws

    monkeypatch.setattr(aws, "_READ_TIMEOUT", 120)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dichvucong.camau.test")
    reset_all()
    try:
        create_all(
            {"dynamodb": client("dynamodb"), "s3": client("s3"), "sqs": client("sqs")},
            {"DocumentsBucketName": TEST_ENV["DOCUMENTS_BUCKET"]},
        )
        yield
    finally:
        reset_all()
        requests.post(f"{url}/moto-api/reset", timeout=5)
        server.shutdown()
        server.server_close()


def test_200_concurrent_creations_get_200_distinct_consecutive_codes(moto_server):
    service = get_submission_service()
    with ThreadPoolExecutor(max_workers=20) as pool:
        receipts = list(
            pool.map(
                lambda n: service.create_dossier(draft(), f"sub-{n}", THURSDAY_MORNING),
                range(CREATIONS),
            )
        )
    codes = sorted(r.code for r in receipts)
    assert codes == [f"{AGENCY}-261126-{n:04d}" for n in range(1, CREATIONS + 1)]
    dossiers = Dossiers(get_table())
    assert all(dossiers.get(code) is not None for code in codes[:: CREATIONS // 10])


def test_one_submission_confirmed_20_times_at_once_creates_one_dossier(moto_server):
    service = get_submission_service()
    with ThreadPoolExecutor(max_workers=20) as pool:
        receipts = list(
            pool.map(
                lambda _: service.create_dossier(draft(), "sub-x", THURSDAY_MORNING), range(20)
            )
        )
    assert len({r.code for r in receipts}) == 1
    mine = Dossiers(get_table()).of_owner(OWNER, limit=50)
    assert [d.code for d in mine] == [receipts[0].code]
