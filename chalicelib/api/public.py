"""``GET /public/dossiers/{code}``: the anonymous dossier lookup, like the national portal's.

Anyone holding a code sees only the procedure name and the status: no personal data. The
route is throttled in the API stage (infra/resources.json) so codes cannot be enumerated
cheaply. One GetItem per call.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalicelib.api.errors import ApiError
from chalicelib.api.http import guarded


@guarded
def get_dossier(code: str) -> tuple[int, dict[str, Any]]:
    """The anonymous view, 400 ``invalid_dossier_code`` or 404 ``dossier_not_found``."""
    from chalicelib.domain.dossier import DOSSIER_CODE_EXAMPLE, normalize_code
    from chalicelib.storage.dossiers import Dossiers
    from chalicelib.storage.table import get_table

    canonical = normalize_code(unquote(code or ""))
    if canonical is None:
        raise ApiError(
            400,
            "invalid_dossier_code",
            "A dossier code looks like " + DOSSIER_CODE_EXAMPLE + ".",
            example=DOSSIER_CODE_EXAMPLE,
        )
    found = Dossiers(get_table()).get(canonical)
    if found is None:
        raise ApiError(
            404, "dossier_not_found", "No dossier has this code.", dossier_code=canonical
        )
    view = found[0].anonymous_view()
    return 200, {
        "code": view.code,
        "procedure_name": view.procedure_name,
        "status": int(view.status),
        "status_name": view.status_name,
    }
