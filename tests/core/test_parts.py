"""StreamEvent grouping into Parts, and Part/Message serialization."""

import pytest

import llm
from llm.parts import (
    AttachmentPart,
    Part,
    PartAssembler,
    ReasoningPart,
    StreamEvent,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)


def assemble(*events):
    assembler = PartAssembler()
    indexed = [assembler.add(e) for e in events]
    return assembler.parts(), [e.part_index for e in indexed]


def test_consecutive_text_is_one_part():
    parts, indexes = assemble(StreamEvent("text", "a"), StreamEvent("text", "b"))
    assert parts == [TextPart(text="ab")]
    assert indexes == [0, 0]


def test_reasoning_then_text_are_separate_parts():
    parts, _ = assemble(
        StreamEvent("reasoning", "hm"),
        StreamEvent("reasoning", "m"),
        StreamEvent("text", "ok"),
    )
    assert parts == [ReasoningPart(text="hmm"), TextPart(text="ok")]


def test_text_tool_call_text():
    parts, indexes = assemble(
        StreamEvent("text", "one"),
        StreamEvent("tool_call_name", "lookup", tool_call_id="c1"),
        StreamEvent("tool_call_args", '{"q":', tool_call_id="c1"),
        StreamEvent("tool_call_args", ' "x"}', tool_call_id="c1"),
        StreamEvent("text", "two"),
    )
    assert parts == [
        TextPart(text="one"),
        ToolCallPart(name="lookup", arguments={"q": "x"}, tool_call_id="c1"),
        TextPart(text="two"),
    ]
    assert indexes == [0, 1, 1, 1, 2]


def test_parallel_tool_calls_interleaved_by_id():
    parts, _ = assemble(
        StreamEvent("tool_call_name", "a", tool_call_id="1"),
        StreamEvent("tool_call_name", "b", tool_call_id="2"),
        StreamEvent("tool_call_args", '{"x": ', tool_call_id="1"),
        StreamEvent("tool_call_args", '{"y": 2}', tool_call_id="2"),
        StreamEvent("tool_call_args", "1}", tool_call_id="1"),
    )
    assert parts == [
        ToolCallPart(name="a", arguments={"x": 1}, tool_call_id="1"),
        ToolCallPart(name="b", arguments={"y": 2}, tool_call_id="2"),
    ]


def test_reasoning_tool_call_reasoning():
    parts, _ = assemble(
        StreamEvent("reasoning", "r1"),
        StreamEvent("tool_call_name", "t", tool_call_id="c"),
        StreamEvent("reasoning", "r2"),
    )
    assert [type(p) for p in parts] == [ReasoningPart, ToolCallPart, ReasoningPart]


def test_tool_result_is_always_its_own_part():
    parts, _ = assemble(
        StreamEvent(
            "tool_result",
            "hit 1",
            tool_call_id="s",
            server_executed=True,
            tool_name="search",
        ),
        StreamEvent(
            "tool_result",
            "hit 2",
            tool_call_id="s",
            server_executed=True,
            tool_name="search",
        ),
    )
    assert len(parts) == 2
    assert parts[0] == ToolResultPart(
        name="search", output="hit 1", tool_call_id="s", server_executed=True
    )


def test_explicit_part_index_merges_non_adjacent_text():
    parts, indexes = assemble(
        StreamEvent("text", "a", part_index=0),
        StreamEvent("tool_call_name", "t", tool_call_id="c"),
        StreamEvent("text", "b", part_index=0),
    )
    assert parts[0] == TextPart(text="ab")
    assert indexes == [0, 1, 0]


def test_explicit_index_is_reserved_by_auto_assignment():
    parts, indexes = assemble(
        StreamEvent("tool_call_args", '{"a": 1}', part_index=1),
        StreamEvent("text", "hello"),
        StreamEvent("tool_call_name", "late", part_index=1),
    )
    assert indexes == [1, 0, 1]
    assert parts == [
        TextPart(text="hello"),
        ToolCallPart(name="late", arguments={"a": 1}),
    ]


def test_provider_metadata_last_non_none_wins_per_key():
    parts, _ = assemble(
        StreamEvent("reasoning", "x", provider_metadata={"anthropic": {"a": 1}}),
        StreamEvent(
            "reasoning", "", provider_metadata={"anthropic": {"signature": "s"}}
        ),
        StreamEvent("reasoning", "", provider_metadata={"other": None}),
    )
    assert parts[0].provider_metadata == {"anthropic": {"signature": "s"}}


def test_invalid_tool_arguments_are_kept_raw():
    parts, _ = assemble(StreamEvent("tool_call_args", "{not json", tool_call_id="c"))
    assert parts[0].arguments == {"_raw": "{not json"}


def test_unknown_event_type_rejected():
    with pytest.raises(ValueError, match="Unknown StreamEvent type"):
        StreamEvent("bogus", "x")


@pytest.mark.parametrize(
    "part",
    [
        TextPart(text="hi", provider_metadata={"p": {"k": "v"}}),
        ReasoningPart(text="think", redacted=True),
        ToolCallPart(
            name="f", arguments={"a": [1, 2]}, tool_call_id="c", server_executed=True
        ),
        ToolResultPart(
            name="f",
            output="out",
            tool_call_id="c",
            attachments=[llm.Attachment(content=b"\x89PNG", type="image/png")],
            exception="boom",
        ),
        AttachmentPart(
            attachment=llm.Attachment(
                url="https://example.com/a.jpg", type="image/jpeg"
            )
        ),
    ],
)
def test_part_round_trip(part):
    import json

    data = json.loads(json.dumps(part.to_dict()))
    assert Part.from_dict(data) == part


def test_unknown_part_type():
    with pytest.raises(ValueError, match="Unknown part type"):
        Part.from_dict({"type": "video"})


def test_message_helpers_and_round_trip():
    image = llm.Attachment(content=b"abc", type="image/png")
    message = llm.user("look", image)
    assert message.role == "user"
    assert message.parts == [TextPart(text="look"), AttachmentPart(attachment=image)]
    assert message.text == "look"
    assert message.attachments == [image]
    again = llm.Message.from_dict(message.to_dict())
    assert again == message
    assert llm.system("be brief").role == "system"
    assert (
        llm.assistant("ok", ToolCallPart(name="t", tool_call_id="1")).tool_calls[0].name
        == "t"
    )


def test_tool_message_from_results():
    message = llm.tool_message(llm.ToolResult(name="t", output="42", tool_call_id="c1"))
    assert message.role == "tool"
    assert message.tool_results == [
        ToolResultPart(name="t", output="42", tool_call_id="c1")
    ]


def test_message_rejects_unknown_role():
    with pytest.raises(ValueError):
        llm.Message(role="narrator", parts=[])


def test_redacted_reasoning_event():
    parts, _ = assemble(
        StreamEvent(
            "reasoning", "", redacted=True, provider_metadata={"p": {"data": "opaque"}}
        ),
        StreamEvent("text", "answer"),
    )
    assert parts[0] == ReasoningPart(
        text="", redacted=True, provider_metadata={"p": {"data": "opaque"}}
    )


# --- messages as the original builds them -------------------------------------


def test_message_helpers_take_provider_metadata_and_it_round_trips():
    message = llm.assistant("hi", provider_metadata={"p": {"k": 1}})
    assert message.to_dict() == {
        "role": "assistant",
        "parts": [{"type": "text", "text": "hi"}],
        "provider_metadata": {"p": {"k": 1}},
    }
    assert llm.Message.from_dict(message.to_dict()) == message
    for helper in (llm.user, llm.system):
        assert helper("x", provider_metadata={"p": {}}).provider_metadata == {"p": {}}
    result = llm.ToolResult(name="t", output="o", tool_call_id="1")
    assert llm.tool_message(result, provider_metadata={"p": {}}).provider_metadata


def test_sent_message_metadata_is_kept_in_to_dict(mock_model):
    history = [llm.user("q"), llm.assistant("a", provider_metadata={"p": {"k": 1}})]
    data = mock_model.prompt("next", messages=history).to_dict()
    assert data["prompt"]["messages"][1]["provider_metadata"] == {"p": {"k": 1}}
    rebuilt = llm.Response.from_dict(data)
    assert rebuilt.prompt.messages[1].provider_metadata == {"p": {"k": 1}}


def test_stream_event_defaults_and_field_order():
    event = StreamEvent("text", "a")
    assert event.message_index == 0
    assert event.part_index is None
    # Positional order is the original's: type, chunk, part_index, tool_call_id...
    assert StreamEvent("tool_call_name", "f", 3, "c1").tool_call_id == "c1"
    assert StreamEvent("tool_call_name", "f", 3, "c1").part_index == 3


def test_output_is_split_into_messages_by_message_index(mock_model):
    mock_model.enqueue(
        StreamEvent("text", "a", message_index=0),
        StreamEvent("reasoning", "r", message_index=1),
        StreamEvent("text", "b", message_index=1),
        StreamEvent("text", "c", message_index=0),
    )
    response = mock_model.prompt("hi")
    assert response.text() == "abc"
    assert [m.to_dict() for m in response.messages()] == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "text": "a"}, {"type": "text", "text": "c"}],
        },
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "text": "r"},
                {"type": "text", "text": "b"},
            ],
        },
    ]
    assert response.to_dict()["messages"] == [m.to_dict() for m in response.messages()]
    mock_model.enqueue("ok")
    response.reply("more").text()
    roles = [m.role for m in mock_model.prompts[-1].messages]
    assert roles == ["user", "assistant", "assistant", "user"]


def test_an_empty_response_has_no_assistant_message(mock_model):
    mock_model.enqueue("")
    conversation = mock_model.conversation()
    response = conversation.prompt("say nothing")
    assert response.messages() == []
    assert response.to_dict()["messages"] == []
    mock_model.enqueue("ok")
    conversation.prompt("again").text()
    roles = [m.role for m in mock_model.prompts[-1].messages]
    assert roles == ["user", "user"]


def test_parts_of_different_families_cannot_share_a_part_index(mock_model):
    message = (
        "StreamEvent type 'reasoning' is incompatible with prior type at "
        "part_index=0. Allocate a new part_index for a different content type."
    )
    with pytest.raises(ValueError) as raised:
        assemble(
            StreamEvent("text", "a", part_index=0),
            StreamEvent("reasoning", "r", part_index=0),
        )
    assert str(raised.value) == message
    mock_model.enqueue(
        StreamEvent("text", "a", part_index=0),
        StreamEvent("tool_call_name", "f", part_index=0, tool_call_id="c"),
    )
    response = mock_model.prompt("hi")
    with pytest.raises(ValueError, match="incompatible with prior type"):
        response.text()
    assert response.record().status == "error"
    # The same family at one index still concatenates, wherever it arrives.
    parts, _ = assemble(
        StreamEvent("text", "a", part_index=0),
        StreamEvent("reasoning", "r"),
        StreamEvent("text", "b", part_index=0),
    )
    assert parts == [TextPart(text="ab"), ReasoningPart(text="r")]


def test_redacted_reasoning_comes_first_in_its_message(mock_model):
    mock_model.enqueue(
        StreamEvent("reasoning", "think"),
        StreamEvent("text", "answer"),
        StreamEvent("reasoning", "", redacted=True, provider_metadata={"o": {"e": 1}}),
    )
    [message] = mock_model.prompt("hi").messages()
    assert message.to_dict()["parts"] == [
        {
            "type": "reasoning",
            "text": "",
            "redacted": True,
            "provider_metadata": {"o": {"e": 1}},
        },
        {"type": "reasoning", "text": "think"},
        {"type": "text", "text": "answer"},
    ]


def test_prompt_text_follows_the_messages_it_is_given(mock_model):
    history = [llm.user("earlier"), llm.assistant("ok")]
    mock_model.prompt("now", messages=history).text()
    sent = [(m.role, m.text) for m in mock_model.prompts[-1].messages]
    assert sent == [("user", "earlier"), ("assistant", "ok"), ("user", "now")]
    mock_model.prompt("now", system="S", messages=history).text()
    sent = [(m.role, m.text) for m in mock_model.prompts[-1].messages]
    # Like messages=[system("S"), *history, user("now")].
    assert sent == [
        ("system", "S"),
        ("user", "earlier"),
        ("assistant", "ok"),
        ("user", "now"),
    ]


def test_an_option_given_twice_is_a_type_error(mock_model):
    message = (
        "Got values for these options both in options= and as keyword "
        "arguments: ['temperature']"
    )
    with pytest.raises(TypeError) as raised:
        mock_model.prompt("hi", options={"temperature": 0.5}, temperature=0.7)
    assert str(raised.value) == message
    with pytest.raises(TypeError):
        mock_model.conversation().prompt(
            "hi", options={"temperature": 0.5}, temperature=0.5
        )
    assert mock_model.prompt("hi", options={"temperature": 0.5}, max_tokens=9)
