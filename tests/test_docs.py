"""The docs that operators rely on stay true to the code."""

from __future__ import annotations

import re

from chalicelib.settings import Settings
from tests.conftest import ROOT


def _documented_settings() -> dict[str, str]:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| [^|]+ \| ([^|]+) \|$", text, re.M)
    return {name: default.strip() for name, default in rows}


def test_every_setting_is_documented_with_its_default():
    documented = _documented_settings()
    for name, field in Settings.model_fields.items():
        assert name in documented, f"{name} is missing from docs/configuration.md"
        if field.is_required():
            assert "required" in documented[name], name
        elif isinstance(field.default, str | int | float) and not hasattr(
            field.default, "get_secret_value"
        ):
            assert f"`{field.default}`" in documented[name] or (
                field.default == "" and '`""`' in documented[name]
            ), f"{name}: default {field.default!r} not in {documented[name]!r}"


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    block = lines[lines.index("```") + 1 : lines.index("```") + 3]
    assert [line.split()[0:2] for line in block] == [["make", "run"], ["make", "test"]]
