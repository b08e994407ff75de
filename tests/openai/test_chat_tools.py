"""Tools with Chat Completions: definitions, streamed call deltas, results sent back."""

from __future__ import annotations

import json

import pytest

import llm
from llm.errors import UnsupportedFeatureError

from .fake_server import chat_reply


def multiply(a: int, b: int) -> int:
    "Multiply two numbers"
    return a * b


def lookup(name: str) -> str:
    "Look up a person"
    return f"{name} is a pelican"


TWO_CALLS = [
    {"id": "call_a", "name": "multiply", "arguments": {"a": 6, "b": 7}},
    {"id": "call_b", "name": "lookup", "arguments": {"name": "Cleo, the long-named"}},
]


def test_tool_definitions_in_request(server):
    llm.get_model("gpt-4o-mini").prompt("hi", tools=[multiply, lookup]).text()
    assert server.last_body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "multiply",
                "description": "Multiply two numbers",
                "parameters": {
                    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                    "required": ["a", "b"],
                    "type": "object",
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "description": "Look up a person",
                "parameters": {
                    "properties": {"name": {"type": "string"}},
                    "required": ["name"],
                    "type": "object",
                },
            },
        },
    ]


@pytest.mark.parametrize("stream", [True, False])
def test_parallel_tool_calls_assembled(server, stream):
    server.chat(chat_reply("Let me check", tool_calls=TWO_CALLS))
    response = llm.get_model("gpt-4o-mini").prompt(
        "go", tools=[multiply, lookup], stream=stream
    )
    events = list(response.stream_events())
    if stream:
        # Arguments arrived in several interleaved deltas.
        args_events = [e for e in events if e.type == "tool_call_args"]
        assert len(args_events) > 4
        assert {e.tool_call_id for e in args_events} == {"call_a", "call_b"}
    calls = response.tool_calls()
    assert [(c.name, c.arguments, c.tool_call_id) for c in calls] == [
        ("multiply", {"a": 6, "b": 7}, "call_a"),
        ("lookup", {"name": "Cleo, the long-named"}, "call_b"),
    ]
    parts = response.messages()[0].parts
    assert [type(p).__name__ for p in parts] == [
        "TextPart",
        "ToolCallPart",
        "ToolCallPart",
    ]
    assert parts[1].arguments == {"a": 6, "b": 7}
    payload = response.json()
    if not stream:
        payload = payload["choices"][0]["message"]
    assert payload["tool_calls"][0]["function"]["name"] == "multiply"


def test_tool_results_sent_back(server):
    server.chat(chat_reply(None, tool_calls=TWO_CALLS), chat_reply("42, and Cleo"))
    chain = llm.get_model("gpt-4o-mini").chain("go", tools=[multiply, lookup])
    assert chain.text() == "42, and Cleo"
    messages = server.last_body["messages"]
    assert messages[0] == {"role": "user", "content": "go"}
    assert messages[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "type": "function",
                "id": "call_a",
                "function": {"name": "multiply", "arguments": '{"a": 6, "b": 7}'},
            },
            {
                "type": "function",
                "id": "call_b",
                "function": {
                    "name": "lookup",
                    "arguments": '{"name": "Cleo, the long-named"}',
                },
            },
        ],
    }
    assert messages[2:] == [
        {"role": "tool", "tool_call_id": "call_a", "content": "42"},
        {
            "role": "tool",
            "tool_call_id": "call_b",
            "content": "Cleo, the long-named is a pelican",
        },
    ]
    assert "tools" in server.last_body


def test_empty_arguments_sent_as_empty_object(server):
    def now() -> str:
        "The time"
        return "noon"

    server.chat(
        chat_reply(None, tool_calls=[{"id": "c1", "name": "now", "arguments": ""}]),
        chat_reply("It is noon"),
    )
    chain = llm.get_model("gpt-4o-mini").chain("time?", tools=[now])
    assert chain.text() == "It is noon"
    call = server.last_body["messages"][1]["tool_calls"][0]
    assert call["function"]["arguments"] == "{}"


def test_tool_call_without_id_gets_one(server):
    def ping() -> str:
        "Ping"
        return "pong"

    server.chat(
        chat_reply(None, tool_calls=[{"id": None, "name": "ping", "arguments": {}}])
    )
    response = llm.get_model("gpt-4o-mini").prompt("ping", tools=[ping])
    (call,) = response.tool_calls()
    assert call.tool_call_id
    (part,) = [
        p for p in response.messages()[0].parts if type(p).__name__ == "ToolCallPart"
    ]
    assert part.tool_call_id == call.tool_call_id


def test_malformed_arguments_are_kept(server):
    server.chat(
        chat_reply(
            None, tool_calls=[{"id": "c1", "name": "multiply", "arguments": "{oops"}]
        )
    )
    response = llm.get_model("gpt-4o-mini").prompt("go", tools=[multiply])
    assert response.tool_calls()[0].arguments == {"_raw": "{oops"}


def test_tool_result_attachments_follow_in_user_message(server):
    def photo() -> llm.ToolOutput:
        "Take a photo"
        return llm.ToolOutput(
            "here it is",
            attachments=[llm.Attachment(type="image/png", content=b"\x89PNG fake")],
        )

    server.chat(
        chat_reply(None, tool_calls=[{"id": "p1", "name": "photo", "arguments": {}}]),
        chat_reply("Nice photo"),
    )
    assert llm.get_model("gpt-4o").chain("photo", tools=[photo]).text() == "Nice photo"
    messages = server.last_body["messages"]
    assert messages[2] == {
        "role": "tool",
        "tool_call_id": "p1",
        "content": "here it is",
    }
    follow = messages[3]
    assert follow["role"] == "user"
    images = [c for c in follow["content"] if c["type"] == "image_url"]
    assert images[0]["image_url"]["url"].startswith("data:image/png;base64,")


def test_tools_rejected_by_model_without_support(server):
    with pytest.raises(UnsupportedFeatureError):
        llm.get_model("gpt-3.5-turbo-instruct").prompt("hi", tools=[multiply])


def test_tool_error_result_is_sent(server):
    def broken() -> str:
        "Always fails"
        raise RuntimeError("disk on fire")

    server.chat(
        chat_reply(None, tool_calls=[{"id": "b1", "name": "broken", "arguments": {}}]),
        chat_reply("Sorry"),
    )
    llm.get_model("gpt-4o-mini").chain("go", tools=[broken]).text()
    tool_message = server.last_body["messages"][2]
    assert tool_message["role"] == "tool"
    assert "disk on fire" in tool_message["content"]


def test_conversation_with_tools_keeps_history(server):
    server.chat(
        chat_reply(None, tool_calls=[TWO_CALLS[0]]),
        chat_reply("It is 42"),
        chat_reply("You're welcome"),
    )
    conversation = llm.get_model("gpt-4o-mini").conversation(tools=[multiply])
    assert conversation.chain("6 x 7?").text() == "It is 42"
    assert conversation.prompt("thanks").text() == "You're welcome"
    roles = [m["role"] for m in server.last_body["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]
    assert json.loads(
        server.last_body["messages"][1]["tool_calls"][0]["function"]["arguments"]
    ) == {
        "a": 6,
        "b": 7,
    }
