"""``llm keys set``: reading the key (pipe or hidden prompt), --keyring and --command."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

from llm.key_sources import key_sources_path, set_key_command

# Prints "key-42"; the command's own text does not contain its output.
KEY_COMMAND = "printf 'key-%s\\n' $((6 * 7))"


def keys_json(user_path) -> dict:
    path = user_path / "keys.json"
    return json.loads(path.read_text()) if path.exists() else {}


def test_keyring_option_stores_in_the_keychain(invoke, user_path, memory_keyring):
    assert invoke(["keys", "set", "openai", "--value", "sk-plain"]).exit_code == 0
    result = invoke(["keys", "set", "openai", "--keyring"], input="sk-secret\n")
    assert result.exit_code == 0, result.output
    assert result.stderr == "Removed the copy of 'openai' from keys.json\n"
    assert memory_keyring.passwords == {("llm", "openai"): "sk-secret"}
    assert "openai" not in keys_json(user_path)
    assert invoke(["keys", "get", "openai"]).stdout == "sk-secret\n"
    assert invoke(["keys", "list"]).stdout == "openai\n"
    for path in user_path.iterdir():
        assert b"sk-secret" not in path.read_bytes(), path


def test_prompt_uses_the_keychain_key(invoke, memory_keyring):
    invoke(["keys", "set", "testkey", "--keyring", "--value", "from-keychain"])
    result = invoke(["-m", "keyed", "hi"])
    assert result.stdout == "key=from-keychain\n"


def test_keyring_without_a_backend_is_an_error(invoke, user_path):
    keyring = pytest.importorskip("keyring")
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        result = invoke(["keys", "set", "openai", "--keyring", "--value", "sk-1"])
    finally:
        keyring.set_keyring(previous)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No system keychain is available")
    assert keys_json(user_path) == {}


def test_command_option(invoke, user_path):
    invoke(["keys", "set", "testkey", "--value", "old-plain"])
    result = invoke(["keys", "set", "testkey", "--command", KEY_COMMAND])
    assert result.exit_code == 0, result.output
    assert "testkey" not in keys_json(user_path)
    assert json.loads(key_sources_path().read_text()) == {
        "testkey": {"source": "command", "command": KEY_COMMAND}
    }
    assert invoke(["keys", "get", "testkey"]).stdout == "key-42\n"
    assert invoke(["keys"]).stdout == "testkey\n"
    assert invoke(["-m", "keyed", "hi", "-n"]).stdout == "key=key-42\n"
    for path in user_path.iterdir():
        assert b"key-42" not in path.read_bytes(), path


def test_failing_command_is_not_stored(invoke, user_path):
    result = invoke(["keys", "set", "openai", "--command", "echo nope >&2; exit 2"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: The command for key 'openai' failed (exit status 2): "
        "echo nope >&2; exit 2\nnope\n"
    )
    assert not key_sources_path().exists()


def test_command_timeout_is_a_clear_error(invoke, monkeypatch):
    monkeypatch.setenv("LLM_KEY_COMMAND_TIMEOUT", "0.3")
    result = invoke(["keys", "set", "openai", "--command", "sleep 10"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: The command for key 'openai' did not finish within 0.3 seconds: "
        "sleep 10 (set LLM_KEY_COMMAND_TIMEOUT to allow longer)\n"
    )


def test_prompt_reports_a_failing_key_command(run_llm):
    set_key_command("testkey", "echo 'vault locked' >&2; exit 1")
    result = run_llm(["-m", "keyed", "hi"])
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: The command for key 'testkey' failed (exit status 1): "
        "echo 'vault locked' >&2; exit 1\nvault locked\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--command", "x", "--value", "y"],
        ["--command", "x", "--keyring"],
    ],
)
def test_command_excludes_other_sources(invoke, args):
    result = invoke(["keys", "set", "k", *args])
    assert result.exit_code == 1
    assert "--command cannot be combined" in result.stderr


def test_empty_piped_key_is_refused(invoke, user_path):
    result = invoke(["keys", "set", "k"], input="\n")
    assert result.exit_code == 1
    assert result.stderr == "Error: The key is empty; nothing was stored\n"
    assert keys_json(user_path) == {}


# --- a key piped in while a terminal is attached (issue 11) -----------------

WITH_TERMINAL = """
import fcntl, os, sys, termios
terminal = int(sys.argv[1])
os.setsid()
fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)  # a controlling terminal, as in a shell
sys.argv = ["llm", "keys", "set", "piped"]
from llm.cli import main
main()
"""


def test_piped_key_is_read_even_with_a_terminal(subprocess_env, user_path):
    master, slave = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-c", WITH_TERMINAL, str(slave)],
            input=b"sk-from-the-pipe\n",
            capture_output=True,
            pass_fds=(slave,),
            env=subprocess_env,
            timeout=30,
        )
    finally:
        os.close(master)
        os.close(slave)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert keys_json(user_path)["piped"] == "sk-from-the-pipe"


def test_piped_key_without_a_terminal_prints_no_warning(run_llm, user_path):
    result = run_llm(["keys", "set", "piped"], input="sk-piped\n")
    assert result.returncode == 0
    assert "GetPassWarning" not in result.stderr
    assert result.stderr == ""
    assert keys_json(user_path)["piped"] == "sk-piped"


def test_key_typed_on_a_terminal_is_hidden(subprocess_env, user_path):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable, ["-m", "llm", "keys", "set", "typed"], env=subprocess_env
    )
    child.expect_exact("Enter key: ")
    child.sendline("sk-typed-secret")
    child.expect(pexpect.EOF, timeout=30)
    child.close()
    assert child.exitstatus == 0
    assert b"sk-typed-secret" not in child.before
    assert keys_json(user_path)["typed"] == "sk-typed-secret"
