"""Request bodies of the integration API: JSON validated by pydantic models that forbid
unknown fields. A body that fails validation is refused before anything changes."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.api.errors import ApiError

M = TypeVar("M", bound=BaseModel)


def parse(request: Any, model: type[M]) -> M:
    """``model`` read from the request's JSON body. 400 ``malformed_body`` (not a JSON object),
    ``unknown_field`` (a field the contract does not have) or ``invalid_field`` (naming the
    field; the value is never quoted back)."""
    raw = getattr(request, "raw_body", b"") or b""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        for problem in errors:
            if problem["type"] == "extra_forbidden":
                where = ".".join(str(p) for p in problem["loc"])
                raise ApiError(
                    400, "unknown_field", f"Unknown field: {where}.", field=where
                ) from None
        first = errors[0]
        if first["type"] in ("json_invalid", "json_type", "model_type") or (
            not first["loc"] and first["type"] != "value_error"
        ):
            raise ApiError(400, "malformed_body", "The body must be a JSON object.") from None
        # A rule between fields (a model validator) names no one field: "body".
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(400, "invalid_field", f"{where}: {first['msg']}", field=where) from None
