"""The plugin system: every hook, every plugin style, failure isolation, LLM_LOAD_PLUGINS."""

import json
import os
import subprocess
import sys
import textwrap
import types
from contextlib import contextmanager

import pytest

import llm
from llm.plugins import call_hook, pm


@contextmanager
def plugin(name, **hooks):
    """Register a throwaway plugin module with the given hook functions."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, llm.hookimpl(function))
    pm.register(module, name=name)
    try:
        yield module
    finally:
        pm.unregister(name=name)


def test_register_models_with_aliases_and_async_twin():
    class Hello(llm.Model):
        model_id = "hello"

        def execute(self, prompt, stream, response, conversation):
            return ["hello world"]

    class AsyncHello(llm.AsyncModel):
        model_id = "hello"

        async def execute(self, prompt, stream, response, conversation):
            yield "async hello"

    def register_models(register):
        register(Hello(), AsyncHello(), aliases=("hw",))

    with plugin("hello-plugin", register_models=register_models):
        assert llm.get_model("hw").prompt("x").text() == "hello world"
        assert "hello" in [m.model_id for m in llm.get_async_models()]
    with pytest.raises(llm.UnknownModelError):
        llm.get_model("hw")  # the registry rebuilt after unregistering


def test_trylast_plugin_sees_model_aliases():
    seen = []

    @llm.hookimpl(trylast=True)
    def register_models(register, model_aliases):
        seen.extend(m.model_id for m in model_aliases)

    module = types.ModuleType("inspector")
    module.register_models = register_models
    pm.register(module, name="inspector")
    try:
        llm.get_models()
    finally:
        pm.unregister(name="inspector")
    assert "mock" in seen and "echo" in seen


def test_failing_hook_is_isolated(capsys):
    def register_models(register):
        raise RuntimeError("broken plugin")

    with plugin("broken", register_models=register_models):
        assert "mock" in [m.model_id for m in llm.get_models()]
        err = capsys.readouterr().err
        assert "Warning: plugin broken failed in register_models: broken plugin" in err


def test_failing_hook_raises_with_llm_raise_errors(monkeypatch):
    def register_models(register):
        raise RuntimeError("broken plugin")

    monkeypatch.setenv("LLM_RAISE_ERRORS", "1")
    with plugin("broken", register_models=register_models):
        with pytest.raises(llm.PluginError, match="broken plugin"):
            llm.get_models()


def test_register_commands_hook():
    click = pytest.importorskip("click")  # llm-core itself does not need click
    from click.testing import CliRunner

    def register_commands(cli):
        @cli.command(name="hello-world")
        def hello_world():
            "Print hello world"
            click.echo("Hello world!")

    group = click.Group()
    with plugin("commands", register_commands=register_commands):
        call_hook("register_commands", cli=group)
    result = CliRunner().invoke(group, ["hello-world"])
    assert result.output == "Hello world!\n"


def test_register_tools_functions_names_and_toolboxes():
    def count_char(text: str, character: str) -> int:
        """Count the number of occurrences of a character in a word."""
        return text.count(character)

    class Counter(llm.Toolbox):
        def add(self, n: int) -> int:
            "Add"
            return n + 1

    def register_tools(register):
        register(count_char, name="count_character_in_word")
        register(Counter)

    with plugin("tool-plugin", register_tools=register_tools):
        tools = llm.get_tools()
        assert tools["count_character_in_word"].implementation("banana", "a") == 3
        assert tools["Counter"] is Counter
        assert "llm_version" in tools
    assert "count_character_in_word" not in llm.get_tools()


def test_template_and_fragment_loaders():
    def template_loader(name):
        "Loads templates"
        return {"name": name}

    def fragment_loader(argument):
        "Loads fragments"
        return llm.Fragment("content " + argument, "mine:" + argument)

    def register_template_loaders(register):
        register("mine", template_loader)

    def register_fragment_loaders(register):
        register("mine", fragment_loader)

    with plugin(
        "loaders",
        register_template_loaders=register_template_loaders,
        register_fragment_loaders=register_fragment_loaders,
    ):
        assert llm.get_template_loaders()["mine"] is template_loader
        fragment = llm.get_fragment_loaders()["mine"]("x")
        assert fragment == "content x" and fragment.source == "mine:x"


def test_register_embedding_models():
    class Fixed(llm.EmbeddingModel):
        model_id = "fixed"

        def embed_batch(self, items):
            return [[1.0, 2.0] for _ in items]

    def register_embedding_models(register):
        register(Fixed(), aliases=("fx",))

    with plugin("embeds", register_embedding_models=register_embedding_models):
        assert llm.get_embedding_model("fx").embed("x") == [1.0, 2.0]


def test_get_plugins_lists_hooks():
    def register_tools(register):
        pass

    with plugin("listed", register_tools=register_tools):
        names = {p["name"]: p for p in llm.get_plugins()}
        assert names["listed"]["hooks"] == ["register_tools"]
        assert "llm.default_plugins.default_tools" not in names
        all_names = {p["name"] for p in llm.get_plugins(all=True)}
        assert "llm.default_plugins.default_tools" in all_names


def test_model_registry_is_cached(monkeypatch):
    calls = []

    def register_models(register):
        calls.append(1)

    with plugin("counter", register_models=register_models):
        llm.get_models()
        llm.get_models()
        llm.get_model("mock")
    assert calls == [1]


# --- subprocess tests: plugin discovery through entry points --------------------


@pytest.fixture
def plugin_env(subprocess_env, tmp_path):
    """A PYTHONPATH with the test plugin plus a plugin that fails to import."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "bad_plugin.py").write_text(
        "raise ImportError('missing dependency frobnicate')\n"
    )
    dist = site / "bad_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: bad-plugin\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text("[llm]\nbad_plugin = bad_plugin\n")
    (site / "hook_fail.py").write_text(
        "import llm\n\n@llm.hookimpl\ndef register_tools(register):\n    raise RuntimeError('no tools today')\n"
    )
    dist = site / "llm_hookfail-0.2.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: llm-hookfail\nVersion: 0.2\n"
    )
    (dist / "entry_points.txt").write_text("[llm]\nhook_fail = hook_fail\n")
    env = dict(subprocess_env)
    env["PYTHONPATH"] = os.pathsep.join([str(site), env["PYTHONPATH"]])
    env.pop("LLM_LOAD_PLUGINS", None)
    return env


MODEL_IDS = (
    "import llm, json; print(json.dumps(sorted(m.model_id for m in llm.get_models())))"
)


def run_python(code, env):
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_plugin_import_failure_warns_and_continues(plugin_env):
    result = run_python(MODEL_IDS, plugin_env)
    assert result.returncode == 0, result.stderr
    assert "mock" in json.loads(result.stdout)
    assert (
        "Warning: plugin bad-plugin failed to load: missing dependency frobnicate"
        in result.stderr
    )


def test_hook_failure_names_the_distribution(plugin_env):
    result = run_python("import llm; print(sorted(llm.get_tools()))", plugin_env)
    assert result.returncode == 0, result.stderr
    assert "llm_version" in result.stdout
    assert (
        "Warning: plugin llm-hookfail failed in register_tools: no tools today"
        in result.stderr
    )


def test_plugin_import_failure_fatal_with_raise_errors(plugin_env):
    result = run_python(MODEL_IDS, {**plugin_env, "LLM_RAISE_ERRORS": "1"})
    assert result.returncode != 0
    assert "frobnicate" in result.stderr


def test_llm_load_plugins_selects(plugin_env):
    none = run_python(MODEL_IDS, {**plugin_env, "LLM_LOAD_PLUGINS": ""})
    assert "mock" not in json.loads(none.stdout)
    assert none.stderr == ""  # the broken plugin was not even imported
    only = run_python(MODEL_IDS, {**plugin_env, "LLM_LOAD_PLUGINS": "llm-test-plugin"})
    assert "mock" in json.loads(only.stdout)
    assert "bad-plugin" not in only.stderr and "hookfail" not in only.stderr


def test_get_plugins_reports_distribution_and_version(plugin_env):
    code = "import llm, json; print(json.dumps(llm.get_plugins()))"
    result = run_python(code, {**plugin_env, "LLM_LOAD_PLUGINS": "llm-test-plugin"})
    assert json.loads(result.stdout) == [
        {
            "name": "llm-test-plugin",
            "hooks": [
                "register_commands",
                "register_embedding_models",
                "register_models",
            ],
            "version": "0.1",
        }
    ]


def test_import_llm_is_lean(subprocess_env):
    code = textwrap.dedent(
        """
        import sys, json
        import llm
        heavy = ["openai", "click", "sqlite_utils", "yaml", "numpy", "httpx", "pydantic", "pluggy"]
        print(json.dumps([m for m in heavy if m in sys.modules]))
        """
    )
    result = run_python(code, subprocess_env)
    assert json.loads(result.stdout) == []


def test_loading_plugins_does_not_import_heavy_sdks(subprocess_env):
    code = textwrap.dedent(
        """
        import sys, json
        import llm
        llm.get_models()
        llm.get_model("mock").prompt("hi").text()
        heavy = ["openai", "sqlite_utils", "numpy", "httpx", "yaml"]
        print(json.dumps([m for m in heavy if m in sys.modules]))
        """
    )
    result = run_python(code, subprocess_env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_default_plugins_are_called_before_installed_ones(plugin_env):
    code = (
        "import llm, json; from llm.plugins import pm; llm.load_plugins();"
        "print(json.dumps([pm.get_name(i.plugin) for i in reversed(pm.hook.register_tools.get_hookimpls())]))"
    )
    result = run_python(code, {**plugin_env, "LLM_LOAD_PLUGINS": "llm-hookfail"})
    order = json.loads(result.stdout)
    assert order.index("llm.default_plugins.default_tools") < order.index("hook_fail")
