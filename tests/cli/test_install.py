"""``llm install`` / ``llm uninstall``: with pip, and in a uv environment without pip.

Each test creates a throwaway environment and installs a tiny plugin wheel
built here (no network). The CLI runs in-process with ``sys.executable``
pointing at that environment, exactly as if llm were installed there.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from llm.cli.commands.plugins import install_args, installer_command

PLUGIN_NAME = "llm-cli-demo-plugin"
MODULE = "llm_cli_demo_plugin"

PLUGIN_CODE = """
import llm


@llm.hookimpl
def register_commands(cli):
    @cli.command(name="demo-hello")
    def demo_hello():
        "Say hello"
        print("hello from the demo plugin")
"""


def build_wheel(directory: Path) -> Path:
    """A minimal pure-Python wheel for the demo plugin, written by hand."""
    dist_info = f"{MODULE}-0.1.dist-info"
    files = {
        f"{MODULE}.py": PLUGIN_CODE.encode(),
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {PLUGIN_NAME}\nVersion: 0.1\n"
        ).encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: llm-tests\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": f"[llm]\ndemo = {MODULE}\n".encode(),
    }
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = directory / f"{MODULE}-0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def env_python(env: Path) -> str:
    return str(env / "bin" / "python")


def can_import(python: str) -> bool:
    """True when the demo plugin is installed in the environment of ``python``."""
    code = f"import importlib.metadata as m; m.version({PLUGIN_NAME!r})"
    return subprocess.run([python, "-c", code], capture_output=True).returncode == 0


@pytest.fixture
def quiet_installers(monkeypatch):
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("UV_OFFLINE", "1")


def test_command_construction(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/env/bin/python")
    assert installer_command("install", use_pip=True) == [
        "/env/bin/python",
        "-m",
        "pip",
        "install",
    ]
    assert install_args(("a", "b"), True, None, True, True, True, use_pip=True) == [
        "--upgrade",
        "--force-reinstall",
        "--no-cache-dir",
        "--pre",
        "a",
        "b",
    ]
    assert install_args((), False, "./plugin", False, True, True, use_pip=False) == [
        "--no-cache",
        "--prerelease",
        "allow",
        "--editable",
        "./plugin",
    ]
    monkeypatch.setenv("UV", "/opt/uv")
    assert installer_command("uninstall", use_pip=False) == [
        "/opt/uv",
        "pip",
        "uninstall",
        "--python",
        "/env/bin/python",
    ]


def test_install_needs_packages(invoke):
    result = invoke(["install"])
    assert result.exit_code == 1
    assert "Name at least one package" in result.stderr


def test_install_and_uninstall_with_pip(
    invoke, tmp_path, monkeypatch, quiet_installers
):
    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    wheel = build_wheel(tmp_path)
    python = env_python(env)
    monkeypatch.setattr(sys, "executable", python)
    result = invoke(["install", str(wheel)])
    assert result.exit_code == 0, result.output
    assert can_import(python)
    result = invoke(["uninstall", PLUGIN_NAME, "-y"])
    assert result.exit_code == 0, result.output
    assert not can_import(python)


def test_install_without_pip_uses_uv(invoke, tmp_path, monkeypatch, quiet_installers):
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    env = tmp_path / "uv-env"
    subprocess.run(
        [uv, "venv", "-q", "--python", sys.executable, str(env)],
        check=True,
        capture_output=True,
    )
    python = env_python(env)
    assert subprocess.run([python, "-c", "import pip"]).returncode != 0
    wheel = build_wheel(tmp_path)
    monkeypatch.setattr(sys, "executable", python)
    result = invoke(["install", str(wheel), "--no-cache-dir"])
    assert result.exit_code == 0, result.output
    assert can_import(python)
    # Without -y uv would not ask, so llm does.
    result = invoke(["uninstall", PLUGIN_NAME], input="n\n")
    assert result.exit_code == 1
    assert can_import(python)
    result = invoke(["uninstall", PLUGIN_NAME], input="y\n")
    assert result.exit_code == 0, result.output
    assert not can_import(python)


def test_failed_install_exit_code(invoke, tmp_path, monkeypatch, quiet_installers):
    result = invoke(["install", str(tmp_path / "missing-1.0-py3-none-any.whl")])
    assert result.exit_code != 0
