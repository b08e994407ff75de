"""Response.record(): the public snapshot logging and to_dict() read, and cancel()."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

import llm
from llm.parts import ReasoningPart, StreamEvent, TextPart, ToolCallPart
from llm.response_record import ResponseRecord

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
    b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def test_finished_response_record(mock_model):
    mock_model.enqueue(
        StreamEvent(type="reasoning", chunk="thinking"),
        "Hello ",
        "there",
        llm.ToolCall(name="lookup", arguments={"q": 1}, tool_call_id="c1"),
        llm.Usage(input=3, output=5, details={"cached": 1}),
    )
    response = mock_model.prompt(
        "hi",
        system="be brief",
        fragments=["context"],
        system_fragments=["rules"],
        attachments=[llm.Attachment(content=PNG)],
        temperature=0.5,
        schema={"type": "object"},
    )
    response.text()
    record = response.record()

    assert isinstance(record, ResponseRecord) and llm.ResponseRecord is ResponseRecord
    assert (record.id, record.model_id) == (response.id, "mock")
    assert (record.prompt, record.system) == ("hi", "be brief")
    assert (record.full_prompt, record.full_system) == (
        "context\nhi",
        "rules\n\nbe brief",
    )
    assert record.fragments == ("context",) and record.system_fragments == ("rules",)
    assert record.options == {"temperature": 0.5}
    assert record.schema == {"type": "object"}
    # The attachment itself, bytes included, for serialization.
    assert [a.content_bytes() for a in record.attachments] == [PNG]
    assert [m.role for m in record.input_messages] == ["system", "user"]
    assert record.messages is None
    assert record.text == "Hello there" and record.reasoning == "thinking"
    assert [type(p) for p in record.parts] == [ReasoningPart, TextPart, ToolCallPart]
    assert [c.tool_call_id for c in record.tool_calls] == ["c1"]
    assert record.usage == llm.Usage(input=3, output=5, details={"cached": 1})
    assert record.output_messages() == response.messages()
    assert (record.started, record.done, record.status) == (True, True, "done")
    assert record.datetime_utc == response.datetime_utc()
    assert record.duration_ms == response.duration_ms()
    assert record.conversation_id is None

    with pytest.raises(dataclasses.FrozenInstanceError):
        record.text = "changed"  # type: ignore[misc]


def test_record_in_a_conversation_carries_the_whole_input_chain(mock_model):
    conversation = mock_model.conversation()
    conversation.name = "Pelicans"
    mock_model.enqueue("first answer")
    conversation.prompt("first").text()
    second = conversation.prompt("second")
    second.text()
    record = second.record()
    assert (record.conversation_id, record.conversation_name) == (
        conversation.id,
        "Pelicans",
    )
    assert record.conversation_model_id == "mock"
    assert [(m.role, m.text) for m in record.input_messages] == [
        ("user", "first"),
        ("assistant", "first answer"),
        ("user", "second"),
    ]


def test_record_of_tools_given_and_offered(mock_model):
    def multiply(a: int, b: int) -> int:
        """Multiply two numbers."""
        return a * b

    response = mock_model.prompt("hi", tools=[multiply])
    response.text()
    record = response.record()
    assert record.given_tools == (multiply,)
    assert [t.name for t in record.tools] == ["multiply"]


def test_record_of_a_failed_response():
    response = llm.get_model("echo").prompt(json.dumps({"error": "server exploded"}))
    with pytest.raises(llm.ModelError):
        response.text()
    record = response.record()
    assert record.status == "error" and str(record.error) == "server exploded"
    assert record.text.startswith("{")


def test_unstarted_response_is_recorded_as_not_started(mock_model):
    record = mock_model.prompt("hi").record()
    assert (record.started, record.done, record.status) == (False, False, "interrupted")


def test_cancel_between_chunks_keeps_what_arrived(mock_model):
    mock_model.enqueue("one ", "two ", "three")
    response = mock_model.prompt("hi")
    chunks = iter(response)
    assert next(chunks) == "one "
    response.cancel()
    assert response.interrupted and response.error is None
    # Nothing more is read from the model.
    assert list(chunks) == []
    assert response.text() == "one "
    record = response.record()
    assert (record.started, record.done, record.status) == (True, True, "interrupted")


def test_cancel_turns_an_asyncio_cancellation_into_an_interruption():
    class Cancelled(llm.AsyncModel):
        model_id = "cancelled"

        async def execute(self, prompt, stream, response, conversation=None):
            yield "partial"
            raise asyncio.CancelledError

    response = Cancelled().prompt("hi")

    async def consume():
        async for _ in response:
            pass

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(consume())
    assert type(response.error) is asyncio.CancelledError
    response.cancel()
    assert response.error is None and response.interrupted
    assert response.record().status == "interrupted"
    assert response.record().text == "partial"


def test_cancel_of_a_finished_response_keeps_its_output(mock_model):
    mock_model.enqueue("done")
    response = mock_model.prompt("hi")
    response.text()
    response.cancel()
    assert response.text() == "done" and response.interrupted
