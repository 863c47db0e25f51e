"""The guarded download of a citizen's attachment from Zalo's CDN.

Guarantees (each refusal is a :class:`DocumentRejected` with its reason):

- only ``http``/``https`` URLs whose host is on the allow-list (``ZALO_CDN_HOSTS``): an entry
  ``zdn.vn`` (or ``*.zdn.vn``) matches that host and its subdomains; an IP address entry
  matches only itself;
- the host's addresses are resolved first, and a private, loopback, link-local (the cloud
  metadata service at 169.254.169.254), reserved, multicast or unspecified address is refused,
  unless that exact host is an allow-list entry (how ``make run``'s CDN stand-in on 127.0.0.1 is
  reached);
- no automatic redirects: at most :data:`MAX_REDIRECTS` are followed by hand, each target
  checked as above;
- at most ``DOCUMENT_MAX_BYTES``, counted while streaming (Content-Length is only used to refuse
  early, never trusted), within the HTTP timeouts and an overall ``DOCUMENT_DOWNLOAD_SECONDS``.

Residual risk, accepted: ``requests`` resolves the host again when it connects, so a host whose
DNS answer changes between the two lookups could reach another address. Only the allow-listed
domains (Zalo's) are ever resolved, and their DNS is not in an attacker's hands.

URLs are never logged whole: Zalo's CDN links carry access tokens in the query string.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from chalicelib.documents.rejection import DocumentRejected, RejectionReason

if TYPE_CHECKING:
    import requests

MAX_REDIRECTS = 3
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

Resolver = Callable[[str, int], Iterable[str]]


def resolve_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Downloaded:
    """The bytes of a download and what the server declared (never trusted for the type)."""

    data: bytes
    declared_type: str


class AllowList:
    """Hosts attachments may come from. Immutable."""

    def __init__(self, entries: Iterable[str]) -> None:
        cleaned = (e.strip().lower().removeprefix("*.").rstrip(".") for e in entries)
        self._entries = frozenset(e for e in cleaned if e)

    @classmethod
    def from_setting(cls, value: str) -> AllowList:
        """From the comma-separated ``ZALO_CDN_HOSTS``."""
        return cls(value.split(","))

    def allows(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        if _is_ip(host):
            return host in self._entries
        return any(host == e or host.endswith("." + e) for e in self._entries if not _is_ip(e))

    def names_exactly(self, host: str) -> bool:
        return host.lower().rstrip(".") in self._entries


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


class CdnDownloader:
    """Downloads attachments under the guarantees of the module docstring. Thread-safe as far
    as the ``requests`` session is."""

    def __init__(
        self,
        session: requests.Session,
        allow_list: AllowList,
        *,
        max_bytes: int,
        timeout: tuple[float, float],
        total_seconds: float,
        resolver: Resolver = resolve_addresses,
    ) -> None:
        self._session = session
        self._allow = allow_list
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._total_seconds = total_seconds
        self._resolve = resolver

    def check_url(self, url: str) -> None:
        """Raises DocumentRejected unless ``url`` may be fetched (scheme, host, addresses)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise DocumentRejected(RejectionReason.SCHEME_NOT_ALLOWED, parts.scheme)
        host = parts.hostname or ""
        if not host or not self._allow.allows(host):
            raise DocumentRejected(RejectionReason.HOST_NOT_ALLOWED, host)
        if self._allow.names_exactly(host):
            return
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            addresses = list(self._resolve(host, port))
        except (OSError, ValueError) as exc:
            raise DocumentRejected(RejectionReason.UNAVAILABLE, f"resolve {host}") from exc
        if not addresses or not all(_is_public(a) for a in addresses):
            raise DocumentRejected(RejectionReason.ADDRESS_NOT_ALLOWED, host)

    def fetch(self, url: str) -> Downloaded:
        """The bytes at ``url``. Raises DocumentRejected (never a ``requests`` exception)."""
        import requests

        deadline = time.monotonic() + self._total_seconds
        for _ in range(MAX_REDIRECTS + 1):
            self.check_url(url)
            try:
                response = self._session.get(
                    url, stream=True, allow_redirects=False, timeout=self._timeout
                )
            except requests.RequestException as exc:
                raise DocumentRejected(RejectionReason.UNAVAILABLE, type(exc).__name__) from exc
            with response:
                if response.status_code in _REDIRECTS and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status_code != 200:
                    raise DocumentRejected(
                        RejectionReason.UNAVAILABLE, f"HTTP {response.status_code}"
                    )
                data = self._read(response, deadline)
                return Downloaded(data, response.headers.get("Content-Type", ""))
        raise DocumentRejected(RejectionReason.TOO_MANY_REDIRECTS)

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        import requests

        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise DocumentRejected(RejectionReason.TOO_LARGE, f"declared {declared}")
        body = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > self._max_bytes:
                    raise DocumentRejected(RejectionReason.TOO_LARGE)
                if time.monotonic() > deadline:
                    raise DocumentRejected(RejectionReason.UNAVAILABLE, "too slow")
        except requests.RequestException as exc:
            raise DocumentRejected(RejectionReason.UNAVAILABLE, type(exc).__name__) from exc
        if not body:
            raise DocumentRejected(RejectionReason.EMPTY)
        return bytes(body)
