"""The legacy completion model (gpt-3.5-turbo-instruct) over ``/v1/completions``."""

from __future__ import annotations

import pytest

import llm
from llm.errors import AttachmentError

from .conftest import run_async
from .fake_server import chat_usage, completion_reply

TOPS = [{"Once": -0.1, "One": -2.5}, {" upon": -0.01, " apon": -4.0}]


@pytest.mark.parametrize("stream", [True, False])
def test_completion_request_and_logprobs(server, stream):
    server.completions(
        completion_reply(
            "Once upon", logprobs=TOPS, chunk_size=5, usage=chat_usage(3, 2)
        )
    )
    model = llm.get_model("3.5-instruct")
    response = model.prompt("Tell a story", logprobs=2, temperature=0.2, stream=stream)
    assert response.text() == "Once upon"
    body = server.last_body
    assert server.last.path == "/v1/completions"
    assert body["model"] == "gpt-3.5-turbo-instruct"
    assert body["prompt"] == "Tell a story"
    assert body["logprobs"] == 2
    assert body["temperature"] == 0.2
    assert body["max_tokens"] == 256  # the API's own default of 16 is too short
    assert body["stream"] is stream
    payload = response.json()
    assert payload["content"] == "Once upon"
    assert payload["logprobs"] == [
        {"text": "Once ", "top_logprobs": [TOPS[0]]},
        {"text": "upon", "top_logprobs": [TOPS[1]]},
    ]
    usage = response.usage()
    assert (usage.input, usage.output) == (3, 2)


def test_completion_conversation_flattened(server):
    server.completions(completion_reply("Blue."), completion_reply("Green."))
    conversation = llm.get_model("gpt-3.5-turbo-instruct").conversation()
    conversation.prompt("Favourite colour?").text()
    conversation.prompt("Another?").text()
    assert server.last_body["prompt"] == "Favourite colour?\nBlue.\nAnother?"


def test_completion_refuses_system_prompt_before_sending(server):
    model = llm.get_model("gpt-3.5-turbo-instruct")
    response = model.prompt("Favourite colour?", system="Answer in one word")
    with pytest.raises(llm.UnsupportedFeatureError) as info:
        response.text()
    assert str(info.value) == (
        "System prompts are not supported for OpenAI completion models"
    )
    assert server.requests == []


def test_completion_max_tokens_override(server):
    llm.get_model("gpt-3.5-turbo-instruct").prompt("x", max_tokens=10).text()
    assert server.last_body["max_tokens"] == 10


def test_completion_rejects_attachments_and_bad_logprobs(server):
    model = llm.get_model("gpt-3.5-turbo-instruct")
    with pytest.raises(AttachmentError):
        model.prompt("x", attachments=[llm.Attachment(type="image/png", content=b"x")])
    with pytest.raises(llm.OptionsError):
        model.prompt("x", logprobs=9)
    with pytest.raises(llm.OptionsError):
        model.prompt("x", json_object=True)


def test_async_completion(server):
    server.completions(completion_reply("Async story"))

    async def go():
        response = llm.get_async_model("gpt-3.5-turbo-instruct").prompt("story")
        chunks = [chunk async for chunk in response]
        return chunks, await response.usage()

    chunks, usage = run_async(go())
    assert "".join(chunks) == "Async story"
    assert usage.input == 4
