"""Sync responses: laziness, streaming, events, usage, callbacks, failures and validation."""

import datetime
import json

import pytest

import llm
from llm.parts import ReasoningPart, StreamEvent, TextPart, ToolCallPart


def test_response_is_lazy_and_repr(mock_model):
    response = mock_model.prompt("Five names")
    assert (
        repr(response) == "<Response prompt='Five names' text='... not yet done ...'>"
    )
    assert mock_model.prompts == []  # nothing executed yet
    mock_model.enqueue("Percy")
    assert response.text() == "Percy"
    assert repr(response) == "<Response prompt='Five names' text='Percy'>"
    assert len(mock_model.prompts) == 1


def test_iteration_streams_and_text_is_idempotent(mock_model):
    mock_model.enqueue("a", "b", "c")
    response = mock_model.prompt("hi")
    assert list(response) == ["a", "b", "c"]
    assert response.text() == "abc"
    assert str(response) == "abc"
    assert list(response) == ["a", "b", "c"]  # replayed, not re-executed
    assert len(mock_model.prompts) == 1


def test_partial_iteration_then_text_continues(mock_model):
    mock_model.enqueue("a", "b", "c")
    response = mock_model.prompt("hi")
    iterator = iter(response)
    assert next(iterator) == "a"
    assert response.text() == "abc"


def test_iteration_yields_only_text(mock_model):
    mock_model.enqueue(
        StreamEvent("reasoning", "thinking..."),
        "answer",
        llm.ToolCall(name="t", arguments={}, tool_call_id="c1"),
    )
    response = mock_model.prompt("hi")
    assert list(response) == ["answer"]
    assert response.reasoning == "thinking..."


def test_stream_events_have_part_index(mock_model):
    mock_model.enqueue(StreamEvent("reasoning", "r"), "t1", "t2")
    events = list(mock_model.prompt("hi").stream_events())
    assert [(e.type, e.chunk, e.part_index) for e in events] == [
        ("reasoning", "r", 0),
        ("text", "t1", 1),
        ("text", "t2", 1),
    ]


def test_messages_are_assembled_parts(mock_model):
    mock_model.enqueue(
        StreamEvent("reasoning", "r", provider_metadata={"x": {"sig": "1"}}),
        "hello",
        llm.ToolCall(name="lookup", arguments={"q": 1}, tool_call_id="c1"),
    )
    response = mock_model.prompt("hi")
    (message,) = response.messages()  # forces execution
    assert message.role == "assistant"
    assert message.parts == [
        ReasoningPart(text="r", provider_metadata={"x": {"sig": "1"}}),
        TextPart(text="hello"),
        ToolCallPart(name="lookup", arguments={"q": 1}, tool_call_id="c1"),
    ]


def test_usage_json_and_resolved_model():
    class Model(llm.Model):
        model_id = "usage-model"

        def execute(self, prompt, stream, response, conversation):
            yield "x"
            response.set_usage(input=5, output=2, details={"cached": 1})
            response.response_json = {"id": "abc"}
            response.set_resolved_model("usage-model-2026")

    response = Model().prompt("hi")
    assert response.usage() == llm.Usage(input=5, output=2, details={"cached": 1})
    assert response.json() == {"id": "abc"}
    assert response.resolved_model == "usage-model-2026"


def test_usage_none_when_not_reported(mock_model):
    assert mock_model.prompt("hi").usage() == llm.Usage(
        input=None, output=None, details=None
    )


def test_on_done_called_once_after_completion(mock_model):
    calls = []
    mock_model.enqueue("done")
    response = mock_model.prompt("hi")
    response.on_done(lambda r: calls.append(r.text_or_raise()))
    assert calls == []
    response.text()
    response.text()
    assert calls == ["done"]
    response.on_done(lambda r: calls.append("late"))  # already done: runs now
    assert calls == ["done", "late"]


def test_text_or_raise_before_execution(mock_model):
    with pytest.raises(ValueError):
        mock_model.prompt("hi").text_or_raise()


def test_timing_fields(mock_model):
    mock_model.enqueue("x")
    response = mock_model.prompt("hi")
    response.text()
    assert response.duration_ms() >= 0
    # In UTC with its offset, as the original returns it.
    started = datetime.datetime.fromisoformat(response.datetime_utc())
    assert response.datetime_utc().endswith("+00:00")
    assert started.utcoffset() == datetime.timedelta(0)
    assert started.year >= 2025
    assert len(response.id) == 26


def test_error_midway_keeps_partial_text():
    model = llm.get_model("echo")
    response = model.prompt(json.dumps({"error": "server exploded"}))
    with pytest.raises(llm.ModelError, match="server exploded"):
        response.text()
    assert response.error is not None
    assert response.text_or_raise().startswith(
        "{"
    )  # the first half arrived and is kept
    assert response.text() == response.text_or_raise()  # no re-execution


def test_keyboard_interrupt_marks_interrupted():
    class Interrupting(llm.Model):
        model_id = "interrupting"

        def execute(self, prompt, stream, response, conversation):
            yield "partial "
            raise KeyboardInterrupt

    response = Interrupting().prompt("hi")
    with pytest.raises(KeyboardInterrupt):
        response.text()
    assert response.interrupted
    assert response.text_or_raise() == "partial "


def test_plugin_returning_a_list_with_three_argument_execute():
    class HelloWorld(llm.Model):
        model_id = "helloworld"

        def execute(self, prompt, stream, response):
            return ["hello world"]

    assert HelloWorld().prompt("x").text() == "hello world"


def test_options_as_kwargs_and_dict(mock_model):
    mock_model.prompt("hi", temperature=0.5).text()
    mock_model.prompt("hi", options={"max_tokens": 10}).text()
    assert mock_model.prompts[0].options.temperature == 0.5
    assert mock_model.prompts[1].options.max_tokens == 10


def test_invalid_option_value_is_a_clear_error(mock_model):
    with pytest.raises(llm.OptionsError, match="temperature"):
        mock_model.prompt("hi", temperature=5)
    with pytest.raises(llm.OptionsError, match="unknown option"):
        mock_model.prompt("hi", bogus=1)


def test_unsupported_attachment_type_rejected_before_call(mock_model):
    attachment = llm.Attachment(content=b"GIF89a" + b"\0" * 20)
    with pytest.raises(llm.AttachmentError, match="image/gif"):
        mock_model.prompt("describe", attachments=[attachment])
    assert mock_model.prompts == []


def test_model_without_attachment_support():
    class Plain(llm.Model):
        model_id = "plain"

        def execute(self, prompt, stream, response, conversation):
            yield "x"

    with pytest.raises(llm.AttachmentError, match="does not support attachments"):
        Plain().prompt(
            "x", attachments=[llm.Attachment(content=b"\x89PNG\r\n\x1a\n" + b"\0" * 16)]
        )


def test_schema_and_tools_require_support():
    class Plain(llm.Model):
        model_id = "plain"

        def execute(self, prompt, stream, response, conversation):
            yield "x"

    with pytest.raises(llm.UnsupportedFeatureError, match="schemas"):
        Plain().prompt("x", schema={"type": "object"})
    with pytest.raises(llm.UnsupportedFeatureError, match="tools"):
        Plain().prompt("x", tools=[len])


def test_schema_from_pydantic_class_becomes_dict(mock_model):
    from pydantic import BaseModel

    class Dog(BaseModel):
        name: str
        age: int

    mock_model.prompt("a dog", schema=Dog).text()
    schema = mock_model.prompts[0].schema
    assert isinstance(schema, dict)
    assert schema["properties"]["age"]["type"] == "integer"
    assert schema["required"] == ["name", "age"]


def test_system_prompt_and_fragments_compose(mock_model):
    mock_model.prompt(
        "question",
        system="be brief",
        fragments=["doc one", llm.Fragment("doc two", "file.txt")],
        system_fragments=["persona"],
    ).text()
    prompt = mock_model.prompts[0]
    assert prompt.prompt == "doc one\ndoc two\nquestion"
    # As the original: system fragments are paragraphs, prompt fragments lines.
    assert prompt.system == "persona\n\nbe brief"
    assert [m.role for m in prompt.messages] == ["system", "user"]
    assert prompt.messages[1].text == "doc one\ndoc two\nquestion"


def test_messages_argument_is_the_full_chain(mock_model):
    mock_model.prompt(
        messages=[
            llm.system("You are a pirate."),
            llm.user("Capital of France?"),
            llm.assistant("Paris, matey."),
            llm.user("And Germany?"),
        ]
    ).text()
    prompt = mock_model.prompts[0]
    assert [(m.role, m.text) for m in prompt.messages] == [
        ("system", "You are a pirate."),
        ("user", "Capital of France?"),
        ("assistant", "Paris, matey."),
        ("user", "And Germany?"),
    ]
    assert prompt.prompt == ""  # never None: plugins call str methods on it


def test_prompt_plus_system_equals_messages(mock_model):
    mock_model.prompt("hi", system="Be brief.").text()
    mock_model.prompt(messages=[llm.system("Be brief."), llm.user("hi")]).text()
    first, second = mock_model.prompts
    assert [m.to_dict() for m in first.messages] == [
        m.to_dict() for m in second.messages
    ]


def test_fake_response(mock_model):
    fake = llm.Response.fake(mock_model, "prompt 1", "system 1", "response 1")
    assert fake.text() == "response 1"
    assert fake.prompt.system == "system 1"
    assert mock_model.prompts == []


def test_restore_response(mock_model):
    prompt = llm.Prompt("q", mock_model)
    restored = llm.Response.restore(
        prompt,
        mock_model,
        text="answer",
        tool_calls=[llm.ToolCall(name="t", arguments={}, tool_call_id="c")],
        input_tokens=3,
        output_tokens=4,
        datetime_utc="2025-01-02T03:04:05",
        duration_ms=1500,
        id="01jexample0000000000000000",
    )
    assert restored.text() == "answer"
    assert restored.usage().input == 3
    assert restored.datetime_utc() == "2025-01-02T03:04:05+00:00"
    assert restored.duration_ms() == 1500
    assert restored.id == "01jexample0000000000000000"
    assert [type(p) for p in restored.messages()[0].parts] == [TextPart, ToolCallPart]
    assert mock_model.prompts == []


def test_stream_flag_passed_through(mock_model):
    model = llm.get_model("echo")
    assert json.loads(model.prompt("x", stream=False).text())["stream"] is False
    assert json.loads(model.prompt("x").text())["stream"] is True


def test_get_model_errors():
    with pytest.raises(llm.UnknownModelError, match="Unknown model: nope"):
        llm.get_model("nope")
    assert str(llm.UnknownModelError("Unknown model: x")) == "Unknown model: x"


def test_debug_returns_what_the_model_recorded_once_done():
    response = llm.get_model("echo").prompt("hi")
    assert response.debug() == {"echo": True}  # runs the prompt first
    assert response.text()


def test_debug_is_an_empty_dict_when_the_model_recorded_nothing(mock_model):
    mock_model.enqueue("plain")
    response = mock_model.prompt("hi")
    assert response.debug() == {}
    assert response.text() == "plain"


def test_async_debug():
    import asyncio

    async def go():
        response = llm.get_async_model("echo").prompt("hi")
        return await response.debug()

    assert asyncio.run(go()) == {"echo": True}


@pytest.mark.parametrize(
    "fragments,text,prompt,system",
    [
        # Prompt fragments are lines, kept as they are; an empty prompt adds nothing.
        # System fragments are stripped paragraphs; blank ones are left out.
        ([" A\n", "B"], "s", " A\n\nB\ns", "A\n\nB\n\ns"),
        (["", "B"], "x", "\nB\nx", "B\n\nx"),
        (["F", ""], "", "F\n", "F"),
        ([], " s ", " s ", "s"),
    ],
)
def test_fragments_join_as_in_the_original(mock_model, fragments, text, prompt, system):
    mock_model.prompt(text, fragments=fragments).text()
    mock_model.prompt("p", system=text, system_fragments=fragments).text()
    first, second = mock_model.prompts
    assert first.prompt == prompt
    assert second.system == system
