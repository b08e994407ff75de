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
