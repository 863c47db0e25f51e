"""The OpenAPI document: valid OpenAPI 3.1, generated from the models, served, covering every
integration route of the app, and docs/openapi.json is not stale."""

from __future__ import annotations

import json

from chalicelib.api.integration import openapi
from tests.conftest import ROOT


def test_the_document_is_valid_openapi_3_1():
    from openapi_spec_validator import validate

    document = openapi.document()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_docs_openapi_json_is_the_generated_document():
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi.text(), (
        "docs/openapi.json is stale: run `.venv/bin/python -m ops.write_openapi`"
    )


def test_every_integration_route_of_the_app_is_documented():
    from app import app

    documented = {
        (path, method.upper())
        for path, operations in openapi.document()["paths"].items()
        for method in operations
    }
    routes = {
        (path, method)
        for path, entries in app.routes.items()
        if path.startswith("/integration/v1/") and path != "/integration/v1/openapi.json"
        for method in entries
    }
    assert routes == documented


def test_request_models_refuse_unknown_fields_in_the_document():
    schemas = openapi.document()["components"]["schemas"]
    for name in ("DossierEventIn", "DossierIn", "ResultUploadIn", "FeeIn", "ResultIn"):
        assert schemas[name]["additionalProperties"] is False, name


def test_the_document_is_served(aws):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        response = client.http.get("/integration/v1/openapi.json")
    assert response.status_code == 200
    assert json.loads(response.body) == openapi.document()
