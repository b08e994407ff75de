"""Keys kept outside keys.json: the system keychain (keyring) and key commands.

The keychain is keyring's API with an in-memory backend plugged in; key
commands run as real subprocesses through the shell.
"""

from __future__ import annotations

import json
import sys

import pytest

import llm
from llm.errors import KeySourceError, NeedsKeyException
from llm.key_sources import (
    key_sources_path,
    load_key_sources,
    run_key_command,
    set_key_command,
    store_in_keyring,
)
from llm.keys import get_key, key_names, load_keys, set_key, stored_key


def file_text(path) -> str:
    return path.read_text() if path.exists() else ""


def test_keyring_key_is_resolved_and_keys_json_untouched(user_path, memory_keyring):
    set_key("other", "plain-value")
    store_in_keyring("openai", "sk-in-keychain")
    assert memory_keyring.passwords == {("llm", "openai"): "sk-in-keychain"}
    assert stored_key("openai") == "sk-in-keychain"
    assert get_key(alias="openai") == "sk-in-keychain"
    assert get_key("openai") == "sk-in-keychain"  # a key name passed as the key
    assert key_names() == ["openai", "other"]
    # keys.json keeps the original's format: plain strings, and no marker.
    data = json.loads((user_path / "keys.json").read_text())
    assert "openai" not in data
    assert all(isinstance(value, str) for value in data.values())
    assert load_keys() == {"other": "plain-value"}
    assert json.loads(key_sources_path().read_text()) == {
        "openai": {"source": "keyring", "service": "llm"}
    }
    assert "sk-in-keychain" not in file_text(key_sources_path())


def test_model_uses_keychain_key(memory_keyring):
    store_in_keyring("testkey", "from-the-keychain")
    model = llm.get_model("keyed")
    assert model.prompt("hi").text() == "key=from-the-keychain"


def test_entry_removed_from_keychain_is_a_clear_error(memory_keyring):
    store_in_keyring("openai", "sk-1")
    memory_keyring.delete_password("llm", "openai")
    with pytest.raises(KeySourceError, match="not in the system keychain any more"):
        stored_key("openai")


def test_no_usable_keychain(user_path):
    keyring = pytest.importorskip("keyring")
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(KeySourceError, match="No system keychain is available"):
            store_in_keyring("openai", "sk-1")
    finally:
        keyring.set_keyring(previous)
    assert not key_sources_path().exists()


def test_keyring_not_installed(monkeypatch, user_path):
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring fails
    # llm install reaches llm's own environment, however llm was installed.
    with pytest.raises(KeySourceError, match=r"run 'llm install keyring'"):
        store_in_keyring("openai", "sk-1")
    assert not key_sources_path().exists()


# Prints "key-42": the command's own text does not contain its output.
KEY_COMMAND = "printf 'key-%s\\n' $((6 * 7))"


def test_key_command_output_is_the_key(user_path):
    set_key_command("testkey", KEY_COMMAND)
    assert stored_key("testkey") == "key-42"
    assert llm.get_model("keyed").prompt("hi").text() == "key=key-42"
    # Nothing in the user directory holds the key itself.
    for path in user_path.iterdir():
        assert b"key-42" not in path.read_bytes(), path
    assert load_key_sources()["testkey"].describe() == f"command: {KEY_COMMAND}"


def test_key_command_runs_once_per_process(user_path, tmp_path):
    counter = tmp_path / "runs"
    set_key_command("counted", f"echo run >> {counter}; echo the-key")
    assert stored_key("counted") == "the-key"
    assert stored_key("counted") == "the-key"
    assert counter.read_text() == "run\n"


def test_key_command_does_not_read_stdin(user_path):
    """stdin is the null device: a piped prompt is never swallowed by the command."""
    assert run_key_command("x", "cat; echo key-after-cat", cache=False) == (
        "key-after-cat"
    )


def test_failing_key_command_names_the_problem(user_path):
    set_key_command("testkey", f"{KEY_COMMAND}; echo 'vault is locked' >&2; exit 3")
    with pytest.raises(KeySourceError) as caught:
        stored_key("testkey")
    message = str(caught.value)
    assert "The command for key 'testkey' failed (exit status 3)" in message
    assert "vault is locked" in message
    assert "key-42" not in message  # stdout could hold a key: never shown
    assert caught.value.name == "testkey"


def test_key_command_timeout(user_path, monkeypatch):
    monkeypatch.setenv("LLM_KEY_COMMAND_TIMEOUT", "0.5")
    set_key_command("slow", "sleep 10")
    with pytest.raises(KeySourceError, match="did not finish within 0.5 seconds"):
        stored_key("slow")


def test_bad_timeout_setting(user_path, monkeypatch):
    monkeypatch.setenv("LLM_KEY_COMMAND_TIMEOUT", "soon")
    with pytest.raises(KeySourceError, match="should be a number of seconds"):
        run_key_command("x", "echo k", cache=False)
    for endless in ("inf", "nan", "0", "-1"):
        monkeypatch.setenv("LLM_KEY_COMMAND_TIMEOUT", endless)
        with pytest.raises(KeySourceError, match="more than 0 and at most a year"):
            run_key_command("x", "echo k", cache=False)


def test_empty_key_command_output(user_path):
    with pytest.raises(KeySourceError, match="printed nothing"):
        run_key_command("x", "true", cache=False)


def test_model_reports_key_command_failure(user_path):
    set_key_command("testkey", "exit 1")
    with pytest.raises(KeySourceError):
        llm.get_model("keyed").prompt("hi").text()


def test_plain_key_replaces_a_recorded_source(user_path):
    set_key_command("testkey", "echo from-command")
    set_key("testkey", "plain")
    assert stored_key("testkey") == "plain"
    assert load_key_sources() == {}


def test_missing_key_still_needs_a_key(user_path):
    with pytest.raises(NeedsKeyException):
        llm.get_model("keyed").prompt("hi").text()


def test_unknown_entries_in_the_sources_file_are_ignored(user_path):
    key_sources_path().write_text(
        json.dumps({"a": "not a dict", "b": {"source": "vault"}, "c": {}})
    )
    assert load_key_sources() == {}
    assert stored_key("a") is None
