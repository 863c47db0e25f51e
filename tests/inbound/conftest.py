"""A wired system on moto with the Zalo Open API mocked by `responses`."""

from __future__ import annotations

import json
import uuid

import pytest
import responses

from tests.conftest import TEST_ENV
from tests.documents import samples

CS_URL = TEST_ENV["ZALO_API_BASE"] + "/v3.0/oa/message/cs"


class ZaloApi:
    """The mocked Open API: records what was sent; can be told to fail."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.sent: list[dict] = []
        self.fail_next: list[dict] = []
        mock.add_callback(responses.POST, CS_URL, callback=self._cs)

    def _cs(self, request):
        if self.fail_next:
            return 200, {}, json.dumps(self.fail_next.pop(0))
        body = json.loads(request.body)
        self.sent.append(body)
        return 200, {}, json.dumps({"error": 0, "data": {"message_id": uuid.uuid4().hex}})

    def texts_to(self, user_id: str) -> list[str]:
        return [m["message"]["text"] for m in self.sent if m["recipient"]["user_id"] == user_id]


@pytest.fixture
def zalo(aws):
    from chalicelib.root import get_token_manager

    get_token_manager().store_initial_pair("access-1", "refresh-1", "90000")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield ZaloApi(mock)


CDN = "http://127.0.0.1:9"  # the allow-listed stand-in host (as `make run` reaches its CDN)


@pytest.fixture
def cdn(zalo, monkeypatch):
    monkeypatch.setenv("ZALO_CDN_HOSTS", "zdn.vn,127.0.0.1")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dichvucong.camau.test")
    from chalicelib.platform.container import reset_all

    reset_all()
    zalo.mock.add(responses.GET, f"{CDN}/a.jpg", body=samples.jpeg(), content_type="image/jpeg")
    zalo.mock.add(responses.GET, f"{CDN}/b.pdf", body=samples.pdf(), content_type="application/pdf")
    zalo.mock.add(responses.GET, f"{CDN}/evil.jpg", body=b"#!/bin/sh\nrm -rf /\n")
    return zalo
