"""End to end through the real ``llm`` command (llm-cli) against the fake server."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from .conftest import needs_embeddings
from .fake_server import (
    chat_reply,
    error_reply,
    message_item,
    reasoning_item,
    responses_reply,
)

cli_module = pytest.importorskip("llm.cli")


def run(args, **kwargs):
    return CliRunner().invoke(cli_module.cli, args, **kwargs)


def test_prompt(server):
    server.chat(chat_reply("Bonjour"))
    result = run(["-m", "4o-mini", "Say hi in French"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Bonjour\n"
    assert server.last_body["messages"] == [
        {"role": "user", "content": "Say hi in French"}
    ]


def test_default_model_and_options(server):
    result = run(["hi", "-o", "temperature", "0.5", "-s", "sys"])
    assert result.exit_code == 0, result.output
    assert server.last_body["model"] == "gpt-4o-mini"
    assert server.last_body["temperature"] == 0.5


def test_reasoning_shown_on_stderr(server):
    server.responses(
        responses_reply(reasoning_item("Careful thought"), message_item("42"))
    )
    result = run(["-m", "o3", "Answer?"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "42\n"
    assert "Careful thought" in result.stderr


def test_hide_reasoning(server):
    server.responses(responses_reply(message_item("42")))
    result = run(["-m", "o3", "-R", "Answer?"])
    assert result.exit_code == 0, result.output
    assert "reasoning" not in server.last_body


def test_error_is_clean(server):
    server.chat(error_reply(401, "Incorrect API key provided"))
    result = run(["-m", "4o-mini", "hi"])
    assert result.exit_code == 1
    assert "Error: Incorrect API key provided (HTTP 401)" in result.output
    assert "Traceback" not in result.output


def test_bad_option_is_clean(server):
    result = run(["-m", "4o-mini", "-o", "temperature", "5", "hi"])
    assert result.exit_code == 1
    assert "Error:" in result.output and "temperature" in result.output
    assert server.requests == []


def test_models_list(server):
    result = run(["models"])
    assert result.exit_code == 0, result.output
    assert "OpenAI Chat: gpt-4o-mini (aliases: 4o-mini)" in result.output
    assert "OpenAI Responses: o3" in result.output
    assert (
        "OpenAI Completion: gpt-3.5-turbo-instruct (aliases: 3.5-instruct, chatgpt-instruct)"
        in result.output
    )


def test_tool_chain(server):
    server.chat(
        chat_reply(
            None, tool_calls=[{"id": "v1", "name": "llm_version", "arguments": {}}]
        ),
        chat_reply("You run llm"),
    )
    result = run(["-m", "4o-mini", "-T", "llm_version", "Which version?"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "You run llm"
    assert server.last_body["messages"][-1]["role"] == "tool"


def test_continue_conversation_resends_history(server, tmp_path):
    image = tmp_path / "pixel.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    server.chat(chat_reply("A black square"), chat_reply("Still black"))
    first = run(["-m", "4o-mini", "-a", str(image), "Describe"])
    assert first.exit_code == 0, first.output
    second = run(["-c", "And now?"])
    assert second.exit_code == 0, second.output
    messages = server.last_body["messages"]
    assert server.last_body["model"] == "gpt-4o-mini"
    assert messages[0]["content"][0] == {"type": "text", "text": "Describe"}
    assert messages[0]["content"][1]["image_url"]["url"].startswith(
        "data:image/png;base64,"
    )
    assert messages[1] == {"role": "assistant", "content": "A black square"}
    assert messages[2] == {"role": "user", "content": "And now?"}


def test_openai_commands_registered(server):
    result = run(["openai", "models", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["id"] == "gpt-4o-mini"


def test_embed(server):
    needs_embeddings()
    result = run(["embed", "-m", "3-small-512", "-c", "hello"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 512
    assert server.last_body["dimensions"] == 512


def test_completion_model_refuses_system_prompt(server):
    result = run(["-m", "3.5-instruct", "-s", "Be brief", "hi"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: System prompts are not supported for OpenAI completion models\n"
    )
    assert server.requests == []


def test_server_side_tools_heading_names_the_model():
    # As llm 0.36 prints it: a heading naming the model, then the constructors.
    out = run(["tools", "-m", "gpt-5"]).stdout
    assert "\n\nServer-side tools for gpt-5 (executed by the provider):\n\n" in out
    # Constructors are shown as the class is called, without ``-> None``.
    assert "\nCodeInterpreter(container: str | None = None, " in out
    assert "-> None" not in out
    assert out.endswith("\n\n")
