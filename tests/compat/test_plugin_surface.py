"""Every name published plugins use from ``llm`` resolves in our packages.

plugin_surface.json is written by scripts/plugin_surface.py from the newest
release of each plugin on PyPI; these tests read only that file (no network).
Names that are private or not in their module's public API must be listed in
``llm.compat``, with the plugins that use them.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from llm import compat

DATA = json.loads((Path(__file__).parent / "plugin_surface.json").read_text())

# Names a plugin uses that no release of the original LLM ever had either: the
# plugin fails on that code path everywhere, so we do not invent them.
NOT_IN_ANY_LLM = {
    "llm.LLMError": "llm-huggingface raises it when no key is set",
    "llm.MissingKeyError": "llm-fal raises it when no key is set",
    "llm.set_key": "llm-fal's `llm fal auth KEY` command calls it",
}


def resolve(dotted: str) -> Any:
    """The object a dotted name refers to, importing submodules on the way."""
    parts = dotted.split(".")
    obj: Any = importlib.import_module(parts[0])
    for index, part in enumerate(parts[1:], start=2):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[:index]))
    return obj


def owning_module(dotted: str) -> tuple[Any, list[str]]:
    """The deepest importable module in ``dotted`` and the attribute path after it."""
    parts = dotted.split(".")
    for index in range(len(parts), 0, -1):
        try:
            return importlib.import_module(".".join(parts[:index])), parts[index:]
        except ImportError:
            continue
    raise AssertionError(dotted)


def is_public(dotted: str) -> bool:
    """Part of our designed API: no underscore, in ``__all__`` (or defined there)."""
    if any(part.startswith("_") for part in dotted.split(".")):
        return False
    module, rest = owning_module(dotted)
    if not rest:
        return True
    declared = getattr(module, "__all__", None)
    if declared is not None:
        return rest[0] in declared
    value = getattr(module, rest[0])
    return getattr(value, "__module__", module.__name__) == module.__name__


def test_the_scan_covers_the_well_known_plugins():
    assert len(DATA["plugins"]) >= 40
    for name in (
        "llm-anthropic",
        "llm-gemini",
        "llm-openrouter",
        "llm-ollama",
        "llm-mistral",
        "llm-gpt4all",
        "llm-cluster",
        "llm-fragments-github",
        "llm-tools-quickjs",
        "llm-templates-github",
    ):
        assert name in DATA["plugins"], name


@pytest.mark.parametrize(
    "dotted", sorted(n for n in DATA["names"] if n not in NOT_IN_ANY_LLM)
)
def test_name_used_by_plugins_resolves(dotted):
    assert resolve(dotted) is not None


def test_names_no_llm_ever_had_are_still_used():
    # An entry whose plugin stopped using the name should leave the list.
    assert set(NOT_IN_ANY_LLM) <= set(DATA["names"])


def test_names_outside_the_public_api_are_in_the_compat_table():
    private = {
        name
        for name in DATA["names"]
        if name not in NOT_IN_ANY_LLM and not is_public(name)
    }
    assert private - set(compat.PLUGIN_SHIMS) == set()


@pytest.mark.parametrize("dotted", sorted(compat.PLUGIN_SHIMS))
def test_compat_table_names_the_plugins_the_scan_found(dotted):
    assert list(compat.PLUGIN_SHIMS[dotted]) == DATA["names"].get(dotted)


@pytest.mark.parametrize("dotted", sorted(compat.kept_names()))
def test_every_kept_name_resolves(dotted):
    assert resolve(dotted) is not None


def test_reasoning_effort_enum_accepts_the_documented_values():
    from llm.default_plugins.openai_models import ReasoningEffortEnum

    # llm-openrouter declares `reasoning_effort: Optional[ReasoningEffortEnum]`
    assert [e.value for e in ReasoningEffortEnum] == [
        "none",
        "minimal",
        "low",
        "medium",
        "high",
        "xhigh",
        "max",
    ]
    assert ReasoningEffortEnum("high") == "high"
