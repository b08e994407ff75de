"""llm.lazy.lazy_exports: the one helper behind the lazily imported public names."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throwaway package ``lazypkg`` whose names come from ``lazy_exports``."""
    root = tmp_path / "lazypkg"
    root.mkdir()
    (root / "__init__.py").write_text(
        "from llm.lazy import lazy_exports\n"
        "__getattr__, __dir__ = lazy_exports(\n"
        "    __name__,\n"
        "    {'Thing': 'things'},\n"
        "    optional={'Extra': ('no_such_distribution_module', 'no-such-dist')},\n"
        "    submodules=True,\n"
        ")\n"
    )
    (root / "things.py").write_text("class Thing:\n    pass\n")
    (root / "helpers.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [m for m in sys.modules if m.split(".")[0] == "lazypkg"]:
        del sys.modules[name]


def test_names_load_on_first_use_and_are_cached(package):
    import lazypkg

    assert "lazypkg.things" not in sys.modules
    thing = lazypkg.Thing
    assert thing.__module__ == "lazypkg.things"
    assert vars(lazypkg)["Thing"] is thing  # cached: __getattr__ is not called again
    assert {"Thing", "Extra"} <= set(dir(lazypkg))


def test_submodules_unknown_names_and_missing_distributions(package):
    import lazypkg

    assert lazypkg.helpers.VALUE == 1
    with pytest.raises(
        AttributeError, match="module 'lazypkg' has no attribute 'nope'"
    ):
        lazypkg.nope  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute '_private'"):
        lazypkg._private  # noqa: B018
    with pytest.raises(
        AttributeError, match="provided by the no-such-dist package: pip install"
    ):
        lazypkg.Extra  # noqa: B018


def test_import_llm_stays_free_of_typing():
    code = "import sys, llm\nprint(sorted({'typing', 'pydantic'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
