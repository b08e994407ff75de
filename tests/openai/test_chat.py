"""Chat Completions models against the fake server: requests, streaming, usage, options."""

from __future__ import annotations

import pytest

import llm
from llm.errors import OptionsError, UnsupportedFeatureError

from .fake_server import chat_reply, chat_usage


def test_streamed_prompt(server):
    server.chat(chat_reply("Bonjour le monde", chunk_size=3))
    model = llm.get_model("gpt-4o-mini")
    response = model.prompt("Say hello in French", system="Be brief")
    chunks = list(response)
    assert len(chunks) > 3
    assert "".join(chunks) == "Bonjour le monde"
    request = server.last
    assert request.path == "/v1/chat/completions"
    assert request.authorization == "Bearer sk-test"
    assert request.body == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief"},
            {"role": "user", "content": "Say hello in French"},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_streamed_usage_and_json(server):
    server.chat(
        chat_reply(
            "Hi",
            usage=chat_usage(
                11,
                3,
                prompt_tokens_details={"cached_tokens": 4, "audio_tokens": 0},
                completion_tokens_details={"reasoning_tokens": 0},
            ),
        )
    )
    response = llm.get_model("4o-mini").prompt("hi")
    assert response.text() == "Hi"
    usage = response.usage()
    assert (usage.input, usage.output) == (11, 3)
    assert usage.details == {"prompt_tokens_details": {"cached_tokens": 4}}
    payload = response.json()
    assert payload["content"] == "Hi"
    assert payload["role"] == "assistant"
    assert payload["finish_reason"] == "stop"
    assert payload["id"] == "chatcmpl-fake"
    assert payload["usage"]["prompt_tokens"] == 11


def test_non_streamed_prompt(server):
    server.chat(chat_reply("Complete answer", usage=chat_usage(7, 2)))
    response = llm.get_model("gpt-4o").prompt("question", stream=False)
    assert response.text() == "Complete answer"
    body = server.last_body
    assert body["stream"] is False
    assert "stream_options" not in body
    assert response.usage().input == 7
    assert response.json()["choices"][0]["message"]["content"] == "Complete answer"
    assert response.json()["object"] == "chat.completion"


def test_resolved_model(server):
    server.chat(chat_reply("x", model="gpt-4o-mini-2024-07-18"))
    response = llm.get_model("gpt-4o-mini").prompt("hi")
    response.text()
    assert response.resolved_model == "gpt-4o-mini-2024-07-18"

    server.chat(chat_reply("x"))
    same = llm.get_model("gpt-4o-mini").prompt("hi")
    same.text()
    assert same.resolved_model is None


def test_every_option_reaches_the_request(server):
    model = llm.get_model("gpt-4o")
    response = model.prompt(
        "hi",
        options={
            "temperature": 0.7,
            "max_tokens": 50,
            "top_p": 0.9,
            "frequency_penalty": 0.5,
            "presence_penalty": -0.5,
            "stop": "END",
            "logit_bias": '{"1712": -100, "892": 50}',
            "seed": 42,
            "service_tier": "flex",
        },
    )
    response.text()
    body = server.last_body
    assert body["temperature"] == 0.7
    assert body["max_tokens"] == 50
    assert body["top_p"] == 0.9
    assert body["frequency_penalty"] == 0.5
    assert body["presence_penalty"] == -0.5
    assert body["stop"] == "END"
    assert body["logit_bias"] == {"1712": -100, "892": 50}
    assert body["seed"] == 42
    assert body["service_tier"] == "flex"
    assert "response_format" not in body


def test_keyword_options_still_work(server):
    llm.get_model("gpt-4o").prompt("hi", temperature=0.1, max_tokens=5).text()
    assert server.last_body["temperature"] == 0.1
    assert server.last_body["max_tokens"] == 5


def test_json_object(server):
    server.chat(chat_reply('{"a": 1}'))
    llm.get_model("gpt-4o-mini").prompt("JSON please", json_object=True).text()
    assert server.last_body["response_format"] == {"type": "json_object"}


def test_schema(server):
    server.chat(chat_reply('{"name": "Cleo", "age": 4}'))
    schema = llm.schema_dsl("name, age int")
    response = llm.get_model("gpt-4o-mini").prompt("Invent a dog", schema=schema)
    assert response.text() == '{"name": "Cleo", "age": 4}'
    assert server.last_body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema},
    }


def test_schema_from_pydantic_model(server):
    from pydantic import BaseModel

    class Dog(BaseModel):
        name: str

    llm.get_model("gpt-4o-mini").prompt("dog", schema=Dog).text()
    sent = server.last_body["response_format"]["json_schema"]["schema"]
    assert sent["properties"]["name"]["type"] == "string"


def test_schema_rejected_by_model_without_support(server):
    with pytest.raises(UnsupportedFeatureError):
        llm.get_model("gpt-3.5-turbo").prompt("dog", schema={"type": "object"})
    assert server.requests == []


def test_image_detail_and_verbosity_are_not_sent_raw(server):
    llm.get_model("gpt-4o").prompt("hi", image_detail="low").text()
    assert "image_detail" not in server.last_body


@pytest.mark.parametrize(
    "options,fragment",
    [
        ({"temperature": 3}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"frequency_penalty": -3}, "frequency_penalty"),
        ({"logit_bias": "not json"}, "Invalid JSON in logit_bias"),
        ({"logit_bias": '{"abc": 10}'}, "integer token IDs"),
        ({"logit_bias": '{"1712": 150}'}, "between -100 and 100"),
        ({"logit_bias": '{"1712": null}'}, "between -100 and 100"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"no_such_option": 1}, "no_such_option"),
        ({"reasoning_effort": "high"}, "reasoning_effort"),
    ],
)
def test_invalid_options(server, options, fragment):
    with pytest.raises(OptionsError) as info:
        llm.get_model("gpt-4o").prompt("hi", options=options)
    assert fragment in str(info.value)
    assert server.requests == []


def test_reasoning_options_on_chat_path(server):
    # o3 uses the Responses API; chat_completions switches to the old path.
    response = llm.get_model("o3").prompt(
        "hi", chat_completions=True, reasoning_effort="low", max_tokens=30
    )
    response.text()
    assert server.last.path == "/v1/chat/completions"
    body = server.last_body
    assert body["reasoning_effort"] == "low"
    assert body["max_completion_tokens"] == 30
    assert "max_tokens" not in body
    assert "chat_completions" not in body


def test_conversation_history(server):
    server.chat(chat_reply("First answer"), chat_reply("Second answer"))
    conversation = llm.get_model("gpt-4o-mini").conversation()
    assert conversation.prompt("one", system="sys").text() == "First answer"
    assert conversation.prompt("two").text() == "Second answer"
    assert server.last_body["messages"] == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "First answer"},
        {"role": "user", "content": "two"},
    ]


def test_changed_system_prompt_is_sent_again(server):
    conversation = llm.get_model("gpt-4o-mini").conversation()
    conversation.prompt("one", system="first").text()
    conversation.prompt("two", system="second").text()
    roles = [(m["role"], m["content"]) for m in server.last_body["messages"]]
    assert roles[0] == ("system", "first")
    assert ("system", "second") in roles[2:]


def test_explicit_messages(server):
    response = llm.get_model("gpt-4o-mini").prompt(
        messages=[
            llm.system("Be terse"),
            llm.user("Hello"),
            llm.assistant("Hi!"),
            llm.user("What can you do?"),
        ]
    )
    response.text()
    assert server.last_body["messages"] == [
        {"role": "system", "content": "Be terse"},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi!"},
        {"role": "user", "content": "What can you do?"},
    ]


def test_reasoning_content_from_compatible_servers(server):
    server.chat(chat_reply("Answer", reasoning_content="Let me think"))
    response = llm.get_model("gpt-4o-mini").prompt("q")
    events = list(response.stream_events())
    assert "".join(e.chunk for e in events if e.type == "reasoning") == "Let me think"
    assert response.text() == "Answer"
    assert response.json()["reasoning_content"] == "Let me think"

    server.chat(chat_reply("Answer", reasoning_content="Hmm"))
    whole = llm.get_model("gpt-4o-mini").prompt("q", stream=False)
    assert whole.text() == "Answer"
    assert whole.reasoning == "Hmm"


def test_can_stream_false_sends_no_stream(server, write_extra_models):
    write_extra_models(
        [{"model_id": "nostream", "model_name": "x", "can_stream": False}]
    )
    response = llm.get_model("nostream").prompt("hi")
    assert response.text() == "Hello from the fake server"
    assert server.last_body["stream"] is False


def test_key_passed_to_prompt(server):
    llm.get_model("gpt-4o-mini").prompt("hi", key="sk-explicit").text()
    assert server.last.authorization == "Bearer sk-explicit"
