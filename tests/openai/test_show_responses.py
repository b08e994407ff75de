"""LLM_OPENAI_SHOW_RESPONSES=1 echoes HTTP requests and responses to stderr."""

from __future__ import annotations

import llm

from .conftest import run_async
from .fake_server import chat_reply


def test_show_responses_streaming(server, monkeypatch, capsys):
    monkeypatch.setenv("LLM_OPENAI_SHOW_RESPONSES", "1")
    server.chat(chat_reply("Visible text"))
    response = llm.get_model("gpt-4o-mini").prompt("Show me")
    assert response.text() == "Visible text"
    err = capsys.readouterr().err
    assert f"Request: POST {server.base_url}/chat/completions" in err
    assert '"content": "Show me"' in err
    assert "Response: status_code=200" in err
    assert "data: [DONE]" in err
    assert '"content": "Visi' in err
    # The key never appears.
    assert "sk-test" not in err
    assert "[redacted]" in err


def test_show_responses_async_non_stream(server, monkeypatch, capsys):
    monkeypatch.setenv("LLM_OPENAI_SHOW_RESPONSES", "1")
    server.chat(chat_reply("Async visible"))

    async def go():
        return (
            await llm.get_async_model("gpt-4o-mini").prompt("hi", stream=False).text()
        )

    assert run_async(go()) == "Async visible"
    err = capsys.readouterr().err
    assert "Response: status_code=200" in err
    assert '"Async visible"' in err


def test_quiet_by_default(server, capsys):
    llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert capsys.readouterr().err == ""


def test_llm_utils_logging_client_echoes_traffic(server, capsys):
    # llm-venice makes its own HTTP calls through this client.
    from llm.utils import logging_client

    server.chat(chat_reply("Through httpx"))
    with logging_client() as client:
        reply = client.post(
            f"{server.base_url}/chat/completions",
            json={"model": "gpt-4o-mini", "messages": []},
            headers={"Authorization": "Bearer sk-secret"},
        )
    assert reply.status_code == 200
    err = capsys.readouterr().err
    assert f"Request: POST {server.base_url}/chat/completions" in err
    assert '"model": "gpt-4o-mini"' in err
    assert "Response: status_code=200" in err
    assert "Through httpx" in err
    assert "sk-secret" not in err


def test_a_key_split_across_chunks_or_in_a_request_body_is_masked(
    user_path, monkeypatch, capsys
):
    import httpx

    from llm.utils import logging_client

    key = "sk-split-0123456789abcdefQRST"
    monkeypatch.setenv("RELAY_API_KEY", key)
    # The server repeats the key in a streamed reply, cut mid-key between two
    # network chunks, and a UTF-8 character cut between its bytes.
    reply = f"data: bad key {key} \u00e9\n\n".encode()
    cut_key = reply.index(b"abcdef")
    cut_char = reply.index("\u00e9".encode()) + 1
    chunks = [reply[:cut_key], reply[cut_key:cut_char], reply[cut_char:]]

    def handler(request):
        return httpx.Response(401, content=iter(chunks))

    with logging_client(transport=httpx.MockTransport(handler)) as client:
        with client.stream(
            "POST", "http://relay.test/v1", json={"api_key": key, "q": "hi"}
        ) as response:
            body = b"".join(response.iter_bytes())
    assert body == reply  # the caller still gets every byte
    err = capsys.readouterr().err
    assert key not in err
    assert '"api_key": "sk-...QRST"' in err
    assert "data: bad key sk-...QRST \u00e9" in err
