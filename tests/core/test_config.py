"""user_dir, keys, aliases and default models."""

import json
import os
import stat
import sys
import time
from pathlib import Path

import pytest

import llm
from llm.keys import load_keys, set_key


def test_user_dir_honours_env(user_path):
    assert llm.user_dir() == user_path


def test_user_dir_platform_default(monkeypatch, tmp_path):
    monkeypatch.delenv("LLM_USER_PATH")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    path = llm.user_dir()
    if sys.platform == "darwin":
        assert path == tmp_path / "Library/Application Support/io.datasette.llm"
    elif sys.platform.startswith("linux"):
        assert path == tmp_path / ".config" / "io.datasette.llm"
    assert path.is_dir()


def test_user_dir_is_made_once_and_follows_the_environment(
    user_path, tmp_path, monkeypatch
):
    made = []
    real_mkdir = Path.mkdir

    def recording_mkdir(self, *args, **kwargs):
        made.append(self)
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", recording_mkdir)
    assert llm.user_dir() == llm.user_dir() == user_path
    assert made == []  # it exists: no mkdir on every call
    moved = tmp_path / "elsewhere"
    monkeypatch.setenv("LLM_USER_PATH", str(moved))
    assert llm.user_dir() == moved and moved.is_dir()
    moved.rmdir()  # removed while the process runs: made again
    assert llm.user_dir().is_dir()


def test_keys_file_is_read_again_only_when_it_changes(user_path):
    from llm.jsonfiles import read_json_cached

    set_key("openai", "sk-1")
    path = user_path / "keys.json"
    # Just written: read every time, as it may change again within a clock tick.
    assert read_json_cached(path) is not read_json_cached(path)
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    assert read_json_cached(path) is read_json_cached(path)  # settled: not re-read
    assert load_keys()["openai"] == "sk-1"
    # Edited in place by hand, to the same length: the next prompt sees it.
    text = path.read_text()
    path.write_text(text.replace("sk-1", "sk-2"))
    assert load_keys()["openai"] == "sk-2"
    set_key("openai", "sk-3")  # written by llm (renamed into place)
    assert load_keys()["openai"] == "sk-3"
    path.unlink()
    assert load_keys() == {}


def test_keys_written_0600_and_note(user_path):
    set_key("openai", "sk-1")
    path = user_path / "keys.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["openai"] == "sk-1"
    assert "// Note" in data
    set_key("other", "x")
    assert load_keys() == {"openai": "sk-1", "other": "x"}


def test_get_key_resolution_order(user_path, monkeypatch):
    set_key("github", "stored")
    monkeypatch.setenv("GITHUB_TOKEN", "from-env")
    assert (
        llm.get_key(input="explicit", alias="github", env="GITHUB_TOKEN") == "explicit"
    )
    assert llm.get_key(input="github") == "stored"  # input naming a stored key
    assert llm.get_key(alias="github", env="GITHUB_TOKEN") == "stored"
    assert llm.get_key(alias="missing", env="GITHUB_TOKEN") == "from-env"
    assert llm.get_key(alias="missing") is None
    # older positional form: (explicit_key, key_alias, env_var)
    assert llm.get_key(None, "github", "GITHUB_TOKEN") == "stored"


def test_corrupt_keys_file_is_a_clear_error_and_untouched(user_path):
    path = user_path / "keys.json"
    path.write_text("{not json")
    with pytest.raises(llm.ConfigError, match="keys.json is not valid JSON"):
        llm.get_key(alias="openai")
    with pytest.raises(llm.ConfigError):
        set_key("openai", "sk")
    assert path.read_text() == "{not json"


def test_key_model_key_order(user_path, monkeypatch):
    model = llm.get_model("keyed")
    with pytest.raises(llm.NeedsKeyException, match="llm keys set testkey"):
        model.prompt("hi").text()
    monkeypatch.setenv("LLM_TEST_KEY", "env-key")
    assert model.prompt("hi").text() == "key=env-key"
    set_key("testkey", "stored-key")
    assert model.prompt("hi").text() == "key=stored-key"
    model.key = "attribute-key"
    try:
        assert model.prompt("hi").text() == "key=attribute-key"
        assert model.prompt("hi", key="param-key").text() == "key=param-key"
        set_key("named", "named-value")
        assert model.prompt("hi", key="named").text() == "key=named-value"
    finally:
        model.key = None


def test_missing_key_can_be_retried(user_path, monkeypatch):
    response = llm.get_model("keyed").prompt("hi")
    with pytest.raises(llm.NeedsKeyException):
        response.text()
    monkeypatch.setenv("LLM_TEST_KEY", "late")
    assert response.text() == "key=late"


def test_set_and_remove_alias(user_path):
    llm.set_alias("fast", "mock")
    assert json.loads((user_path / "aliases.json").read_text()) == {"fast": "mock"}
    assert llm.get_model("fast").model_id == "mock"
    llm.set_alias("quick", "fast")  # alias of an alias resolves to the model ID
    assert json.loads((user_path / "aliases.json").read_text())["quick"] == "mock"
    assert "fast" in [
        m
        for e in llm.get_models_with_aliases()
        if e.model_id == "mock"
        for m in e.aliases
    ]
    llm.remove_alias("fast")
    with pytest.raises(KeyError):
        llm.remove_alias("fast")
    with pytest.raises(llm.UnknownModelError):
        llm.get_model("fast")


def test_plugin_alias_works(user_path):
    assert llm.get_model("scripted").model_id == "mock"


def test_invalid_aliases_file_is_refused_and_left_alone(user_path, capsys):
    # The same rule as `llm aliases set` (docs/usage.md): nothing is replaced.
    path = user_path / "aliases.json"
    path.write_text("[broken")
    assert llm.get_models()  # reading with a broken file warns but works
    assert "aliases.json" in capsys.readouterr().err
    with pytest.raises(llm.ConfigError) as raised:
        llm.set_alias("fast", "mock")
    assert "not valid JSON" in str(raised.value)
    assert path.read_text() == "[broken"
    assert not list(user_path.glob("*.bak*"))


def test_remove_alias_from_an_unreadable_file_is_a_key_error(user_path):
    path = user_path / "aliases.json"
    path.write_text("[broken")
    with pytest.raises(KeyError) as raised:
        llm.remove_alias("fast")
    assert "not valid JSON" in str(raised.value)
    assert path.read_text() == "[broken"  # left for the user to look at


def test_default_models(user_path):
    assert llm.get_default_model() == "gpt-4o-mini"
    assert llm.get_default_model(default=None) is None
    llm.set_default_model("mock")
    assert llm.get_default_model() == "mock"
    assert llm.get_model().model_id == "mock"
    assert (user_path / "default_model.txt").read_text() == "mock"
    assert llm.get_default_embedding_model() is None
    llm.set_default_embedding_model("demo")
    assert llm.get_default_embedding_model() == "demo"
    assert llm.get_embedding_model().model_id == "embed-demo"
    llm.set_default_embedding_model(None)
    assert not Path(user_path / "default_embedding_model.txt").exists()


def test_embedding_model_api():
    model = llm.get_embedding_model("demo")
    vector = model.embed("hello")
    assert len(vector) == 16
    assert model.embed(b"\x00\x01") != vector
    vectors = list(model.embed_multi(["a", "b", "c"], batch_size=2))
    assert len(vectors) == 3 and vectors[0] == model.embed("a")
    with pytest.raises(llm.UnknownModelError):
        llm.get_embedding_model("nope")


def test_encode_decode_round_trip():
    values = [0.5, -1.25, 3.0]
    blob = llm.encode(values)
    assert len(blob) == 12
    assert blob[:4] == b"\x00\x00\x00?"  # little-endian float32
    assert list(llm.decode(blob)) == values


def test_set_alias_resolves_embedding_model_aliases(user_path):
    llm.set_alias("emb", "demo")
    assert json.loads((user_path / "aliases.json").read_text()) == {"emb": "embed-demo"}
    assert llm.get_embedding_model("emb").model_id == "embed-demo"


def test_compatibility_names():
    from llm.keys import load_keys
    from llm.plugins import pm

    assert llm.pm is pm
    assert llm.load_keys is load_keys
