"""``llm openai models`` and ``llm openai endpoint``, run through a fresh click group."""

from __future__ import annotations

import importlib.util
import json

import click
import pytest
from click.testing import CliRunner

from llm.default_plugins.openai_models import register_commands

from .fake_server import (
    chat_reply,
    error_reply,
    message_item,
    models_reply,
    reasoning_item,
    responses_reply,
)

# `llm openai endpoint` runs prompts with llm-cli's machinery; the command only
# exists inside the llm CLI, so without llm-cli these tests have nothing to run.
needs_cli = pytest.mark.skipif(
    importlib.util.find_spec("llm.cli") is None, reason="needs llm-cli"
)


@pytest.fixture
def cli():
    group = click.Group()
    register_commands(group)
    return group


def invoke(cli, args, **kwargs):
    return CliRunner().invoke(cli, args, catch_exceptions=False, **kwargs)


@pytest.fixture
def endpoint(cli, server):
    """Run ``llm openai endpoint <fake server> -m <model> ARGS`` (model ``m`` unless given)."""

    def run(*args, model="m", **kwargs):
        return invoke(
            cli, ["openai", "endpoint", server.base_url, "-m", model, *args], **kwargs
        )

    return run


def test_help(cli):
    result = invoke(cli, ["openai", "--help"])
    assert result.exit_code == 0
    assert (
        "Commands for working with OpenAI and OpenAI-compatible APIs" in result.output
    )
    assert "endpoint" in result.output and "models" in result.output
    endpoint_help = invoke(cli, ["openai", "endpoint", "--help"]).output
    for flag in (
        "--models",
        "--responses",
        "--chat",
        "--key",
        "-H, --header",
        "-R, --hide-reasoning",
    ):
        assert flag in endpoint_help


def test_models_table(server, cli):
    server.enqueue("models", models_reply(["gpt-4o", "o3"]))
    result = invoke(cli, ["openai", "models"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "owned_by", "created"]
    assert lines[1].split() == ["gpt-4o", "openai", "2023-11-14T22:13:20"]
    assert lines[2].split()[0] == "o3"
    assert server.last.path == "/v1/models"
    assert server.last.authorization == "Bearer sk-test"


def test_models_json_and_key(server, cli, store_keys):
    store_keys(mine="sk-mine")
    result = invoke(cli, ["openai", "models", "--json", "--key", "mine"])
    data = json.loads(result.output)
    assert [m["id"] for m in data] == ["gpt-4o-mini", "gpt-4o", "o3"]
    assert data[0]["owned_by"] == "openai"
    assert server.last.authorization == "Bearer sk-mine"


def test_models_errors(server, cli, monkeypatch):
    server.enqueue("models", error_reply(401, "Invalid API key"))
    result = invoke(cli, ["openai", "models"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: Invalid API key (HTTP 401)"
    monkeypatch.delenv("OPENAI_API_KEY")
    result = invoke(cli, ["openai", "models"])
    assert result.exit_code == 1
    assert "llm keys set openai" in result.output
    assert "Traceback" not in result.output


@needs_cli
def test_endpoint_models(server, cli, store_keys):
    store_keys(openai="sk-secret-openai")
    server.enqueue("models", models_reply(["local-a", "local-b"]))
    result = invoke(cli, ["openai", "endpoint", server.base_url, "--models"])
    assert result.output == "local-a\nlocal-b\n"
    assert server.last.path == "/v1/models"
    assert server.last.authorization == "Bearer DUMMY_KEY"


@needs_cli
def test_endpoint_prompt_without_key(server, endpoint, store_keys):
    store_keys(openai="sk-secret-openai")
    server.chat(chat_reply("Paris"))
    result = endpoint("Capital of France?", model="my-model")
    assert result.exit_code == 0
    assert result.output == "Paris\n"
    request = server.last
    assert request.authorization == "Bearer DUMMY_KEY"
    assert request.body["model"] == "my-model"
    assert request.body["messages"] == [
        {"role": "user", "content": "Capital of France?"}
    ]
    # Nothing is logged.
    assert not (server_user_path() / "logs.db").exists()


def server_user_path():
    import llm

    return llm.user_dir()


@needs_cli
def test_endpoint_key_header_system_options(server, endpoint, store_keys):
    store_keys(custom="sk-custom")
    result = endpoint(
        *("--key", "custom", "-H", "X-Extra", "yes", "-s", "Be brief"),
        *("-o", "temperature", "0.3", "-o", "reasoning_effort", "high"),
        *("--no-stream", "hi"),
    )
    assert result.exit_code == 0, result.output
    request = server.last
    assert request.authorization == "Bearer sk-custom"
    assert request.headers["x-extra"] == "yes"
    assert request.body["messages"][0] == {"role": "system", "content": "Be brief"}
    assert request.body["temperature"] == 0.3
    assert request.body["reasoning_effort"] == "high"
    assert request.body["stream"] is False


@needs_cli
def test_endpoint_responses_api(server, endpoint):
    server.responses(responses_reply(reasoning_item("Hmm"), message_item("Answer")))
    result = endpoint("--responses", "Question")
    assert result.exit_code == 0
    assert result.stdout == "Answer\n"
    assert "Hmm" in result.stderr
    assert server.last.path == "/v1/responses"
    # No reasoning fields unless reasoning_effort is given.
    assert server.last_body == {
        "model": "m",
        "input": [{"role": "user", "content": "Question"}],
        "stream": True,
        "store": False,
    }

    server.responses(responses_reply(reasoning_item("Secret"), message_item("Answer")))
    result = endpoint("--responses", "-o", "reasoning_effort", "low", "-R", "Question")
    assert "Secret" not in result.stderr
    assert server.last_body["reasoning"] == {"effort": "low"}
    assert server.last_body["include"] == ["reasoning.encrypted_content"]


@needs_cli
def test_endpoint_schema_and_attachment(server, endpoint, tmp_path):
    image = tmp_path / "pixel.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    server.chat(chat_reply('{"name": "Rex"}'))
    result = endpoint("--schema", "name,", "-a", str(image), "Invent a dog")
    assert result.exit_code == 0, result.output
    body = server.last_body
    assert body["response_format"]["json_schema"]["schema"]["properties"] == {
        "name": {"type": "string"}
    }
    content = body["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "Invent a dog"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")


@needs_cli
def test_endpoint_schema_id_looked_up_before_dsl(server, endpoint, user_path):
    from llm.logs import open_logs_db
    from llm.logs.schemas import store_schema

    schema = {"type": "object", "properties": {"dog": {"type": "string"}}}
    db = open_logs_db(user_path / "logs.db")
    schema_id = store_schema(db, schema)
    db.close()
    server.chat(chat_reply('{"dog": "Rex"}'))
    result = endpoint("--schema", schema_id, "Invent a dog")
    assert result.exit_code == 0, result.output
    assert server.last_body["response_format"]["json_schema"]["schema"] == schema


@needs_cli
def test_endpoint_unknown_schema_id_is_a_usage_error(server, cli):
    result = CliRunner().invoke(
        cli,
        ["openai", "endpoint", server.base_url, "-m", "m", "--schema", "abc123", "x"],
    )
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--schema': No stored schema with ID abc123 "
        "(for a one-field concise schema add a comma: 'abc123,')\n"
    )
    assert server.requests == []


@needs_cli
@pytest.mark.parametrize("stream", [True, False])
def test_endpoint_error_body_with_status_200(server, cli, stream):
    from .fake_server import Reply

    server.chat(Reply(json={"error": {"message": "model overloaded"}}))
    args = ["openai", "endpoint", server.base_url, "-m", "m", "hi"]
    result = CliRunner().invoke(cli, args + ([] if stream else ["--no-stream"]))
    assert result.exit_code == 1
    assert result.stderr == "Error: model overloaded\n"


@needs_cli
def test_endpoint_functions_tool_loop(server, endpoint):
    server.chat(
        chat_reply(
            None, tool_calls=[{"id": "t1", "name": "double", "arguments": {"n": 21}}]
        ),
        chat_reply("It is 42"),
    )
    code = "def double(n: int) -> int:\n    'Double a number'\n    return n * 2\n"
    result = endpoint("--functions", code, "--td", "Double 21")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "It is 42"
    assert "double" in result.stderr and "42" in result.stderr
    first, second = server.requests_to("chat/completions")
    assert first.body["tools"][0]["function"]["name"] == "double"
    assert second.body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "t1",
        "content": "42",
    }


@needs_cli
def test_endpoint_server_side_tool_spec(server, endpoint):
    result = endpoint(
        "--responses",
        "-T",
        'ServerSideTool(spec={"type": "openrouter:web_search", "parameters": {"max_results": 2}})',
        "Search",
    )
    assert result.exit_code == 0, result.output
    assert server.last_body["tools"] == [
        {"type": "openrouter:web_search", "parameters": {"max_results": 2}}
    ]


@needs_cli
def test_endpoint_stdin_prompt(server, endpoint):
    result = endpoint(input="From stdin")
    assert result.exit_code == 0
    assert server.last_body["messages"] == [{"role": "user", "content": "From stdin"}]


@needs_cli
def test_endpoint_chat(server, endpoint):
    server.chat(chat_reply("One"), chat_reply("Two"))
    result = endpoint("--chat", input="first\nsecond\nquit\n")
    assert result.exit_code == 0
    assert "One" in result.output and "Two" in result.output
    assert server.last_body["messages"] == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "One"},
        {"role": "user", "content": "second"},
    ]


@needs_cli
def test_endpoint_errors(server, cli, endpoint, closed_port):
    result = invoke(cli, ["openai", "endpoint", server.base_url, "hi"])
    assert result.exit_code == 1
    assert "Missing -m/--model" in result.output

    result = endpoint("-o", "temperature", "9", "hi")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "temperature" in result.output

    server.chat(error_reply(404, "The model `m` does not exist"))
    result = endpoint("hi")
    assert result.exit_code == 1
    assert "Error: The model `m` does not exist (HTTP 404)" in result.output

    result = invoke(
        cli,
        ["openai", "endpoint", f"http://127.0.0.1:{closed_port}/v1", "-m", "m", "hi"],
        env={"LLM_OPENAI_MAX_RETRIES": "0"},
    )
    assert result.exit_code == 1
    assert (
        f"Error: Could not connect to http://127.0.0.1:{closed_port}" in result.output
    )

    result = endpoint("-T", "no_such_tool", "hi")
    assert result.exit_code == 1
    assert "no_such_tool" in result.output
    assert "Traceback" not in result.output


@needs_cli
def test_endpoint_template(server, cli, user_path):
    templates = user_path / "templates"
    templates.mkdir()
    (templates / "summarize.yaml").write_text(
        "model: tmpl-model\nsystem: Summarize in a $style way\nprompt: 'Text: $input'\n",
        encoding="utf-8",
    )
    result = invoke(
        cli,
        [
            "openai",
            "endpoint",
            server.base_url,
            "-t",
            "summarize",
            "-p",
            "style",
            "concise",
            "Long text",
        ],
    )
    assert result.exit_code == 0, result.output
    body = server.last_body
    assert body["model"] == "tmpl-model"
    assert body["messages"] == [
        {"role": "system", "content": "Summarize in a concise way"},
        {"role": "user", "content": "Text: Long text"},
    ]
