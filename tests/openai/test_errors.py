"""Every failure ends as ``llm.ModelError`` carrying the server's message; partial text is kept."""

from __future__ import annotations

import pytest

import llm
from llm.default_plugins.openai_models import AsyncChat, Chat
from llm.errors import ModelError, NeedsKeyException

from .conftest import run_async
from .fake_server import Reply, chat_reply, error_reply, message_item, responses_reply


def test_bad_key(server):
    server.chat(
        error_reply(401, "Incorrect API key provided: sk-test", code="invalid_api_key")
    )
    response = llm.get_model("gpt-4o-mini").prompt("hi")
    with pytest.raises(ModelError) as info:
        response.text()
    assert str(info.value) == "Incorrect API key provided: sk-test (HTTP 401)"
    assert info.value.status_code == 401
    assert response.error is info.value


def test_rate_limit_carries_status_and_retry_after(server):
    server.chat(
        error_reply(429, "Slow down", headers={"retry-after-ms": "1500"}),
        error_reply(429, "Slow down", headers={"retry-after": "7"}),
    )
    model = llm.get_model("gpt-4o-mini")
    for expected in (1.5, 7.0):
        with pytest.raises(ModelError) as info:
            model.prompt("hi").text()
        assert str(info.value) == "Slow down (HTTP 429)"
        assert info.value.status_code == 429
        assert info.value.retry_after == expected
    # The transport itself never retries behind the caller's back.
    assert len(server.requests_to("chat/completions")) == 2


def test_server_error(server):
    server.chat(error_reply(503, "The server is overloaded", type="server_error"))
    with pytest.raises(ModelError) as info:
        llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert str(info.value) == "The server is overloaded (HTTP 503)"


def test_non_json_error_body(server):
    server.chat(Reply(status=502, text="Bad gateway from proxy"))
    with pytest.raises(ModelError) as info:
        llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert str(info.value) == "Bad gateway from proxy (HTTP 502)"


NGINX_PAGE = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (NGINX_PAGE, "502 Bad Gateway (HTTP 502)"),
        ("<html><body>down</body></html>", "Bad Gateway (HTTP 502)"),
        ("x" * 1000, "x" * 297 + "... (HTTP 502)"),
    ],
)
def test_html_and_long_error_bodies_stay_one_short_line(server, body, message):
    server.chat(Reply(status=502, text=body))
    with pytest.raises(ModelError) as info:
        llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert str(info.value) == message


@pytest.mark.parametrize("stream", [True, False])
def test_error_body_with_status_200(server, stream):
    # Some OpenAI-compatible servers answer 200 with an {"error": ...} body.
    server.chat(Reply(json={"error": {"message": "model overloaded"}}))
    with pytest.raises(ModelError) as info:
        llm.get_model("gpt-4o-mini").prompt("hi", stream=stream).text()
    assert str(info.value) == "model overloaded"


def test_timeout(server, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "0.2")
    server.chat(Reply(delay=30, json={}))
    with pytest.raises(llm.ModelTimeoutError) as info:
        llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert str(info.value) == f"No response from {server.base_url} within 0.2 s"
    assert info.value.seconds == 0.2
    assert info.value.url == server.base_url


def test_api_base_without_a_scheme_fails_at_once(write_extra_models, retry_waits):
    write_extra_models(
        [{"model_id": "local", "model_name": "m", "api_base": "localhost:8080/v1"}]
    )
    with pytest.raises(ModelError) as info:
        llm.get_model("local").prompt("hi", retries=3).text()
    assert not isinstance(info.value, llm.TransientError)
    assert str(info.value).startswith(
        "Could not send a request to localhost:8080/v1: Request URL is missing"
    )
    assert retry_waits == []  # a mistake in the URL is not worth retrying


def test_invalid_timeout_setting(server, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "soon")
    with pytest.raises(ModelError, match="LLM_OPENAI_TIMEOUT must be a number"):
        llm.get_model("gpt-4o-mini").prompt("hi").text()
    for endless in ("0", "inf", "nan", "1e12"):
        monkeypatch.setenv("LLM_OPENAI_TIMEOUT", endless)
        with pytest.raises(ModelError, match="LLM_OPENAI_TIMEOUT: timeout must be"):
            llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert server.requests == []


def test_connection_refused(closed_port, write_extra_models, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "0")
    write_extra_models(
        [
            {
                "model_id": "local",
                "model_name": "m",
                "api_base": f"http://127.0.0.1:{closed_port}/v1",
            }
        ]
    )
    with pytest.raises(ModelError) as info:
        llm.get_model("local").prompt("hi").text()
    message = str(info.value)
    assert message.startswith(
        f"Could not connect to http://127.0.0.1:{closed_port}/v1: "
    )
    assert isinstance(info.value, llm.TransientError)


def test_error_event_mid_stream_keeps_partial_text(server):
    server.chat(
        chat_reply("Partial text here", mid_stream_error="Upstream model failed")
    )
    response = llm.get_model("gpt-4o-mini").prompt("hi")
    seen = []
    with pytest.raises(ModelError) as info:
        for chunk in response:
            seen.append(chunk)
    assert str(info.value) == "Upstream model failed"
    assert "".join(seen) == "Partial text here"
    assert response.text_or_raise() == "Partial text here"


def test_dropped_connection_keeps_partial_text(server):
    server.chat(chat_reply("abcdefghijklmnop", drop_after=3))
    response = llm.get_model("gpt-4o-mini").prompt("hi")
    with pytest.raises(ModelError) as info:
        response.text()
    assert str(info.value).startswith(f"Connection to {server.base_url} failed: ")
    assert response.text_or_raise() == "abcdefgh"
    assert response.error is not None


def test_missing_key(monkeypatch, server):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(NeedsKeyException) as info:
        llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert "llm keys set openai" in str(info.value)
    assert "OPENAI_API_KEY" in str(info.value)
    assert server.requests == []


def test_responses_api_errors(server):
    server.responses(error_reply(400, "Unsupported parameter: 'temperature'"))
    with pytest.raises(ModelError) as info:
        llm.get_model("o3").prompt("hi", temperature=0.5).text()
    assert str(info.value) == "Unsupported parameter: 'temperature' (HTTP 400)"


def test_async_errors(server):
    server.chat(
        error_reply(401, "Bad key"),
        chat_reply("Some partial words", mid_stream_error="Stream broke"),
    )
    server.responses(
        responses_reply(message_item("Half done"), fail_with="Model fell over")
    )

    async def go():
        model = llm.get_async_model("gpt-4o-mini")
        with pytest.raises(ModelError, match=r"Bad key \(HTTP 401\)"):
            await model.prompt("hi").text()
        response = model.prompt("again")
        with pytest.raises(ModelError, match="Stream broke"):
            await response.text()
        reasoning = llm.get_async_model("o3").prompt("x")
        with pytest.raises(ModelError, match="Model fell over"):
            await reasoning.text()
        return response.text_or_raise(), reasoning.text_or_raise()

    partial, reasoning_partial = run_async(go())
    assert partial == "Some partial words"
    assert reasoning_partial == "Half done"


class OwnClient(Chat):
    """A subclass bringing its own client: run through the openai SDK."""

    def get_client(self, key, *, async_=False):
        return super().get_client(key, async_=async_)


def test_timeout_through_the_sdk(server, monkeypatch):
    monkeypatch.setenv("LLM_OPENAI_TIMEOUT", "0.2")
    server.chat(Reply(delay=30, json={}))
    model = OwnClient("m", api_base=server.base_url)
    assert model.lean_endpoint(None) is None
    with pytest.raises(llm.ModelTimeoutError) as info:
        model.prompt("hi", retries=0).text()
    assert str(info.value) == f"No response from {server.base_url} within 0.2 s"
    assert info.value.seconds == 0.2


class AsyncOwnClient(AsyncChat):
    def get_client(self, key, *, async_=False):
        return super().get_client(key, async_=async_)


@pytest.mark.parametrize("async_", [False, True])
def test_api_base_without_a_scheme_fails_at_once_through_the_sdk(retry_waits, async_):
    model_class = AsyncOwnClient if async_ else OwnClient
    model = model_class("m", api_base="localhost:8080/v1", key="sk-test")
    with pytest.raises(ModelError) as info:
        if async_:
            run_async(model.prompt("hi", retries=3).text())
        else:
            model.prompt("hi", retries=3).text()
    assert not isinstance(info.value, llm.TransientError)
    assert str(info.value).startswith("Could not send a request to localhost:8080/v1")
    assert retry_waits == []
