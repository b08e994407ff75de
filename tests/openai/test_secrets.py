"""API keys never reach the terminal, logs.db or ``llm logs --json``, even when a server echoes them.

Some OpenAI-compatible servers put the bearer token in their 401 message; the
fake server here does exactly that, for every place a key can come from.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from .fake_server import RecordedRequest, Reply, chat_reply, error_reply

cli_module = pytest.importorskip("llm.cli")


def run(args, **kwargs):
    return CliRunner().invoke(cli_module.cli, args, **kwargs)


def echo_credentials(request: RecordedRequest) -> Reply:
    """A 401 that repeats every credential the request carried."""
    sent = [
        request.headers.get(name) or ""
        for name in ("authorization", "x-api-key", "x-relay-auth")
    ]
    return error_reply(
        401, f"Incorrect API key provided: {' '.join(filter(None, sent))}"
    )


def masked(key: str) -> str:
    return f"{key[:3]}...{key[-4:]}"


def assert_nowhere(key: str, result, user_path) -> None:
    """The key is in none of what the user sees or what was stored; its masked form is."""
    assert result.exit_code == 1
    assert key not in result.output
    assert result.stderr.startswith("Error: Incorrect API key provided")
    assert masked(key) in result.stderr
    conn = sqlite3.connect(str(user_path / "logs.db"))
    try:
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert key not in dump
    logs = run(["logs", "--json"])
    [record] = json.loads(logs.stdout)
    assert record["status"] == "error"
    assert key not in record["error"]
    assert masked(key) in record["error"]


def test_key_from_the_command_line(server, user_path):
    key = "sk-commandline-0123456789abcdefWXYZ"
    server.chat(echo_credentials)
    result = run(["-m", "4o-mini", "--key", key, "hi"])
    assert_nowhere(key, result, user_path)


def test_key_from_keys_json(server, user_path, monkeypatch):
    key = "sk-storedkey-0123456789abcdefQRST"
    monkeypatch.delenv("OPENAI_API_KEY")
    assert run(["keys", "set", "openai", "--value", key]).exit_code == 0
    server.chat(echo_credentials)
    result = run(["-m", "4o-mini", "hi"])
    assert_nowhere(key, result, user_path)


def test_key_from_the_environment(server, user_path, monkeypatch):
    key = "sk-environment-0123456789abcdefMNOP"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    server.chat(echo_credentials)
    result = run(["-m", "4o-mini", "hi"])
    assert_nowhere(key, result, user_path)


def test_key_in_a_configured_header(server, user_path, write_extra_models):
    key = "relay-header-secret-0123456789IJKL"
    write_extra_models(
        [
            {
                "model_id": "relay",
                "model_name": "gpt-4o-mini",
                "api_base": server.base_url,
                "headers": {"X-Relay-Auth": key},
            }
        ]
    )
    server.chat(echo_credentials)
    result = run(["-m", "relay", "hi"])
    assert_nowhere(key, result, user_path)


def test_failed_fallback_notes_mask_the_key(server, user_path):
    """A model passed over for a fallback leaves its error in the log: masked too."""
    key = "sk-fallback-0123456789abcdefEFGH"
    server.chat(Reply(status=503, json={"error": {"message": f"overloaded {key}"}}))
    result = run(
        ["-m", "4o-mini", "--key", key, "--fallback", "echo", "-u", "hi"],
    )
    assert result.exit_code == 0, result.output
    assert key not in result.output
    assert masked(key) in result.stderr
    [record] = json.loads(run(["logs", "--json"]).stdout)
    assert key not in json.dumps(record)


def test_debug_output_redacts_credential_headers(
    server, user_path, write_extra_models, monkeypatch
):
    relay_key = "relay-stored-key-0123456789UVWX"
    assert run(["keys", "set", "relay", "--value", relay_key]).exit_code == 0
    write_extra_models(
        [
            {
                "model_id": "relay",
                "model_name": "gpt-4o-mini",
                "api_base": server.base_url,
                "api_key_name": "relay",
                "headers": {
                    "x-api-key": "header-api-key-0123456789",
                    "X-Secret": "hunter2hunter2hunter2",
                    # Not named like a credential, but its value is a stored key.
                    "X-Forwarded-Relay": relay_key,
                    "X-Title": "My pelican app",
                },
            }
        ]
    )
    monkeypatch.setenv("LLM_OPENAI_SHOW_RESPONSES", "1")
    server.chat(chat_reply("Hello"))
    result = run(["-m", "relay", "hi"])
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "Request: POST" in err
    for secret in (
        relay_key,
        "header-api-key-0123456789",
        "hunter2hunter2hunter2",
    ):
        assert secret not in err
    lowered = err.lower()
    for name in ("authorization", "x-api-key", "x-secret", "x-forwarded-relay"):
        assert f"{name}: [redacted]" in lowered
    # Headers that carry no credential are still shown.
    assert "x-title: my pelican app" in lowered
    # The server really got them.
    assert server.last.headers["x-forwarded-relay"] == relay_key


def test_a_key_name_masks_the_stored_key_not_the_name(server, user_path):
    """``--key openrouter`` names a stored key: its value is masked, the word is not."""
    key = "sk-or-v1-0123456789abcdefKLMN"
    assert run(["keys", "set", "openrouter", "--value", key]).exit_code == 0
    server.chat(
        error_reply(401, f"Key {key} rejected, see https://openrouter.ai/settings/keys")
    )
    result = run(["-m", "4o-mini", "--key", "openrouter", "hi"])
    assert result.exit_code == 1
    assert server.last.authorization == f"Bearer {key}"
    assert result.stderr == (
        f"Error: Key {masked(key)} rejected, see https://openrouter.ai/settings/keys"
        " (HTTP 401)\n"
    )
    [record] = json.loads(run(["logs", "--json"]).stdout)
    assert "https://openrouter.ai/settings/keys" in record["error"]
    assert key not in record["error"]


def test_a_plain_word_given_as_the_key_is_not_masked(server, user_path):
    """A literal ``--key`` that is an ordinary word is no secret worth mangling text for."""
    server.chat(error_reply(401, "No such key, see https://openrouter.ai/keys"))
    result = run(["-m", "4o-mini", "--key", "openrouter", "hi"])
    assert result.exit_code == 1
    assert server.last.authorization == "Bearer openrouter"
    assert "https://openrouter.ai/keys" in result.stderr
    [record] = json.loads(run(["logs", "--json"]).stdout)
    assert "https://openrouter.ai/keys" in record["error"]


def test_a_literal_key_is_masked_only_as_a_whole_token(server, user_path):
    key = "relay-2024"
    server.chat(
        error_reply(401, f"Key {key} refused by https://relay-2024x.example/keys")
    )
    result = run(["-m", "4o-mini", "--key", key, "hi"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Key *** refused by https://relay-2024x.example/keys (HTTP 401)\n"
    )
