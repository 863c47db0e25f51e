"""Attachments are fetched only from the CDN allow-list, never from inside our network, never
more than the size cap, and redirects are checked hop by hop.

The redirect and address cases run against a real HTTP server on 127.0.0.1 (``requests``
really connects, nothing is mocked); the size and status cases use ``responses``.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import requests
import responses

from chalicelib.documents.download import AllowList, CdnDownloader
from chalicelib.documents.rejection import DocumentRejected, RejectionReason
from tests.documents import samples

MB = 1024 * 1024
PUBLIC = "118.102.0.10"  # what the fake resolver says Zalo's hosts are (a public address)


def public_resolver(host: str, port: int) -> list[str]:
    return [PUBLIC]


def downloader(hosts: str, *, max_bytes: int = 10 * MB, resolver=public_resolver, seconds=5.0):
    return CdnDownloader(
        requests.Session(),
        AllowList.from_setting(hosts),
        max_bytes=max_bytes,
        timeout=(2.0, 2.0),
        total_seconds=seconds,
        resolver=resolver,
    )


def reason_of(call) -> RejectionReason:
    with pytest.raises(DocumentRejected) as refused:
        call()
    return refused.value.reason


# --- the allow-list ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("f21-zpc.zdn.vn", True),
        ("zdn.vn", True),
        ("s120.ava.talk.zadn.vn", True),
        ("ZDN.VN.", True),
        ("evilzdn.vn", False),
        ("zdn.vn.evil.test", False),
        ("127.0.0.1", False),
        ("example.com", False),
    ],
)
def test_a_host_matches_a_listed_domain_or_its_subdomains(host, allowed):
    assert AllowList.from_setting("*.zdn.vn, zadn.vn").allows(host) is allowed


def test_an_ip_entry_matches_only_that_address():
    hosts = AllowList.from_setting("127.0.0.1")
    assert hosts.allows("127.0.0.1")
    assert not hosts.allows("127.0.0.2")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://cdn.evil.test/a.jpg", RejectionReason.HOST_NOT_ALLOWED),
        ("http://169.254.169.254/latest/meta-data/", RejectionReason.HOST_NOT_ALLOWED),
        ("ftp://f21-zpc.zdn.vn/a.jpg", RejectionReason.SCHEME_NOT_ALLOWED),
        ("file:///etc/passwd", RejectionReason.SCHEME_NOT_ALLOWED),
        ("https:///a.jpg", RejectionReason.HOST_NOT_ALLOWED),
    ],
)
def test_urls_outside_the_allow_list_are_refused_before_any_request(url, reason):
    with responses.RequestsMock() as mock:  # fails the test if any request is made
        assert reason_of(lambda: downloader("zdn.vn").fetch(url)) is reason
        assert len(mock.calls) == 0


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.1.10", "169.254.169.254", "::1", "0.0.0.0"]
)
def test_an_allowed_name_resolving_to_an_internal_address_is_refused(address):
    fetcher = downloader("zdn.vn", resolver=lambda host, port: [PUBLIC, address])
    with responses.RequestsMock() as mock:
        reason = reason_of(lambda: fetcher.fetch("https://f21-zpc.zdn.vn/a.jpg"))
        assert len(mock.calls) == 0
    assert reason is RejectionReason.ADDRESS_NOT_ALLOWED


# --- size, status, body (responses) ------------------------------------------------------------


@responses.activate
def test_a_file_within_the_cap_is_returned_with_its_declared_type():
    url = "https://f21-zpc.zdn.vn/docs/abc/to-khai.pdf?token=secret"
    responses.get(url, body=samples.pdf(), content_type="application/pdf")
    got = downloader("zdn.vn").fetch(url)
    assert got.data == samples.pdf()
    assert got.declared_type == "application/pdf"


@responses.activate
def test_a_30_mb_file_is_refused_by_the_10_mb_default_cap():
    url = "https://f21-zpc.zdn.vn/big.pdf"
    responses.get(url, body=b"%PDF-" + b"0" * (30 * MB))
    assert reason_of(lambda: downloader("zdn.vn").fetch(url)) is RejectionReason.TOO_LARGE


@responses.activate
def test_the_cap_is_counted_while_streaming_when_content_length_lies():
    url = "https://f21-zpc.zdn.vn/liar.pdf"
    responses.get(url, body=b"%PDF-" + b"0" * (2 * MB), headers={"Content-Length": "100"})
    fetcher = downloader("zdn.vn", max_bytes=MB)
    assert reason_of(lambda: fetcher.fetch(url)) is RejectionReason.TOO_LARGE


@responses.activate
@pytest.mark.parametrize("status", [403, 404, 500])
def test_an_http_error_is_unavailable(status):
    url = "https://f21-zpc.zdn.vn/gone.jpg"
    responses.get(url, status=status)
    assert reason_of(lambda: downloader("zdn.vn").fetch(url)) is RejectionReason.UNAVAILABLE


@responses.activate
def test_a_network_error_is_unavailable_not_a_requests_exception():
    url = "https://f21-zpc.zdn.vn/a.jpg"
    responses.get(url, body=requests.ConnectionError("reset"))
    assert reason_of(lambda: downloader("zdn.vn").fetch(url)) is RejectionReason.UNAVAILABLE


@responses.activate
def test_an_empty_body_is_refused():
    url = "https://f21-zpc.zdn.vn/empty.jpg"
    responses.get(url, body=b"")
    assert reason_of(lambda: downloader("zdn.vn").fetch(url)) is RejectionReason.EMPTY


# --- redirects and loopback (a real server) ----------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        self.hits.append(self.path)
        if self.path == "/endless":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"0" * 65536
            try:
                for _ in range(400):  # 25 MB, no Content-Length
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        status, headers, body = self.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1; yields (base url, routes). Requests are recorded in
    ``_Handler.hits``."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    _Handler.routes = routes
    _Handler.hits = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    httpd.shutdown()
    httpd.server_close()


def redirect(to: str) -> tuple[int, dict[str, str], bytes]:
    return 302, {"Location": to}, b""


def test_the_exact_allow_listed_loopback_host_is_reached_as_make_run_needs(server):
    base, routes = server
    routes["/files/a.pdf"] = (200, {"Content-Type": "application/pdf"}, samples.pdf())
    got = downloader("zdn.vn,127.0.0.1").fetch(f"{base}/files/a.pdf")
    assert got.data == samples.pdf()


def test_loopback_is_refused_when_it_is_not_listed_exactly(server):
    base, _ = server
    fetcher = downloader("zdn.vn")
    assert reason_of(lambda: fetcher.fetch(f"{base}/files/a.pdf")) is (
        RejectionReason.HOST_NOT_ALLOWED
    )


def test_a_redirect_within_the_allow_list_is_followed(server):
    base, routes = server
    routes["/start"] = redirect("/files/b.jpg")
    routes["/files/b.jpg"] = (200, {}, samples.jpeg())
    assert downloader("127.0.0.1").fetch(f"{base}/start").data == samples.jpeg()


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://localhost:{port}/files/a.pdf",
        "http://127.0.0.2:{port}/files/a.pdf",
        "http://[::1]:{port}/files/a.pdf",
        "https://cdn.evil.test/a.pdf",
    ],
)
def test_a_redirect_off_the_allow_list_is_refused_before_it_is_followed(server, target):
    base, routes = server
    port = base.rsplit(":", 1)[1]
    routes["/start"] = redirect(target.format(port=port))
    routes["/files/a.pdf"] = (200, {}, samples.pdf())
    reason = reason_of(lambda: downloader("127.0.0.1").fetch(f"{base}/start"))
    assert reason is RejectionReason.HOST_NOT_ALLOWED
    assert _Handler.hits == ["/start"]


def test_a_redirect_from_an_allowed_domain_to_loopback_is_refused(server):
    # A Zalo host (public) redirecting to 127.0.0.1, which is not listed: the second hop fails.
    base, routes = server
    routes["/files/a.pdf"] = (200, {}, samples.pdf())
    with responses.RequestsMock() as mock:
        mock.get("https://f21-zpc.zdn.vn/a.pdf", status=302, headers={"Location": base + "/x"})
        reason = reason_of(lambda: downloader("zdn.vn").fetch("https://f21-zpc.zdn.vn/a.pdf"))
    assert reason is RejectionReason.HOST_NOT_ALLOWED
    assert _Handler.hits == []


def test_endless_redirects_stop_after_three(server):
    base, routes = server
    routes["/loop"] = redirect("/loop")
    reason = reason_of(lambda: downloader("127.0.0.1").fetch(f"{base}/loop"))
    assert reason is RejectionReason.TOO_MANY_REDIRECTS
    assert _Handler.hits == ["/loop"] * 4  # the request and the three redirects followed


def test_a_body_without_content_length_is_cut_at_the_cap(server):
    base, _ = server
    fetcher = downloader("127.0.0.1", max_bytes=MB)
    assert reason_of(lambda: fetcher.fetch(f"{base}/endless")) is RejectionReason.TOO_LARGE


def test_a_slow_body_stops_at_the_overall_time_limit(server):
    base, _ = server
    fetcher = downloader("127.0.0.1", max_bytes=100 * MB, seconds=0.000001)
    assert reason_of(lambda: fetcher.fetch(f"{base}/endless")) is RejectionReason.UNAVAILABLE
