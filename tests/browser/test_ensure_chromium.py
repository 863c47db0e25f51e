"""``make test`` never runs without the browser test: ops/ensure-chromium.sh installs Chromium
(root with apt-get) or stops with one line naming the command; the test itself fails, never
skips, when no Chromium can be found. Commands are stand-ins on a PATH of our own: no network."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "ops" / "ensure-chromium.sh"


def shim(directory: Path, name: str, body: str) -> Path:
    path = directory / name
    path.write_text(f"#!/bin/bash\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def run(path_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={"PATH": str(path_dir), **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_without_chromium_and_without_root_it_stops_with_one_line(tmp_path: Path) -> None:
    shim(tmp_path, "id", "echo 1000")
    shim(tmp_path, "apt-get", f"touch {tmp_path}/apt-called")
    done = run(tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install -y chromium" in lines[0], done.stderr
    assert not (tmp_path / "apt-called").exists()


def test_as_root_it_installs_the_debian_package(tmp_path: Path) -> None:
    shim(tmp_path, "id", "echo 0")
    shim(
        tmp_path,
        "apt-get",
        f'echo "$@" >> {tmp_path}/apt-args\n'
        f'[ "$1" = install ] && printf "#!/bin/bash\\n" > {tmp_path}/chromium '
        f"&& /bin/chmod +x {tmp_path}/chromium\nexit 0",
    )
    done = run(tmp_path)
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "apt-args").read_text().splitlines()
    assert calls[0].startswith("update")
    assert calls[1].startswith("install") and " chromium " in f"{calls[1]} "


def test_as_root_a_failed_install_stops_with_one_line(tmp_path: Path) -> None:
    shim(tmp_path, "id", "echo 0")
    shim(tmp_path, "apt-get", "exit 100")
    done = run(tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "chromium" in done.stderr


def test_an_installed_chromium_or_a_given_one_is_used_as_is(tmp_path: Path) -> None:
    shim(tmp_path, "apt-get", "exit 100")
    browser = shim(tmp_path, "chromium", "exit 0")
    assert run(tmp_path).returncode == 0
    assert run(tmp_path, CHROMIUM=str(browser)).returncode == 0
    wrong = run(tmp_path, CHROMIUM=str(tmp_path / "nowhere"))
    assert wrong.returncode == 2 and "CHROMIUM" in wrong.stderr


def test_the_browser_test_fails_rather_than_skips_without_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.browser.test_webform_browser import chromium_path

    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium_path()
