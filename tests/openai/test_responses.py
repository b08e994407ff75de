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


@pytest.mark.parametrize("stream", [True, False])
def test_request_shape(server, stream):
    # As the original sends it: the system prompt as instructions, a text-only
    # user turn as a plain string, stream/store/include always present.
    server.responses(responses_reply(message_item("Paris")))
    response = llm.get_model("o3").prompt(
        "Capital of France?", system="Be brief", stream=stream
    )
    assert response.text() == "Paris"
    request = server.last
    assert request.path == "/v1/responses"
    assert request.authorization == "Bearer sk-test"
    assert request.body == {
        "model": "o3",
        "input": [{"role": "user", "content": "Capital of France?"}],
        "instructions": "Be brief",
        "stream": stream,
        "reasoning": {"summary": "auto"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
    }


def test_conversation_request_shape(server):
    server.responses(responses_reply(message_item("Paris")), responses_reply())
    model = llm.get_model("gpt-5")
    conversation = model.conversation()
    conversation.prompt("Capital of France?", system="Be brief").text()
    conversation.prompt("And Italy?").text()
    assert server.last_body["input"] == [
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Paris"},
        {"role": "user", "content": "And Italy?"},
    ]
    assert server.last_body["instructions"] == "Be brief"


def test_changed_system_prompt_stays_in_place(server):
    # No single instructions string covers both, so neither is dropped.
    llm.get_model("o3").prompt(
        messages=[
            llm.system("First"),
            llm.user("one"),
            llm.assistant("ok"),
            llm.system("Second"),
            llm.user("two"),
        ]
    ).text()
    body = server.last_body
    assert "instructions" not in body
    assert body["input"] == [
        {"role": "system", "content": "First"},
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "ok"},
        {"role": "system", "content": "Second"},
        {"role": "user", "content": "two"},
    ]


def test_custom_responses_model_store_and_include(server, write_extra_models):
    write_extra_models(
        [
            {"model_id": "plain-r", "responses": True},
            {"model_id": "local-r", "responses": True, "api_base": server.base_url},
        ]
    )
    llm.get_model("plain-r").prompt("hi").text()
    assert server.last_body == {
        "model": "plain-r",
        "input": [{"role": "user", "content": "hi"}],
        "stream": True,
        "store": False,
    }
    llm.get_model("local-r").prompt("hi", stream=False).text()
    assert server.last_body == {
        "model": "local-r",
        "input": [{"role": "user", "content": "hi"}],
        "stream": False,
        "store": False,
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
        "format": {
            "type": "json_schema",
            "name": "output",
            "schema": schema,
            "strict": False,
        },
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
        "openai": {
            "id": "rs_1",
            "encrypted_content": "SECRET-FINAL",
            "summary": [{"type": "summary_text", "text": "I should add"}],
        }
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
        {"role": "user", "content": "1+1"},
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
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "2"},
    ]
    assert second.body["tools"] == [
        {
            "type": "function",
            "name": "add",
            "description": "Add two numbers",
            "parameters": {
                "properties": {
                    "a": {"type": "integer"},
                    "b": {"type": "integer"},
                },
                "required": ["a", "b"],
                "type": "object",
            },
        }
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
    assert sent[2] == {"role": "assistant", "content": "Hi"}


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


def test_reasoning_summary_kept_as_the_original_keeps_it(server):
    """The summary items travel in provider_metadata, as the original stores them,
    so a payload from either one replays the same reasoning item."""
    first = reasoning_item("First", encrypted="B1")
    first["summary"].append({"type": "summary_text", "text": "Second"})
    server.responses(responses_reply(first, message_item("Done")))
    response = llm.get_model("o3").prompt("x")
    response.text()
    (reasoning, _) = response.messages()[0].parts
    assert reasoning.provider_metadata["openai"]["summary"] == first["summary"]
    response.reply("more").text()
    assert server.last_body["input"][1]["summary"] == first["summary"]
    # A payload the original wrote: the summary comes from provider_metadata.
    payload = {
        "model": "o3",
        "prompt": {
            "messages": [
                {"role": "user", "parts": [{"type": "text", "text": "x"}]},
                {
                    "role": "assistant",
                    "parts": [
                        {
                            "type": "reasoning",
                            "text": "one\n\ntwo",
                            "provider_metadata": {
                                "openai": {
                                    "id": "rs_9",
                                    "encrypted_content": "B9",
                                    "summary": [
                                        {"text": "one", "type": "summary_text"},
                                        {"text": "two", "type": "summary_text"},
                                    ],
                                }
                            },
                        },
                        {"type": "text", "text": "Done"},
                    ],
                },
                {"role": "user", "parts": [{"type": "text", "text": "again"}]},
            ],
            "options": {},
        },
        "messages": [{"role": "assistant", "parts": [{"type": "text", "text": "ok"}]}],
    }
    llm.Response.from_dict(payload).reply("and?").text()
    assert server.last_body["input"][1] == {
        "type": "reasoning",
        "id": "rs_9",
        "summary": [
            {"text": "one", "type": "summary_text"},
            {"text": "two", "type": "summary_text"},
        ],
        "encrypted_content": "B9",
    }


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
    # A web search's result is what it came to; code output is its logs.
    assert [(r.name, r.output) for r in results] == [
        ("web_search", "completed"),
        ("code_interpreter", "37036962963\n"),
    ]
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

    with pytest.raises(UnsupportedFeatureError) as info:
        llm.get_model("gpt-4o").prompt("x", tools=[WebSearch()])
    assert str(info.value) == (
        "Model 'gpt-4o' does not support server-side tool 'web_search'. "
        "Run: llm tools -m gpt-4o"
    )


BAD_SERVER_TOOLS = [
    # (arguments, exception, message fragment)
    ("WebSearch", {"allowed_domains": ["https://x.com"]}, ValueError, "http"),
    ("WebSearch", {"blocked_domains": ["x.com"] * 101}, ValueError, "at most 100"),
    ("WebSearch", {"allowed_domains": "x.com"}, TypeError, "list of strings"),
    ("WebSearch", {"allowed_domains": [""]}, TypeError, "non-empty"),
    ("WebSearch", {"allowed_domains": [3]}, TypeError, "non-empty"),
    ("WebSearch", {"search_context_size": "huge"}, ValueError, "low, medium, high"),
    ("WebSearch", {"return_token_budget": "lots"}, ValueError, "default, unlimited"),
    ("WebSearch", {"return_token_budget": 500}, ValueError, "return_token_budget"),
    ("WebSearch", {"external_web_access": "yes"}, TypeError, "True or False"),
    ("WebSearch", {"user_location": "London"}, TypeError, "dictionary"),
    ("WebSearch", {"user_location": {"type": "exact"}}, ValueError, "approximate"),
    ("WebSearch", {"user_location": {"country": "GBR"}}, ValueError, "two-letter"),
    ("WebSearch", {"user_location": {"planet": "Mars"}}, ValueError, "planet"),
    ("WebSearch", {"user_location": {"timezone": 5}}, TypeError, "timezone"),
    ("WebSearch", {"search_content_types": "image"}, TypeError, "list"),
    ("WebSearch", {"search_content_types": ["video"]}, ValueError, "text, image"),
    ("WebSearch", {"image_settings": []}, TypeError, "dictionary"),
    ("WebSearch", {"image_settings": {"max_results": 0}}, ValueError, "positive"),
    ("WebSearch", {"image_settings": {"caption": "yes"}}, TypeError, "caption"),
    ("WebSearch", {"include_sources": "yes"}, TypeError, "include_sources"),
    ("WebSearch", {"include_results": 1}, TypeError, "include_results"),
    ("CodeInterpreter", {"memory_limit": "2g"}, ValueError, "1g, 4g, 16g, 64g"),
    ("CodeInterpreter", {"memory_limit": "4G"}, ValueError, "memory_limit"),
    (
        "CodeInterpreter",
        {"container": "c", "memory_limit": "4g"},
        ValueError,
        "combined",
    ),
    ("CodeInterpreter", {"container": "c", "file_ids": []}, ValueError, "combined"),
    ("CodeInterpreter", {"container": 5}, TypeError, "container"),
    ("CodeInterpreter", {"container": ""}, ValueError, "container"),
    ("CodeInterpreter", {"file_ids": "file-1"}, TypeError, "list of strings"),
    ("CodeInterpreter", {"file_ids": [1]}, TypeError, "file_ids"),
]


@pytest.mark.parametrize("name,kwargs,error,message", BAD_SERVER_TOOLS)
def test_server_tool_arguments_are_checked(name, kwargs, error, message):
    from llm.default_plugins import openai_models

    with pytest.raises(error, match=message):
        getattr(openai_models, name)(**kwargs)


def test_server_tool_specs():
    from llm.default_plugins.openai_models import CodeInterpreter, WebSearch

    spec = WebSearch(
        user_location={"country": "GB", "city": "London", "timezone": "Europe/London"},
        search_context_size="high",
        external_web_access=False,
        return_token_budget="unlimited",
        search_content_types=["image", "text"],
        image_settings={"max_results": 3, "caption": True},
    ).tool_spec(None)
    assert spec == {
        "type": "web_search",
        "search_context_size": "high",
        "external_web_access": False,
        "return_token_budget": "unlimited",
        "user_location": {
            "country": "GB",
            "city": "London",
            "timezone": "Europe/London",
            "type": "approximate",
        },
        "search_content_types": ["image", "text"],
        "image_settings": {"max_results": 3, "caption": True},
    }
    assert CodeInterpreter(container="cntr_1").tool_spec(None) == {
        "type": "code_interpreter",
        "container": "cntr_1",
    }
    assert CodeInterpreter(memory_limit="16g", file_ids=["file-1"]).tool_spec(None) == {
        "type": "code_interpreter",
        "container": {"type": "auto", "memory_limit": "16g", "file_ids": ["file-1"]},
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


def _without_completed(script):
    """A streamed reply that ends cleanly but never sends response.completed."""

    def build(request):
        reply = script(request)
        reply.events = [
            e for e in reply.events if e.get("type") != "response.completed"
        ]
        return reply

    return build


def test_stream_without_completed_keeps_what_arrived(server):
    server.responses(
        _without_completed(
            responses_reply(
                reasoning_item("Pondering"),
                function_call_item("add", {"a": 1, "b": 2}, call_id="call_5"),
                message_item("Partial answer"),
            )
        )
    )
    response = llm.get_model("o3").prompt("hi", tools=[add])
    assert response.text() == "Partial answer"
    assert "".join(
        e.chunk for e in response.stream_events() if e.type == "reasoning"
    ) == ("Pondering")
    (call,) = response.tool_calls()
    assert (call.name, call.arguments, call.tool_call_id) == (
        "add",
        {"a": 1, "b": 2},
        "call_5",
    )
    assert response.usage().input is None
    assert response.json() is None


def test_stream_without_completed_keeps_builtin_calls(server):
    from llm.default_plugins.openai_models import WebSearch

    search = {
        "type": "web_search_call",
        "id": "ws_1",
        "status": "completed",
        "action": {"type": "search", "query": "otters"},
    }
    server.responses(
        _without_completed(responses_reply(search, message_item("Otters!")))
    )
    response = llm.get_model("gpt-5").prompt("otters", tools=[WebSearch()])
    assert response.text() == "Otters!"
    (call,) = [p for p in response.messages()[0].parts if isinstance(p, ToolCallPart)]
    assert (call.name, call.arguments) == (
        "web_search",
        {"type": "search", "query": "otters"},
    )


@pytest.mark.parametrize("stream", [True, False])
def test_web_search_arguments_from_final_payload(server, stream):
    # Sources are only listed in the final payload, not in output_item.done.
    from llm.default_plugins.openai_models import WebSearch

    done = {
        "type": "web_search_call",
        "id": "ws_1",
        "status": "completed",
        "action": {"type": "search", "query": "pelicans"},
    }
    final = dict(
        done,
        action={
            "type": "search",
            "query": "pelicans",
            "sources": [{"type": "url", "url": "https://example.com/p"}],
        },
    )
    script = responses_reply(done, message_item("News"))

    def reply(request):
        built = script(request)
        if built.events is None:
            built.json["output"][0] = final
        else:
            built.events[-1]["response"]["output"][0] = final
        return built

    server.responses(reply)
    response = llm.get_model("gpt-5").prompt(
        "news", tools=[WebSearch(include_sources=True)], stream=stream
    )
    assert response.text() == "News"
    parts = response.messages()[0].parts
    (call,) = [p for p in parts if isinstance(p, ToolCallPart)]
    assert call.arguments == final["action"]
    assert call.provider_metadata == {"openai": {"item": final}}
    (result,) = [p for p in parts if isinstance(p, ToolResultPart)]
    assert (result.tool_call_id, result.output) == ("ws_1", "completed")


@pytest.mark.parametrize("stream", [True, False])
def test_reasoning_tokens_without_reasoning_item_are_redacted(server, stream):
    server.responses(
        responses_reply(message_item("Done"), usage=responses_usage(reasoning=12))
    )
    response = llm.get_model("o3").prompt("hi", stream=stream)
    events = list(response.stream_events())
    assert [(e.type, e.chunk, e.redacted) for e in events if e.type == "reasoning"] == [
        ("reasoning", "", True)
    ]
    first, second = response.messages()[0].parts
    assert isinstance(first, ReasoningPart) and first.redacted and first.text == ""
    assert isinstance(second, TextPart) and second.text == "Done"


def test_no_reasoning_tokens_no_redacted_part(server):
    server.responses(
        responses_reply(message_item("Done"), usage=responses_usage(reasoning=0))
    )
    response = llm.get_model("o3").prompt("hi")
    assert [type(p) for p in response.messages()[0].parts] == [TextPart]


@pytest.mark.parametrize("stream", [True, False])
def test_reasoning_item_without_text_is_redacted(server, stream):
    server.responses(
        responses_reply(reasoning_item(None, encrypted="E1"), message_item("Done"))
    )
    response = llm.get_model("o3").prompt("hi", stream=stream)
    reasoning = response.messages()[0].parts[0]
    assert isinstance(reasoning, ReasoningPart)
    assert reasoning.redacted is True
    assert reasoning.provider_metadata == {
        "openai": {"id": "rs_1", "encrypted_content": "E1"}
    }
