"""Secrets from SSM Parameter Store: fetched through a cache that expires, so a rotated secret
is picked up without a cold start, and not fetched again while the cache holds."""

from __future__ import annotations

from collections import Counter

import pytest

from chalicelib import settings as settings_module
from chalicelib.platform.aws import client
from chalicelib.settings import get_settings

PATH = "/camau-zalo/test"


@pytest.fixture
def ssm_secrets(aws, monkeypatch):
    monkeypatch.setenv("SECRETS_SSM_PATH", PATH)
    monkeypatch.delenv("ZALO_OA_SECRET_KEY")
    ssm = client("ssm")
    ssm.put_parameter(Name=f"{PATH}/ZALO_OA_SECRET_KEY", Value="secret-1", Type="SecureString")
    calls: Counter[str] = Counter()
    ssm.meta.events.register(
        "before-call.ssm.*", lambda event_name, **_: calls.update([event_name.split(".")[-1]])
    )
    return ssm, calls


def _rotate(ssm, value: str) -> None:
    ssm.put_parameter(
        Name=f"{PATH}/ZALO_OA_SECRET_KEY", Value=value, Type="SecureString", Overwrite=True
    )


def test_secrets_come_from_ssm_once_while_the_cache_holds(ssm_secrets):
    ssm, calls = ssm_secrets
    assert get_settings().ZALO_OA_SECRET_KEY.get_secret_value() == "secret-1"
    fetched = calls["GetParametersByPath"]
    assert fetched == 1
    _rotate(ssm, "secret-2")
    assert get_settings().ZALO_OA_SECRET_KEY.get_secret_value() == "secret-1"
    assert calls["GetParametersByPath"] == fetched  # served from the cache


def test_a_rotated_secret_is_picked_up_once_the_cache_expires(ssm_secrets, monkeypatch):
    ssm, _ = ssm_secrets
    monkeypatch.setattr(settings_module, "SECRETS_CACHE_SECONDS", 0)  # expired at once
    first = get_settings()
    assert first.ZALO_OA_SECRET_KEY.get_secret_value() == "secret-1"
    assert get_settings() is first  # unchanged secret: the same settings object
    _rotate(ssm, "secret-2")
    assert get_settings().ZALO_OA_SECRET_KEY.get_secret_value() == "secret-2"
