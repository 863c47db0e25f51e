"""GET /public/procedures and /public/procedures/{code}: the chat's search as JSON."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from chalice.test import Client

from app import app
from ops import import_catalogue
from tests.conftest import ROOT

DATA = ROOT / "data" / "catalogue"


@pytest.fixture
def catalogue(aws):
    counts = import_catalogue.run(
        [str(DATA / "tthc-sample.json"), str(DATA / "procedures-camau.json")],
        str(DATA / "province-overrides.json"),
        str(DATA / "agencies.json"),
    )
    assert counts.errors == []


def _get(path: str) -> tuple[int, dict]:
    with Client(app, project_dir=str(ROOT), stage_name="dev") as client:
        response = client.http.get(path)
    assert response.headers["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.body)


def test_search_gives_ranked_procedures_with_agency_zalo_flag_and_link(catalogue):
    status, body = _get("/public/procedures?q=" + quote("giấy phép xây dựng") + "&limit=3")
    assert status == 200
    assert body["total"] >= 3 and body["limit"] == 3 and body["offset"] == 0
    assert len(body["results"]) == 3
    first = body["results"][0]
    assert first["code"] == "1.013225"
    assert set(first) == {"code", "name", "field", "agency", "submit_via_zalo", "portal_url"}
    assert first["portal_url"].startswith("https://")


def test_search_is_the_same_search_the_chat_uses(catalogue):
    from chalicelib.services.lookups import get_lookups

    chat = get_lookups().search_procedures("dang ky khai sinh", 0, 5)
    _, body = _get("/public/procedures?q=" + quote("đăng ký khai sinh") + "&limit=5")
    assert [r["code"] for r in body["results"]] == [h.code for h in chat.hits]
    assert body["total"] == chat.total


def test_pages_follow_each_other(catalogue):
    _, first = _get("/public/procedures?q=giay+phep&limit=2")
    _, second = _get("/public/procedures?q=giay+phep&limit=2&offset=2")
    _, both = _get("/public/procedures?q=giay+phep&limit=4")
    codes = [r["code"] for r in first["results"] + second["results"]]
    assert codes == [r["code"] for r in both["results"]]


def test_zalo_submission_is_promised_only_where_the_chat_takes_it(catalogue, monkeypatch):
    from chalicelib.services import lookups

    monkeypatch.setattr(lookups, "SUBMISSION_IN_CHAT", False)
    _, before = _get("/public/procedures?q=1.001193")
    assert before["results"][0]["submit_via_zalo"] is False  # the chat takes none
    monkeypatch.setattr(lookups, "SUBMISSION_IN_CHAT", True)
    _, after = _get("/public/procedures?q=1.001193")
    assert after["results"][0]["submit_via_zalo"] is True  # the province allows this one
    assert after["results"][0]["portal_url"].startswith("https://dichvucong.gov.vn/")
    assert after["results"][0]["agency"]  # the agency the catalogue record names


@pytest.mark.parametrize("limit", ["0", "51", "abc", "-1", "2.5", "", "%C2%B2", "%D9%A3"])
def test_a_bad_limit_is_a_400_with_a_stable_code(catalogue, limit):
    status, body = _get(f"/public/procedures?q=khai+sinh&limit={limit}")
    assert status == 400
    assert body["error"]["code"] == "invalid_limit"
    assert body["error"]["maximum"] == 50


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/public/procedures", "missing_query"),
        ("/public/procedures?q=%20%20", "missing_query"),
        ("/public/procedures?q=" + "a" * 201, "query_too_long"),
        ("/public/procedures?q=khai+sinh&offset=x", "invalid_offset"),
    ],
)
def test_bad_queries_are_400s_with_stable_codes(catalogue, path, code):
    status, body = _get(path)
    assert status == 400 and body["error"]["code"] == code


def test_nothing_found_is_an_empty_list_not_an_error(catalogue):
    status, body = _get("/public/procedures?q=xyzzy+qwerty")
    assert status == 200 and body["results"] == [] and body["total"] == 0


def test_without_a_catalogue_search_is_unavailable(aws):
    status, body = _get("/public/procedures?q=khai+sinh")
    assert status == 503 and body["error"]["code"] == "catalogue_unavailable"


def test_one_procedure_by_code(catalogue):
    status, body = _get("/public/procedures/1.001193")
    assert status == 200
    assert body["code"] == "1.001193" and "khai sinh" in body["name"]
    assert body["submit_via_zalo"] is True and "submit_in_zalo" not in body
    assert body["portal_url"].startswith("https://")
    assert body["documents"]


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [("hello", 400, "invalid_procedure_code"), ("9.999999", 404, "procedure_not_found")],
)
def test_unknown_or_malformed_code(catalogue, code, status, error):
    got, body = _get(f"/public/procedures/{code}")
    assert got == status and body["error"]["code"] == error


def test_public_procedure_routes_are_throttled_in_the_api_stage():
    # Stage throttling lives with the other overrides of Chalice's API (infra/chalice-merge.json);
    # the web ACL limits each IP on top. Same budget as the public dossier lookup, below the
    # stage's default, so a flood of searches cannot starve the webhook.
    template = json.loads((ROOT / "infra" / "chalice-merge.json").read_text())
    settings = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    by_path = {s["ResourcePath"]: s for s in settings}
    lookup, default = by_path["/~1public~1dossiers~1{code}"], by_path["/*"]
    for path in ("/~1public~1procedures", "/~1public~1procedures~1{code}"):
        assert by_path[path]["HttpMethod"] == "GET"
        assert by_path[path]["ThrottlingRateLimit"] == lookup["ThrottlingRateLimit"]
        assert by_path[path]["ThrottlingBurstLimit"] == lookup["ThrottlingBurstLimit"]
        assert by_path[path]["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]
