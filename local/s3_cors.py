"""The moto server of ``make run`` with S3's own CORS behaviour, so the web form's browser upload
is checked against the bucket's CORS rule from ``infra/resources.json`` as in AWS.

moto's server, out of the box, answers every request with ``Access-Control-Allow-Origin: *``
(flask-cors on every service): any page could post to the bucket and a wrong rule would go
unnoticed. And moto applies the bucket's rules to preflight (OPTIONS) requests only, while S3
also adds the CORS headers to the actual request when a rule matches its origin and method (a
multipart ``POST`` of a presigned form is a "simple" request: there is no preflight, the browser
only reads the POST's own headers).

:class:`LocalMotoServer` turns moto's global CORS off and wraps moto's WSGI application in
:class:`BucketCors`, which does what S3 does for non-OPTIONS requests to an existing bucket
(path-style URLs, as boto3 builds them for a loopback endpoint): the first rule whose allowed
origins and methods match gives ``Access-Control-Allow-Origin: <origin>`` (and its exposed
headers); no matching rule, no CORS header, so the browser refuses to hand the answer to the
page. Requests that do not name a bucket (DynamoDB, SQS...) pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
_VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _matches(origin: str, allowed: list[str]) -> bool:
    from moto.s3.utils import cors_matches_origin

    return cors_matches_origin(origin, allowed)


class BucketCors:
    """WSGI middleware: S3's CORS headers on actual (non-preflight) requests to a bucket."""

    def __init__(self, app: WsgiApp, account_id: str) -> None:
        self.app = app
        self.account_id = account_id

    def _rules(self, bucket: str) -> list[Any] | None:
        """The bucket's CORS rules; None when no such bucket exists (not an S3 request)."""
        from moto.s3.models import s3_backends

        try:
            found = s3_backends[self.account_id]["aws"].buckets.get(bucket)
        except Exception:  # an unusual path: leave the request alone
            return None
        return None if found is None else list(found.cors or [])

    def headers_for(self, path: str, origin: str, method: str) -> list[tuple[str, str]] | None:
        """The CORS headers S3 would add, [] when no rule matches, or None when ``path`` names
        no bucket (the response is then left as moto made it)."""
        bucket = path.lstrip("/").split("/", 1)[0]
        rules = self._rules(bucket) if bucket else None
        if rules is None:
            return None
        for rule in rules:
            methods = [m.upper() for m in rule.allowed_methods or []]
            if method.upper() in methods and _matches(origin, list(rule.allowed_origins or [])):
                headers = [
                    ("Access-Control-Allow-Origin", origin),
                    ("Access-Control-Allow-Methods", ", ".join(methods)),
                    ("Vary", _VARY),
                ]
                if rule.exposed_headers:
                    exposed = ", ".join(rule.exposed_headers)
                    headers.append(("Access-Control-Expose-Headers", exposed))
                return headers
        return []

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        method = str(environ.get("REQUEST_METHOD", "GET"))
        if not origin or method == "OPTIONS":  # preflights: moto applies the bucket's rules
            return self.app(environ, start_response)
        added = self.headers_for(str(environ.get("PATH_INFO", "")), origin, method)
        if added is None:
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept + added, exc_info)

        return self.app(environ, start)


def local_moto_server(host: str, port: int, account_id: str) -> Any:
    """A started-on-demand ``ThreadedMotoServer`` whose S3 follows the buckets' CORS rules."""
    import moto.moto_server.werkzeug_app as werkzeug_app
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    # Read by create_backend_app when each service's app is first built (on its first request).
    werkzeug_app.DISABLE_GLOBAL_CORS = True

    class LocalMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:  # ThreadedMotoServer's, with the middleware
            app = werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app)
            self._server = make_server(
                self._ip_address,
                self._port,
                BucketCors(app, account_id),
                True,
                request_handler=werkzeug_app.MotoRequestHandler,
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return LocalMotoServer(ip_address=host, port=port, verbose=False)
