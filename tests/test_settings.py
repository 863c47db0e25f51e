"""Settings: deployed stages refuse a weak operator secret and an unchecked Official Account."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

from app import app
from chalicelib.settings import ConfigurationError, get_settings, reset_settings
from tests.conftest import ROOT

CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())


def _settings():
    reset_settings()
    return get_settings()


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_the_stage_file_names_each_deployed_stage(stage):
    assert CONFIG["stages"][stage]["environment_variables"]["STAGE"] == stage
    assert "STAGE" not in CONFIG["environment_variables"]  # never a deployed stage by default


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("secret", ["", "short", "x" * 31])
def test_an_operator_secret_under_32_characters_is_an_error_in_deployed_stages(
    monkeypatch, stage, secret
):
    monkeypatch.setenv("STAGE", stage)
    monkeypatch.setenv("OPERATOR_SECRET", secret)
    with pytest.raises(ConfigurationError) as raised:
        _settings()
    assert raised.value.setting == "OPERATOR_SECRET"
    assert "32" in raised.value.problem
    if secret:
        assert secret not in str(raised.value)  # the value is never quoted


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("oa_id", ["", "   "])
def test_an_empty_official_account_id_is_an_error_in_deployed_stages(monkeypatch, stage, oa_id):
    monkeypatch.setenv("STAGE", stage)
    monkeypatch.setenv("OPERATOR_SECRET", "s" * 32)
    monkeypatch.setenv("ZALO_OA_ID", oa_id)
    with pytest.raises(ConfigurationError) as raised:
        _settings()
    assert raised.value.setting == "ZALO_OA_ID"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_deployed_stage_runs_with_a_strong_secret_and_an_oa_id(monkeypatch, stage):
    monkeypatch.setenv("STAGE", stage)
    monkeypatch.setenv("OPERATOR_SECRET", "s" * 32)
    assert stage == _settings().STAGE


@pytest.mark.parametrize("stage", [None, "local", "test"])
def test_local_and_test_stages_keep_the_embedded_defaults(monkeypatch, stage):
    if stage is None:
        monkeypatch.delenv("STAGE", raising=False)
    else:
        monkeypatch.setenv("STAGE", stage)
    monkeypatch.setenv("OPERATOR_SECRET", "")
    monkeypatch.setenv("ZALO_OA_ID", "")
    settings = _settings()
    assert settings.OPERATOR_SECRET.get_secret_value() == ""


def test_the_dev_stage_answers_a_weak_secret_as_a_configuration_error_naming_it(aws, monkeypatch):
    monkeypatch.setenv("OPERATOR_SECRET", "too-short")
    with Client(app, project_dir=str(ROOT), stage_name="dev") as client:
        response = client.http.get("/public/dossiers/000.00.17.H12-261126-0007")
    assert response.status_code == 503
    error = json.loads(response.body)["error"]
    assert error["code"] == "configuration_error"
    assert error["setting"] == "OPERATOR_SECRET"
    assert "too-short" not in response.body.decode()
