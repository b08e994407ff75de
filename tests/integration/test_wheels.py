"""The distributions work when built as wheels and installed into plain virtualenvs.

* llm-core alone: `import llm` works and a prompt runs through a plugin model.
* every wheel: the namespace merges into one `llm` package and `llm --version` runs.
* `uv tool install` of the `llm` metapackage gives the whole command, and
  `llm install` adds published plugins (committed wheels in plugin_wheels/) to it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PLUGINS = ROOT / "tests" / "plugins"
PLUGIN_WHEELS = Path(__file__).parent / "plugin_wheels"

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


def openrouter_cache(user_path: Path) -> None:
    """The model list llm-openrouter caches, fresh enough that it is not refetched."""
    models = [
        {
            "id": "openai/gpt-4o-mini",
            "architecture": {"input_modalities": ["text", "image"]},
            "supported_parameters": ["tools", "structured_outputs"],
        },
        {
            "id": "deepseek/deepseek-r1",
            "architecture": {"input_modalities": ["text"]},
            "supported_parameters": ["reasoning"],
        },
    ]
    cache = user_path / "openrouter_models.json"
    cache.write_text(json.dumps({"data": models}))
    now = time.time()
    os.utime(cache, (now, now))


def test_uv_tool_install_then_llm_install_plugins(wheels, tmp_path, user_path):
    out, found = wheels
    env = {
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
        "LLM_USER_PATH": str(user_path),
        "OPENROUTER_KEY": "sk-or-test",
    }
    # The sibling wheels are given explicitly: several of these distribution names
    # belong to unrelated projects on PyPI.
    siblings = [
        arg
        for name, path in found.items()
        if name != "llm"
        for arg in ("--with", str(path))
    ]
    run(
        [
            "uv",
            "tool",
            "install",
            "--python",
            sys.executable,
            str(found["llm"]),
            *siblings,
        ],
        env=env,
        cwd=tmp_path,
    )
    llm = str(tmp_path / "bin" / "llm")
    assert run([llm, "--version"], env=env).stdout.startswith("llm, version ")
    assert "OpenAI Chat: gpt-4o-mini" in run([llm, "models"], env=env).stdout
    assert "text-embedding-3-small" in run([llm, "embed-models"], env=env).stdout
    assert run([llm, "templates", "list"], env=env).stdout == ""

    openrouter_cache(user_path)
    wheels_to_add = sorted(str(p) for p in PLUGIN_WHEELS.glob("*.whl"))
    run([llm, "install", *wheels_to_add], env=env)

    plugins = {p["name"]: p for p in json.loads(run([llm, "plugins"], env=env).stdout)}
    assert plugins["llm-openrouter"]["version"] == "0.7.1"
    assert "register_models" in plugins["llm-openrouter"]["hooks"]
    assert plugins["llm-fragments-github"]["hooks"] == ["register_fragment_loaders"]

    listed = run([llm, "models"], env=env)
    assert "openrouter/openai/gpt-4o-mini" in listed.stdout
    assert "openrouter/deepseek/deepseek-r1" in listed.stdout
    assert "Warning" not in listed.stderr
    # The reasoning option is llm-openrouter's own, typed with our ReasoningEffortEnum.
    options = run(
        [llm, "models", "--options", "-m", "openrouter/deepseek/deepseek-r1"], env=env
    )
    assert "reasoning_effort" in options.stdout
    loaders = run([llm, "fragments", "loaders"], env=env)
    assert "github:" in loaders.stdout and "Warning" not in loaders.stderr
