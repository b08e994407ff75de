"""The asyncio twins: AsyncChat and AsyncResponses behave like their sync models."""

from __future__ import annotations

import llm
from llm.parts import ReasoningPart, ToolCallPart

from .conftest import add, run_async
from .fake_server import (
    chat_reply,
    chat_usage,
    function_call_item,
    message_item,
    reasoning_item,
    responses_reply,
)


async def async_add(a: int, b: int) -> int:
    "Add, asynchronously"
    return a + b


def test_async_chat_stream_and_usage(server):
    server.chat(
        chat_reply("Async hello", usage=chat_usage(5, 2), model="gpt-4o-2024-08-06")
    )

    async def go():
        response = llm.get_async_model("4o").prompt("hi", system="sys", temperature=1.5)
        chunks = [chunk async for chunk in response]
        return response, chunks, await response.usage()

    response, chunks, usage = run_async(go())
    assert len(chunks) > 1
    assert "".join(chunks) == "Async hello"
    assert (usage.input, usage.output) == (5, 2)
    assert response.resolved_model == "gpt-4o-2024-08-06"
    assert server.last_body["temperature"] == 1.5
    assert server.last_body["messages"][0] == {"role": "system", "content": "sys"}


def test_async_non_stream(server):
    server.chat(chat_reply("Whole"))

    async def go():
        response = llm.get_async_model("gpt-4o-mini").prompt("hi", stream=False)
        return await response.text(), await response.json()

    text, payload = run_async(go())
    assert text == "Whole"
    assert payload["object"] == "chat.completion"
    assert server.last_body["stream"] is False


def test_async_chain_with_tools(server):
    server.chat(
        chat_reply(
            None,
            tool_calls=[
                {"id": "c1", "name": "async_add", "arguments": {"a": 2, "b": 2}}
            ],
        ),
        chat_reply("Four"),
    )

    async def go():
        chain = llm.get_async_model("gpt-4o-mini").chain("2+2", tools=[async_add])
        return await chain.text()

    assert run_async(go()) == "Four"
    assert server.last_body["messages"][2] == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": "4",
    }


def test_async_conversation(server):
    server.chat(chat_reply("One"), chat_reply("Two"))

    async def go():
        conversation = llm.get_async_model("gpt-4o-mini").conversation()
        first = await conversation.prompt("a").text()
        second = await conversation.prompt("b").text()
        return first, second

    assert run_async(go()) == ("One", "Two")
    assert [m["role"] for m in server.last_body["messages"]] == [
        "user",
        "assistant",
        "user",
    ]


def test_async_responses_round_trip(server):
    server.responses(
        responses_reply(
            reasoning_item("Adding", encrypted="ASYNC-BLOB"),
            function_call_item("add", {"a": 1, "b": 2}, call_id="call_x"),
        ),
        responses_reply(message_item("Three")),
    )

    async def go():
        model = llm.get_async_model("gpt-5-mini")
        response = model.prompt("1+2", tools=[add])
        events = [event async for event in response.astream_events()]
        messages = await response.messages()
        follow = await response.reply()
        return events, messages, await follow.text()

    events, messages, text = run_async(go())
    assert "".join(e.chunk for e in events if e.type == "reasoning") == "Adding"
    parts = messages[0].parts
    assert isinstance(parts[0], ReasoningPart)
    assert parts[0].provider_metadata["openai"]["encrypted_content"] == "ASYNC-BLOB"
    assert isinstance(parts[1], ToolCallPart)
    assert text == "Three"
    sent = server.last_body["input"]
    assert sent[1]["encrypted_content"] == "ASYNC-BLOB"
    assert sent[-1] == {
        "type": "function_call_output",
        "call_id": "call_x",
        "output": "3",
    }


def test_async_responses_non_stream_and_chat_fallback(server):
    server.responses(responses_reply(message_item("Quiet")))
    server.chat(chat_reply("Chatty"))

    async def go():
        model = llm.get_async_model("o3")
        first = await model.prompt("a", stream=False).text()
        second = await model.prompt("b", chat_completions=True).text()
        return first, second

    assert run_async(go()) == ("Quiet", "Chatty")
    first, second = server.requests
    assert first.path == "/v1/responses" and first.body["stream"] is False
    assert second.path == "/v1/chat/completions"
