"""``GET /health`` (public liveness) and ``GET /health/ready`` (operators' readiness check).

``/health`` answers 200 ``{"status": "ok"}`` when the function runs: no AWS call, no setting, no
resource name, so anyone may call it, as often as they like, at no cost and learning nothing.

``/health/ready`` needs the operator secret (``X-Operator-Secret``, compared in constant time) and
says whether the configuration is complete and every resource reachable. Each resource is
checked with one cheap call, all in parallel with short timeouts, so the answer comes in well
under a second. Only names and outcomes are reported: no secret, no endpoint credential, no
stack trace.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from chalicelib.api.http import guarded

if TYPE_CHECKING:
    from chalicelib.settings import Settings


def _check_table(settings: Settings) -> str:
    from chalicelib.platform.aws import client

    client("dynamodb").describe_table(TableName=settings.TABLE_NAME)
    return settings.TABLE_NAME


def _check_bucket(settings: Settings) -> str:
    from chalicelib.platform.aws import client

    client("s3").head_bucket(Bucket=settings.DOCUMENTS_BUCKET)
    return settings.DOCUMENTS_BUCKET


def _queue_check(setting_name: str) -> Callable[[Settings], str]:
    def check(settings: Settings) -> str:
        from chalicelib.platform.aws import client

        name: str = getattr(settings, setting_name)
        client("sqs").get_queue_url(QueueName=name)
        return name

    return check


CHECKS = {
    "table": _check_table,
    "documents_bucket": _check_bucket,
    "inbound_queue": _queue_check("INBOUND_QUEUE"),
    "postal_queue": _queue_check("POSTAL_QUEUE"),
}


def _describe(exc: Exception) -> str:
    code = (
        getattr(exc, "response", {}).get("Error", {}).get("Code")
        if hasattr(exc, "response")
        else None
    )
    return code or type(exc).__name__


@guarded
def get(request: Any = None) -> tuple[int, dict[str, Any]]:
    """The ``GET /health`` controller: liveness only (no AWS call, no names)."""
    return 200, {"status": "ok"}


@guarded
def ready(request: Any) -> tuple[int, dict[str, Any]]:
    """The ``GET /health/ready`` controller: :func:`report`, for operators only.

    403 ``operator_disabled`` while OPERATOR_SECRET is empty, 403 ``forbidden`` without the
    right ``X-Operator-Secret``; a configuration error that hides the secret itself is answered
    like on every route (503 ``configuration_error`` naming the setting)."""
    from chalicelib.api.operator import require_operator

    require_operator(request, "health_ready")
    return report()


def report() -> tuple[int, dict[str, Any]]:
    """HTTP status and body: 200 when everything is reachable, else 503 naming what is not."""
    from chalicelib.settings import ConfigurationError, get_settings

    try:
        settings = get_settings()
    except ConfigurationError as exc:
        return 503, {
            "status": "error",
            "configuration": {"ok": False, "setting": exc.setting, "problem": exc.problem},
        }
    results: dict[str, Any] = {}
    with ThreadPoolExecutor(max_workers=len(CHECKS)) as pool:
        futures = {name: pool.submit(check, settings) for name, check in CHECKS.items()}
        for name, future in futures.items():
            try:
                results[name] = {"ok": True, "name": future.result(timeout=3)}
            except Exception as exc:
                results[name] = {"ok": False, "error": _describe(exc)}
    ok = all(r["ok"] for r in results.values())
    body = {
        "status": "ok" if ok else "degraded",
        "configuration": {"ok": True},
        "resources": results,
    }
    return (200 if ok else 503), body
