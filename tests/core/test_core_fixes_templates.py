"""Core behaviour the templates package relies on: clashing loader prefixes."""

from __future__ import annotations

import llm
from llm.plugins import pm


class _LoaderPlugin:
    def __init__(self, loader):
        self.loader = loader

    @llm.hookimpl
    def register_template_loaders(self, register):
        register("same", self.loader)


def test_clashing_template_loader_prefix_gets_suffix(capsys):
    def first(name):
        "First loader"
        return llm.Template(name=name, prompt="first")

    def second(name):
        "Second loader"
        return llm.Template(name=name, prompt="second")

    one, two = _LoaderPlugin(first), _LoaderPlugin(second)
    pm.register(one, name="clash-one")
    pm.register(two, name="clash-two")
    try:
        loaders = llm.get_template_loaders()
        assert {loaders["same"], loaders["same_1"]} == {first, second}
        assert "also available as 'same_1'" in capsys.readouterr().err
    finally:
        pm.unregister(name="clash-one")
        pm.unregister(name="clash-two")
    assert "same" not in llm.get_template_loaders()
