"""The distributions work when built as wheels and installed into plain virtualenvs.

* llm-core alone: `import llm` works and a prompt runs through a plugin model.
* every wheel: the namespace merges into one `llm` package and `llm --version` runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PLUGINS = ROOT / "tests" / "plugins"

pytestmark = pytest.mark.skipif(shutil.which("uv") is None, reason="needs uv")


def run(args, **kwargs):
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", **kwargs.pop("env", {})}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        args, capture_output=True, text=True, env=env, timeout=600, **kwargs
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheels")
    run(["uv", "build", "--all-packages", "--wheel", "--out-dir", str(out)], cwd=ROOT)
    found = {p.name.split("-")[0]: p for p in out.glob("*.whl")}
    assert set(found) == {
        "llm",
        "llm_core",
        "llm_cli",
        "llm_openai",
        "llm_logs",
        "llm_templates",
        "llm_embeddings",
    }
    return out, found


def make_venv(path: Path) -> Path:
    run(["uv", "venv", "--python", sys.executable, str(path)])
    return path / "bin" / "python"


def test_only_llm_core_runs_a_plugin_prompt(wheels, tmp_path, user_path):
    out, found = wheels
    python = make_venv(tmp_path / "core-venv")
    run(["uv", "pip", "install", "--python", str(python), str(found["llm_core"])])
    code = (
        "import json, sys, importlib.metadata as md, llm\n"
        "dists = sorted(d.metadata['Name'] for d in md.distributions() if d.metadata['Name'].startswith('llm'))\n"
        "text = llm.get_model('echo').prompt('hello from a wheel').text()\n"
        "print(json.dumps({'dists': dists, 'prompt': json.loads(text)['prompt'],\n"
        "  'heavy': [m for m in ('click', 'openai', 'sqlite_utils', 'yaml', 'numpy') if m in sys.modules]}))\n"
    )
    result = run(
        [str(python), "-c", code],
        env={"PYTHONPATH": str(PLUGINS), "LLM_USER_PATH": str(user_path)},
    )
    data = json.loads(result.stdout)
    assert data["dists"] == ["llm-core", "llm-test-plugin"]
    assert data["prompt"] == "hello from a wheel"
    assert data["heavy"] == []


def test_all_wheels_merge_into_one_package(wheels, tmp_path, user_path):
    out, found = wheels
    python = make_venv(tmp_path / "full-venv")
    run(
        [
            "uv",
            "pip",
            "install",
            "--python",
            str(python),
            # Every wheel named explicitly: some of these distribution names are
            # taken on PyPI by unrelated projects, so never let the resolver look there.
            *(str(path) for path in found.values()),
        ]
    )
    site_llm = next((tmp_path / "full-venv").glob("lib/python*/site-packages/llm"))
    assert (site_llm / "__init__.py").exists()
    for sub in (
        "cli",
        "logs",
        "templates",
        "embeddings",
        "default_plugins/openai_models",
    ):
        assert (site_llm / sub).is_dir(), sub
    assert not (site_llm / "default_plugins" / "__init__.py").exists()
    env = {"LLM_USER_PATH": str(user_path), "PYTHONPATH": str(PLUGINS)}
    llm_script = tmp_path / "full-venv" / "bin" / "llm"
    version = run([str(llm_script), "--version"], env=env)
    assert version.stdout.startswith("llm, version ")
    echo = run([str(llm_script), "-m", "echo", "--no-log", "hi there"], env=env)
    assert json.loads(echo.stdout)["prompt"] == "hi there"
