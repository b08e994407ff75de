"""Reasoning models through the Responses API: requests, events, reasoning round trips."""

from __future__ import annotations

import pytest

import llm
from llm.errors import ModelError, OptionsError, UnsupportedFeatureError
from llm.parts import ReasoningPart, TextPart, ToolCallPart, ToolResultPart

from .conftest import add
from .fake_server import (
    chat_reply,
    function_call_item,
    message_item,
    reasoning_item,
    responses_reply,
    responses_usage,
)


def test_request_shape(server):
    server.responses(responses_reply(message_item("Paris")))
    response = llm.get_model("o3").prompt("Capital of France?", system="Be brief")
    assert response.text() == "Paris"
    request = server.last
    assert request.path == "/v1/responses"
    assert request.authorization == "Bearer sk-test"
    assert request.body == {
        "model": "o3",
        "input": [
            {"role": "system", "content": "Be brief"},
            {
                "role": "user",
                "content": [{"type": "input_text", "text": "Capital of France?"}],
            },
        ],
        "stream": True,
        "reasoning": {"summary": "auto"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
    }


def test_hide_reasoning_requests_no_summary(server):
    llm.get_model("o3").prompt("hi", hide_reasoning=True).text()
    assert "reasoning" not in server.last_body
    llm.get_model("o3").prompt(
        "hi", hide_reasoning=True, reasoning_effort="high"
    ).text()
    assert server.last_body["reasoning"] == {"effort": "high"}


def test_options_mapped_to_responses_fields(server):
    schema = llm.schema_dsl("name")
    llm.get_model("gpt-5").prompt(
        "hi",
        options={
            "reasoning_effort": "minimal",
            "verbosity": "low",
            "max_tokens": 100,
            "service_tier": "fast",
            "temperature": 1,
            "top_p": 0.5,
        },
        schema=schema,
    ).text()
    body = server.last_body
    assert body["reasoning"] == {"effort": "minimal", "summary": "auto"}
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "output", "schema": schema},
        "verbosity": "low",
    }
    assert body["max_output_tokens"] == 100
    assert body["service_tier"] == "fast"
    assert body["temperature"] == 1
    assert body["top_p"] == 0.5
    assert "max_tokens" not in body and "verbosity" not in body


def test_json_object(server):
    llm.get_model("o4-mini").prompt("JSON", json_object=True).text()
    assert server.last_body["text"] == {"format": {"type": "json_object"}}


def test_chat_only_options_explain_fallback(server):
    response = llm.get_model("o3").prompt("hi", stop="END", seed=1)
    with pytest.raises(OptionsError) as info:
        response.text()
    assert "stop, seed" in str(info.value)
    assert "chat_completions" in str(info.value)
    assert server.requests == []


def test_chat_completions_fallback(server):
    server.chat(chat_reply("via chat"))
    response = llm.get_model("gpt-5").prompt("hi", chat_completions=True, stop="END")
    assert response.text() == "via chat"
    assert server.last.path == "/v1/chat/completions"
    assert server.last_body["stop"] == "END"


@pytest.mark.parametrize("stream", [True, False])
def test_reasoning_text_and_tool_calls(server, stream):
    server.responses(
        responses_reply(
            reasoning_item("I should add", encrypted="SECRET-DONE"),
            function_call_item("add", {"a": 2, "b": 3}, call_id="call_9"),
            message_item("Adding now"),
            usage=responses_usage(input=20, output=9, reasoning=4, cached=5),
            model="o3-2025-04-16",
            final_encrypted={"rs_1": "SECRET-FINAL"},
        )
    )
    response = llm.get_model("o3").prompt("2+3?", tools=[add], stream=stream)
    events = list(response.stream_events())
    reasoning = "".join(e.chunk for e in events if e.type == "reasoning")
    assert reasoning == "I should add"
    assert response.text() == "Adding now"
    assert response.resolved_model == "o3-2025-04-16"
    usage = response.usage()
    assert (usage.input, usage.output) == (20, 9)
    assert usage.details == {
        "input_tokens_details": {"cached_tokens": 5},
        "output_tokens_details": {"reasoning_tokens": 4},
    }
    (call,) = response.tool_calls()
    assert (call.name, call.arguments, call.tool_call_id) == (
        "add",
        {"a": 2, "b": 3},
        "call_9",
    )
    parts = response.messages()[0].parts
    assert [type(p) for p in parts] == [ReasoningPart, ToolCallPart, TextPart]
    # The encrypted reasoning comes from the final payload, matching response.json().
    assert parts[0].provider_metadata == {
        "openai": {"id": "rs_1", "encrypted_content": "SECRET-FINAL"}
    }
    assert response.json()["output"][0]["encrypted_content"] == "SECRET-FINAL"
    assert parts[1].provider_metadata == {"openai": {"id": "fc_1"}}
    assert parts[2].provider_metadata == {"openai": {"id": "msg_1"}}


def test_encrypted_reasoning_round_trip(server):
    server.responses(
        responses_reply(
            reasoning_item("Thinking", encrypted="BLOB-1"),
            function_call_item("add", {"a": 1, "b": 1}, call_id="call_1"),
        ),
        responses_reply(message_item("It is 2")),
    )
    chain = llm.get_model("o3").chain("1+1", tools=[add])
    assert chain.text() == "It is 2"
    first, second = server.requests_to("responses")
    assert "tools" in first.body
    assert second.body["input"] == [
        {"role": "user", "content": [{"type": "input_text", "text": "1+1"}]},
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [{"type": "summary_text", "text": "Thinking"}],
            "encrypted_content": "BLOB-1",
        },
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "add",
            "arguments": '{"a": 1, "b": 1}',
            "id": "fc_1",
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "2"},
    ]


def test_hidden_reasoning_still_carries_encrypted_content(server):
    server.responses(
        responses_reply(reasoning_item(None, encrypted="ONLY-BLOB"), message_item("Hi"))
    )
    response = llm.get_model("o3").prompt("hi", hide_reasoning=True)
    assert response.text() == "Hi"
    reasoning = response.messages()[0].parts[0]
    assert isinstance(reasoning, ReasoningPart)
    assert reasoning.text == ""
    assert reasoning.provider_metadata["openai"]["encrypted_content"] == "ONLY-BLOB"
    response.reply("more").text()
    sent = server.last_body["input"]
    assert sent[1] == {
        "type": "reasoning",
        "id": "rs_1",
        "summary": [],
        "encrypted_content": "ONLY-BLOB",
    }
    assert sent[2]["type"] == "message" and sent[2]["id"] == "msg_1"


def test_serialized_response_keeps_reasoning_metadata(server):
    server.responses(
        responses_reply(
            reasoning_item("Why", encrypted="BLOB-X"), message_item("Because")
        )
    )
    response = llm.get_model("o3").prompt("why?")
    response.text()
    restored = llm.Response.from_dict(response.to_dict())
    restored.reply("and?").text()
    assert server.last_body["input"][1]["encrypted_content"] == "BLOB-X"


def test_multiple_summary_parts_separated(server):
    item = reasoning_item("First")
    item["summary"].append({"type": "summary_text", "text": "Second"})
    server.responses(responses_reply(item, message_item("Done")))
    response = llm.get_model("o3").prompt("x")
    response.text()
    assert response.reasoning == "First\n\nSecond"


def test_response_failed_event(server):
    server.responses(
        responses_reply(message_item("Partial answer"), fail_with="The model crashed")
    )
    response = llm.get_model("o3").prompt("x")
    with pytest.raises(ModelError) as info:
        response.text()
    assert "The model crashed" in str(info.value)
    assert response.text_or_raise() == "Partial answer"


def test_server_side_tools(server):
    from llm.default_plugins.openai_models import CodeInterpreter, WebSearch

    web_call = {
        "type": "web_search_call",
        "id": "ws_1",
        "status": "completed",
        "action": {
            "type": "search",
            "query": "pelican news",
            "sources": [{"url": "https://a"}],
        },
    }
    code_call = {
        "type": "code_interpreter_call",
        "id": "ci_1",
        "status": "completed",
        "code": "print(111111 * 333333)",
        "container_id": "cntr_1",
        "outputs": [{"type": "logs", "logs": "37036962963\n"}],
    }
    server.responses(responses_reply(web_call, code_call, message_item("Found it")))
    response = llm.get_model("gpt-5").prompt(
        "search and compute",
        tools=[
            WebSearch(allowed_domains=["example.com"], include_sources=True),
            CodeInterpreter(memory_limit="4g"),
        ],
    )
    assert response.text() == "Found it"
    body = server.last_body
    assert body["tools"] == [
        {"type": "web_search", "filters": {"allowed_domains": ["example.com"]}},
        {
            "type": "code_interpreter",
            "container": {"type": "auto", "memory_limit": "4g"},
        },
    ]
    assert body["include"] == [
        "reasoning.encrypted_content",
        "web_search_call.action.sources",
        "code_interpreter_call.outputs",
    ]
    assert response.tool_calls() == []  # nothing for us to run
    parts = response.messages()[0].parts
    calls = [p for p in parts if isinstance(p, ToolCallPart)]
    results = [p for p in parts if isinstance(p, ToolResultPart)]
    assert [(c.name, c.server_executed) for c in calls] == [
        ("web_search", True),
        ("code_interpreter", True),
    ]
    assert calls[0].arguments["query"] == "pelican news"
    assert calls[1].arguments["code"] == "print(111111 * 333333)"
    assert results[0].output == "37036962963\n"
    # The built-in call item is replayed verbatim on the next turn.
    response.reply("thanks").text()
    sent_types = [i.get("type") for i in server.last_body["input"]]
    assert "web_search_call" in sent_types and "code_interpreter_call" in sent_types


def test_raw_server_side_tool_spec(server):
    tool = llm.ServerSideTool({"type": "browser_search"})
    llm.get_model("o3").prompt("go", tools=[tool]).text()
    assert server.last_body["tools"] == [{"type": "browser_search"}]


def test_server_side_tools_rejected_by_chat_models():
    from llm.default_plugins.openai_models import WebSearch

    with pytest.raises(UnsupportedFeatureError):
        llm.get_model("gpt-4o").prompt("x", tools=[WebSearch()])


def test_server_tool_validation():
    from llm.default_plugins.openai_models import CodeInterpreter, WebSearch

    with pytest.raises(ValueError, match="http"):
        WebSearch(allowed_domains=["https://example.com"])
    with pytest.raises(ValueError, match="at most 100"):
        WebSearch(blocked_domains=[f"d{i}.com" for i in range(101)])
    with pytest.raises(ValueError, match="memory_limit"):
        CodeInterpreter(memory_limit="2g")
    with pytest.raises(ValueError, match="container"):
        CodeInterpreter(container="cntr_1", memory_limit="4g")
    spec = WebSearch(user_location={"country": "GB"}).tool_spec(None)
    assert spec["user_location"] == {"country": "GB", "type": "approximate"}
    assert CodeInterpreter(container="cntr_1").tool_spec(None) == {
        "type": "code_interpreter",
        "container": "cntr_1",
    }


def test_stream_ended_early_is_an_error(server):
    server.responses(
        responses_reply(message_item("Half of the answer here"), drop_after=4)
    )
    response = llm.get_model("o3").prompt("x")
    with pytest.raises(ModelError):
        response.text()
    assert response.text_or_raise().startswith("Half")


def test_non_streamed_failed_status(server):
    from .fake_server import Reply

    server.responses(
        Reply(
            json={
                "id": "resp_x",
                "object": "response",
                "status": "failed",
                "model": "o3",
                "output": [],
                "error": {"code": "server_error", "message": "Ran out of compute"},
            }
        )
    )
    with pytest.raises(ModelError, match="Ran out of compute"):
        llm.get_model("o3").prompt("x", stream=False).text()
