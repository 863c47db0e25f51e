"""The public lookups, for anyone (a web page, a Zalo Mini App), no sign-in:

- ``GET /public/dossiers/{code}``: the anonymous dossier lookup, like the national portal's.
  Anyone holding a code sees only the procedure name and the status: no personal data. One
  GetItem per call. "Found" and "not found" cost the same time (codes are sequential: a faster
  404 would tell a sweep which codes exist): both run the same code path, one GetItem and one
  anonymous view (of the dossier, or of a stand-in), and both answers are held back until
  ``MIN_DOSSIER_LOOKUP_SECONDS`` after the request started.
- ``GET /public/procedures?q=…&limit=…&offset=…``: ranked procedures, the same search the chat
  uses (the catalogue store's cached index: usually no AWS call, at most one GetItem).
- ``GET /public/procedures/{code}``: one procedure as the chat's card shows it (one GetItem
  plus one per named agency).

Every route is throttled in the API stage (infra/resources.json). Errors are JSON with stable
codes (chalicelib/api/errors.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from chalicelib.api.errors import ApiError
from chalicelib.api.http import guarded

# Well above what a GetItem (a few to a few tens of milliseconds) and the view take.
MIN_DOSSIER_LOOKUP_SECONDS = 0.15
_clock: Callable[[], float] = time.monotonic
_sleep: Callable[[float], None] = time.sleep


def _hold_until(started: float) -> None:
    """Wait until ``MIN_DOSSIER_LOOKUP_SECONDS`` after ``started``."""
    left = started + MIN_DOSSIER_LOOKUP_SECONDS - _clock()
    if left > 0:
        _sleep(left)


def _stand_in(code: str) -> Any:
    """A dossier that does not exist, viewed when the code is unknown (same work as found)."""
    from chalicelib.domain.dossier import AnonymousDossierView, DossierStatus

    status = next(iter(DossierStatus))
    return AnonymousDossierView(
        code=code, procedure_name="", status=status, status_name=status.official_name
    )


@guarded
def get_dossier(code: str) -> tuple[int, dict[str, Any]]:
    """The anonymous view, 400 ``invalid_dossier_code`` or 404 ``dossier_not_found``."""
    from chalicelib.domain.dossier import DOSSIER_CODE_EXAMPLE, normalize_code
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    started = _clock()

    canonical = normalize_code(unquote(code or ""))
    if canonical is None:
        raise ApiError(
            400,
            "invalid_dossier_code",
            "A dossier code looks like " + DOSSIER_CODE_EXAMPLE + ".",
            example=DOSSIER_CODE_EXAMPLE,
        )
    try:
        found = Dossiers(get_table()).get(canonical)
        view = found[0].anonymous_view() if found is not None else _stand_in(canonical)
    finally:
        _hold_until(started)
    if found is None:
        raise ApiError(
            404, "dossier_not_found", "No dossier has this code.", dossier_code=canonical
        )
    return 200, {
        "code": view.code,
        "procedure_name": view.procedure_name,
        "status": int(view.status),
        "status_name": view.status_name,
    }


MAX_QUERY_CHARS = 200
DEFAULT_LIMIT, MAX_LIMIT = 10, 50
_PROCEDURE_CODE = re.compile(r"^[0-9]\.[0-9]{6}$")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII only: int() also reads other scripts' digits


def _whole_number(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    """``params[name]`` as an int in [low, high]; 400 ``invalid_<name>`` otherwise."""
    raw = params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not _WHOLE_NUMBER.fullmatch(text) or not low <= int(text) <= high:
        raise ApiError(
            400,
            f"invalid_{name}",
            f"{name} must be a whole number from {low} to {high}.",
            minimum=low,
            maximum=high,
        )
    return int(text)


def _portal_url(own: str | None) -> str:
    from chalicelib.settings import get_settings

    return own or get_settings().NATIONAL_PORTAL_URL


def _search_index() -> Any:
    from chalicelib.catalogue.store import get_store

    try:
        return get_store().search_index()
    except LookupError:
        raise ApiError(503, "catalogue_unavailable", "No procedure catalogue is loaded.") from None


@guarded
def search_procedures(request: Any) -> tuple[int, dict[str, Any]]:
    """Ranked procedures for ``q``; 400 ``missing_query``, ``query_too_long``,
    ``invalid_limit`` (1..50) or ``invalid_offset``; 503 ``catalogue_unavailable``."""
    from chalicelib.services.lookups import SUBMISSION_IN_CHAT

    params = (request.query_params if request is not None else None) or {}
    query = " ".join((params.get("q") or "").split())
    if not query:
        raise ApiError(400, "missing_query", "Give the words to search for as q.")
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(
            400,
            "query_too_long",
            f"q has at most {MAX_QUERY_CHARS} characters.",
            maximum=MAX_QUERY_CHARS,
        )
    limit = _whole_number(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _whole_number(params, "offset", 0, 0, 10_000)
    page = _search_index().search(query, offset=offset, limit=limit)
    return 200, {
        "query": query,
        "total": page.total,
        "offset": offset,
        "limit": limit,
        "results": [
            {
                "code": hit.code,
                "name": hit.name,
                "field": hit.field or None,
                "agency": hit.agency,
                "submit_via_zalo": hit.submit_via_zalo and SUBMISSION_IN_CHAT,
                "portal_url": _portal_url(hit.portal_url),
            }
            for hit in page.hits
        ],
    }


@guarded
def get_procedure(code: str) -> tuple[int, dict[str, Any]]:
    """One procedure as the chat's card shows it; 400 ``invalid_procedure_code``, 404
    ``procedure_not_found``."""
    from chalicelib.services.lookups import get_lookups

    code = unquote(code or "").strip()
    if not _PROCEDURE_CODE.match(code):
        raise ApiError(
            400,
            "invalid_procedure_code",
            "A national procedure code looks like 1.001193.",
            example="1.001193",
        )
    card = get_lookups().procedure_card(code)
    if card is None:
        raise ApiError(
            404, "procedure_not_found", "No procedure has this code.", procedure_code=code
        )
    body = card.model_dump(mode="json")
    body["submit_via_zalo"] = bool(body.pop("submit_in_zalo", False))
    body["portal_url"] = _portal_url(card.portal_url)
    return 200, body


FAQ_DEFAULT_LIMIT, FAQ_MAX_LIMIT = 5, 20


@guarded
def search_faq(request: Any) -> tuple[int, dict[str, Any]]:
    """Published questions and answers for ``q`` (issue 14; masked texts approved by officers,
    no personal data), best first, with or without diacritics; 400 ``missing_query``,
    ``query_too_long``, ``invalid_limit`` (1..20). A Query of the ``FAQ`` partition at most
    every ``FAQ_CACHE_SECONDS`` per container, matched in memory."""
    from chalicelib.services.feedback import faq_entries, search_faq
    from chalicelib.settings import get_settings
    from chalicelib.storage.feedback import FeedbackStore
    from chalicelib.storage.table import get_table

    params = (request.query_params if request is not None else None) or {}
    query = " ".join((params.get("q") or "").split())
    if not query:
        raise ApiError(400, "missing_query", "Give the words to search for as q.")
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(
            400,
            "query_too_long",
            f"q has at most {MAX_QUERY_CHARS} characters.",
            maximum=MAX_QUERY_CHARS,
        )
    limit = _whole_number(params, "limit", FAQ_DEFAULT_LIMIT, 1, FAQ_MAX_LIMIT)
    settings = get_settings()
    entries = faq_entries(
        FeedbackStore(get_table()), settings.FAQ_MAX_ENTRIES, settings.FAQ_CACHE_SECONDS
    )
    found = search_faq(entries, query, limit)
    return 200, {
        "query": query,
        "results": [
            {
                "ref": e.ref,
                "question": e.question,
                "answer": e.answer,
                "procedure_name": e.procedure_name or None,
                "published_at": e.published_at,
            }
            for e in found
        ],
    }
