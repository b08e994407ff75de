"""The registry in a long-running process: cached, yet fresh and isolated per caller."""

from __future__ import annotations

import json
import os
import types

import pytest

import llm
from llm.plugins import pm


class Configured(llm.Model):
    """A model whose ID a plugin read from a file in the user directory."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def execute(self, prompt, stream, response, conversation=None):
        yield self.model_id


@pytest.fixture
def config_plugin():
    """A plugin registering one model per line of demo-models.json; counts its builds."""
    plugin = types.SimpleNamespace(builds=0)

    @llm.hookimpl
    def register_models(register):
        plugin.builds += 1
        path = llm.user_dir() / "demo-models.json"
        for model_id in json.loads(path.read_text()) if path.exists() else []:
            register(Configured(model_id), aliases=[f"{model_id}-alias"])

    plugin.register_models = register_models
    pm.register(plugin, name="config-demo")
    try:
        yield plugin
    finally:
        pm.unregister(name="config-demo")


def test_registry_is_built_once_while_nothing_changes(config_plugin):
    llm.get_model("mock")
    builds = config_plugin.builds
    for _ in range(3):
        llm.get_model("mock")
        llm.get_models()
    assert config_plugin.builds == builds


def test_a_model_added_to_a_config_file_is_seen_next_lookup(config_plugin, user_path):
    with pytest.raises(llm.UnknownModelError):
        llm.get_model("late")
    (user_path / "demo-models.json").write_text(json.dumps(["late"]))
    assert llm.get_model("late").model_id == "late"
    assert llm.get_model("late-alias").model_id == "late"


def test_switching_llm_user_path_switches_registry(
    config_plugin, tmp_path, monkeypatch
):
    first, second = tmp_path / "first", tmp_path / "second"
    for directory, ids in ((first, ["one"]), (second, ["two"])):
        directory.mkdir()
        (directory / "demo-models.json").write_text(json.dumps(ids))
    monkeypatch.setenv("LLM_USER_PATH", str(first))
    assert llm.get_model("one").model_id == "one"
    monkeypatch.setenv("LLM_USER_PATH", str(second))
    assert llm.get_model("two").model_id == "two"
    with pytest.raises(llm.UnknownModelError):
        llm.get_model("one")


def test_edited_aliases_and_default_model_files_are_seen(user_path):
    (user_path / "aliases.json").write_text(json.dumps({"fresh": "echo"}))
    assert llm.get_model("fresh").model_id == "echo"
    (user_path / "default_model.txt").write_text("mock")
    assert llm.get_model().model_id == "mock"
    (user_path / "default_model.txt").write_text("echo")
    assert llm.get_model().model_id == "echo"


def test_attributes_set_by_one_caller_do_not_reach_the_next(monkeypatch):
    first = llm.get_model("keyed")
    first.key = "caller-one-key"
    first.custom_setting = True
    second = llm.get_model("keyed")
    assert second.key is None
    assert not hasattr(second, "custom_setting")
    monkeypatch.setenv("LLM_TEST_KEY", "from-env")
    assert second.prompt("hi").text() == "key=from-env"
    assert first.prompt("hi").text() == "key=caller-one-key"
    async_model = llm.get_async_model("mock")
    async_model.key = "x"
    assert llm.get_async_model("mock").key is None


def test_embedding_models_are_isolated_too():
    model = llm.get_embedding_model("embed-demo")
    model.batch_size = 1
    assert llm.get_embedding_model("embed-demo").batch_size != 1


def test_one_call_hands_out_one_object_per_model():
    aliases = llm.get_model_aliases()
    assert aliases["mock"] is aliases["scripted"]
    entry = next(e for e in llm.get_models_with_aliases() if e.model_id == "mock")
    assert entry.model.model_id == entry.async_model.model_id == "mock"


def test_registry_survives_an_unreadable_user_directory_entry(user_path):
    # A dangling symlink named like a config file is skipped, not an error.
    os.symlink(user_path / "missing.json", user_path / "broken.json")
    assert llm.get_model("mock").model_id == "mock"


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
