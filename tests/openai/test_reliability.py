"""Retries, timeouts and fallbacks against the fake OpenAI server's injected faults, from Python and the CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

import llm
from llm.cli import cli

from .conftest import needs_embeddings, run_async
from .fake_server import (
    chat_reply,
    embeddings_reply,
    error_reply,
    rate_limited,
    slow,
    unavailable,
)


@pytest.fixture(autouse=True)
def default_retries(server, monkeypatch):
    """These tests exercise llm-core's retry policy, not the no-retry test default."""
    monkeypatch.delenv("LLM_OPENAI_MAX_RETRIES", raising=False)


def run(args, **kwargs):
    return CliRunner().invoke(cli, args, **kwargs)


@pytest.fixture
def local_model(write_extra_models, closed_port):
    """``local``: a configured model whose server is not running."""

    def write(**settings):
        write_extra_models(
            [
                {
                    "model_id": "local",
                    "model_name": "m",
                    "api_base": f"http://127.0.0.1:{closed_port}/v1",
                    **settings,
                }
            ]
        )
        return f"http://127.0.0.1:{closed_port}/v1"

    return write


def test_rate_limits_retried_after_retry_after(server, retry_waits):
    server.chat(rate_limited("3"), rate_limited("3"), chat_reply("Got through"))
    assert llm.get_model("gpt-4o-mini").prompt("hi").text() == "Got through"
    assert retry_waits == [3.0, 3.0]
    assert len(server.requests_to("chat/completions")) == 3


def test_service_unavailable_then_success_with_backoff(server, retry_waits):
    server.chat(unavailable(), chat_reply("Back up"))
    assert llm.get_model("gpt-4o-mini").prompt("hi").text() == "Back up"
    assert len(retry_waits) == 1 and 1 <= retry_waits[0] < 2


def test_gives_up_after_the_retries(server, retry_waits):
    server.chat(*[unavailable("Still overloaded")] * 3)
    with pytest.raises(llm.TransientError) as info:
        llm.get_model("gpt-4o-mini").prompt("hi", retries=2).text()
    assert str(info.value) == "Still overloaded (HTTP 503)"
    assert len(server.requests_to("chat/completions")) == 3
    assert len(retry_waits) == 2


def test_bad_key_is_never_retried(server, retry_waits):
    server.chat(error_reply(401, "Bad key"))
    with pytest.raises(llm.ModelError, match="Bad key"):
        llm.get_model("gpt-4o-mini").prompt("hi", retries=5).text()
    assert len(server.requests_to("chat/completions")) == 1
    assert retry_waits == []


def test_slow_first_byte_times_out_then_retries(server, retry_waits):
    # The retry must be answered within the same timeout: generous enough for a
    # loaded machine (0.3 s was not), far below the first reply's delay.
    server.chat(slow(60, chat_reply("Too late")), chat_reply("In time"))
    response = llm.get_model("gpt-4o-mini").prompt("hi", timeout=3, retries=1)
    assert response.text() == "In time"
    assert len(retry_waits) == 1


def test_timeout_names_endpoint_and_wait(server):
    server.chat(slow(5, chat_reply("Too late")))
    with pytest.raises(llm.ModelTimeoutError) as info:
        llm.get_model("gpt-4o-mini").prompt("hi", timeout=0.25, retries=0).text()
    assert str(info.value) == f"No response from {server.base_url} within 0.25 s"


def test_dropped_stream_is_not_restarted(server, retry_waits):
    server.chat(chat_reply("abcdefghijklmnop", drop_after=3))
    response = llm.get_model("gpt-4o-mini").prompt("hi", retries=3)
    with pytest.raises(llm.TransientError, match="failed"):
        response.text()
    assert response.text_or_raise() == "abcdefgh"
    assert len(server.requests_to("chat/completions")) == 1
    assert retry_waits == []


def test_closed_port_falls_back(server, local_model, retry_waits):
    url = local_model()
    response = llm.get_model("local").prompt("hi", retries=1, fallbacks=["gpt-4o-mini"])
    assert response.text() == "Hello from the fake server"
    assert response.model.model_id == "gpt-4o-mini"
    [failed] = response.failed_models
    assert failed.model_id == "local"
    assert failed.error.startswith(f"Could not connect to {url}: ")
    assert len(retry_waits) == 1


def test_async_rate_limit_then_success(server, retry_waits):
    server.chat(rate_limited("2"), chat_reply("Async through"))

    async def go():
        return await llm.get_async_model("gpt-4o-mini").prompt("hi").text()

    assert run_async(go()) == "Async through"
    assert retry_waits == [2.0]


def test_embeddings_retry(server, retry_waits):
    server.embeddings(rate_limited("1"), embeddings_reply())
    assert len(llm.get_embedding_model("3-small").embed("x")) == 8
    assert retry_waits == [1.0]


def test_model_config_timeout_and_retries(write_extra_models, server, retry_waits):
    write_extra_models(
        [
            {
                "model_id": "tight",
                "api_base": server.base_url,
                "timeout": {"connect": 2, "read": 0.2},
                "retries": 0,
            },
            {"model_id": "bad", "api_base": server.base_url, "timeout": "soon"},
        ]
    )
    server.chat(slow(5, chat_reply("late")))
    with pytest.raises(llm.ModelTimeoutError, match=r"within 0\.2 s"):
        llm.get_model("tight").prompt("hi").text()
    assert retry_waits == []
    with pytest.raises(llm.UnknownModelError):
        llm.get_model("bad")


# --- the command line ----------------------------------------------------------


def test_cli_retries_and_timeout_flags(server, retry_waits):
    server.chat(rate_limited("1"), chat_reply("Through"))
    result = run(["-m", "gpt-4o-mini", "--retries", "1", "hi"])
    assert result.exit_code == 0, result.output
    assert result.output == "Through\n"
    assert retry_waits == [1.0]
    server.chat(slow(5, chat_reply("late")))
    result = run(["-m", "gpt-4o-mini", "--retries", "0", "--timeout", "0.2", "hi"])
    assert result.exit_code == 1
    assert f"Error: No response from {server.base_url} within 0.2 s" in result.output
    result = run(["-m", "gpt-4o-mini", "--retries", "-1", "hi"])
    assert result.exit_code == 2


def test_cli_timeout_from_environment(server, monkeypatch):
    monkeypatch.setenv("LLM_TIMEOUT", "0.2")
    monkeypatch.setenv("LLM_RETRIES", "0")
    server.chat(slow(5, chat_reply("late")))
    result = run(["-m", "gpt-4o-mini", "hi"])
    assert "within 0.2 s" in result.output


def test_cli_fallback_usage_and_logs(server, local_model, user_path):
    local_model()
    result = run(["-m", "local", "--fallback", "4o-mini", "--retries", "0", "-u", "hi"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello from the fake server\n"
    assert "Answered by gpt-4o-mini after local failed: Could not connect" in (
        result.stderr
    )
    conn = sqlite3.connect(user_path / "logs.db")
    try:
        [(model,)] = conn.execute("select model from responses").fetchall()
        [(failed,)] = conn.execute("select model from response_fallbacks").fetchall()
    finally:
        conn.close()
    assert (model, failed) == ("gpt-4o-mini", "local")
    logs = run(["logs", "-n", "1"])
    assert "Model: **gpt-4o-mini**" in logs.output
    assert "Fell back from **local**: Could not connect" in logs.output
    records = json.loads(run(["logs", "-n", "1", "--json"]).output)
    assert records[0]["fallbacks"][0]["model"] == "local"


def test_cli_configured_fallbacks(server, local_model):
    local_model()
    assert run(["models", "fallbacks", "set", "local", "4o-mini"]).exit_code == 0
    listed = run(["models", "fallbacks", "list"])
    assert listed.output == "local: gpt-4o-mini\n"
    result = run(["-m", "local", "--retries", "0", "hi"])
    assert result.output == "Hello from the fake server\n"
    run(["models", "fallbacks", "clear", "local"])
    result = run(["-m", "local", "--retries", "0", "hi"])
    assert result.exit_code == 1
    assert "Error: Could not connect" in result.output


def test_cli_fallback_when_key_missing(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    result = run(["-m", "gpt-4o-mini", "--fallback", "echo", "-n", "hello"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["prompt"] == "hello"
    assert server.requests == []


def test_cli_unknown_fallback_is_an_error_before_running(server):
    result = run(["-m", "gpt-4o-mini", "--fallback", "nope", "hi"])
    assert result.exit_code == 1
    assert "Error: Unknown model: nope" in result.output
    assert server.requests == []


def test_cli_chat_retries(server, retry_waits):
    server.chat(unavailable(), chat_reply("Chat through"))
    result = run(["chat", "-m", "gpt-4o-mini", "--retries", "1"], input="hi\nquit\n")
    assert "Chat through" in result.output
    assert len(retry_waits) == 1


def test_cli_embed_retries(server, retry_waits):
    needs_embeddings()
    server.embeddings(unavailable(), unavailable(), embeddings_reply())
    result = run(["embed", "-m", "3-small", "-c", "hi", "--retries", "1"])
    assert result.exit_code == 1
    assert "Error: The server is overloaded (HTTP 503)" in result.output
    result = run(["embed", "-m", "3-small", "-c", "hi", "--retries", "1"])
    assert result.exit_code == 0
    assert len(json.loads(result.output)) == 8


def test_embed_multi_keeps_progress_and_resumes(server, tmp_path, retry_waits):
    needs_embeddings()
    rows = "\n".join(f"{name},text {name}" for name in "abcdef")
    csv = tmp_path / "items.csv"
    csv.write_text("id,content\n" + rows + "\n", encoding="utf-8")
    db = tmp_path / "embeddings.db"
    args = ["embed-multi", "items", str(csv), "-m", "3-small", "-d", str(db)]
    args += ["--batch-size", "2", "--retries", "1"]
    server.embeddings(embeddings_reply(), unavailable(), unavailable())
    result = run(args)
    assert result.exit_code == 1
    assert "Embedding the batch starting at ID 'c' failed" in result.output
    assert "The server is overloaded (HTTP 503)" in result.output
    conn = sqlite3.connect(db)
    try:
        stored = [r[0] for r in conn.execute("select id from embeddings order by id")]
    finally:
        conn.close()
    assert stored == ["a", "b"]
    before = len(server.requests_to("embeddings"))
    assert run(args).exit_code == 0
    sent = [r.body["input"] for r in server.requests_to("embeddings")[before:]]
    assert sent == [["text c", "text d"], ["text e", "text f"]]


def test_subclass_defaults_for_retries_and_timeout(server, retry_waits):
    from llm.default_plugins.openai_models import Chat

    class Patient(Chat):
        timeout = 0.2

    model = Patient("patient", api_base=server.base_url)
    model.retries = 1
    server.chat(slow(5, chat_reply("late")), slow(5, chat_reply("late")))
    with pytest.raises(llm.ModelTimeoutError, match=r"within 0\.2 s"):
        model.prompt("hi").text()
    assert len(retry_waits) == 1
