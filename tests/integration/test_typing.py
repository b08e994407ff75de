"""mypy is clean on llm-core, and what ``llm.get_model()`` returns is typed for users.

The tox lint environment runs the same check; this test makes CI run it too.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.source_scan import PACKAGES, ROOT

pytest.importorskip("mypy")

PROBE = """\
import llm

model = llm.get_model("mock")
reveal_type(model)
reveal_type(model.prompt("hi"))
reveal_type(llm.get_async_model("mock"))
reveal_type(llm.get_embedding_model("demo"))
"""


def test_mypy_is_clean_on_llm_core_and_get_model_is_typed(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(PACKAGES / "llm-core" / "src" / "llm"),
            str(probe),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    lines = result.stdout.splitlines()
    errors = [line for line in lines if ": error:" in line]
    assert errors == [], result.stdout
    revealed = [
        line.split("Revealed type is ")[1] for line in lines if "Revealed" in line
    ]
    assert revealed == [
        '"llm.models.Model | llm.models.KeyModel"',
        '"llm.response.Response"',
        '"llm.models.AsyncModel | llm.models.AsyncKeyModel"',
        '"llm.embedding_model.EmbeddingModel"',
    ], result.stdout
