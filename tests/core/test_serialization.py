"""Response.to_dict() / from_dict(): the original LLM's layout, in both directions.

The ORIGINAL_* payloads are what LLM 0.36 writes for these prompts (the layout
python-api.md describes under "Persisting a conversation": the model, the input
messages that were sent with the options, the assistant output), checked
against the original by running it; only the IDs differ.
"""

import asyncio
import base64
import datetime
import json

import pytest

import llm
from llm.parts import AttachmentPart, StreamEvent, TextPart, ToolCallPart

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
PNG_B64 = "iVBORw0KGgoAAAAAAAAAAA=="

ORIGINAL_ANSWER = {
    "model": "mock",
    "prompt": {
        "messages": [
            {"role": "system", "parts": [{"type": "text", "text": "Be brief."}]},
            {
                "role": "user",
                "parts": [
                    {"type": "text", "text": "What's 2+2?"},
                    {
                        "type": "attachment",
                        "attachment": {"type": "image/png", "content": PNG_B64},
                    },
                ],
            },
        ],
        "options": {"temperature": 0.5},
        "system": "Be brief.",
    },
    "messages": [
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "text": "Thinking."},
                {"type": "text", "text": "Four."},
            ],
        }
    ],
    "id": "01m8vdxx9cpd4canvvhw6mgzsd",
    "usage": {"input": 12, "output": 3},
    "datetime_utc": "2026-12-02T13:08:31.148258+00:00",
}

ORIGINAL_TOOL_CALL = {
    "model": "mock",
    "prompt": {
        "messages": [{"role": "user", "parts": [{"type": "text", "text": "draw"}]}]
    },
    "messages": [
        {
            "role": "assistant",
            "parts": [
                {
                    "type": "tool_call",
                    "name": "draw",
                    "arguments": {"what": "cat"},
                    "tool_call_id": "call_1",
                }
            ],
        }
    ],
    "id": "01m8vdxx9pvb1wcjbvwgxyxzbp",
    "datetime_utc": "2026-12-02T13:08:31.158083+00:00",
}


def draw(what: str) -> llm.ToolOutput:
    "Draw something"
    return llm.ToolOutput(
        output="drawn", attachments=[llm.Attachment(content=PNG, type="image/png")]
    )


def answer(mock_model):
    mock_model.enqueue(
        StreamEvent("reasoning", "Thinking."), "Four.", llm.Usage(input=12, output=3)
    )
    return mock_model.prompt(
        "What's 2+2?",
        system="Be brief.",
        options={"temperature": 0.5},
        attachments=[llm.Attachment(content=PNG, type="image/png")],
    )


def without_ids(data):
    return {k: v for k, v in data.items() if k not in ("id", "datetime_utc")}


def test_to_dict_writes_what_the_original_writes(mock_model):
    response = answer(mock_model)
    data = response.to_dict()  # runs the response first
    assert without_ids(data) == without_ids(ORIGINAL_ANSWER)
    assert data["id"] == response.id
    started = datetime.datetime.fromisoformat(data["datetime_utc"])
    assert started.utcoffset() == datetime.timedelta(0)
    assert json.loads(json.dumps(data)) == data


def test_to_dict_of_a_tool_call_writes_what_the_original_writes(mock_model):
    mock_model.enqueue(
        llm.ToolCall(name="draw", arguments={"what": "cat"}, tool_call_id="call_1")
    )
    response = mock_model.prompt("draw", tools=[draw])
    assert without_ids(response.to_dict()) == without_ids(ORIGINAL_TOOL_CALL)


def test_a_payload_saved_by_the_original_loads_and_continues(mock_model):
    rebuilt = llm.Response.from_dict(json.loads(json.dumps(ORIGINAL_ANSWER)))
    assert rebuilt.text() == "Four."
    assert rebuilt.reasoning == "Thinking."
    assert rebuilt.id == ORIGINAL_ANSWER["id"]
    assert rebuilt.usage() == llm.Usage(input=12, output=3)
    assert rebuilt.datetime_utc() == "2026-12-02T13:08:31.148258+00:00"
    prompt = rebuilt.prompt
    assert (prompt.prompt, prompt.system) == ("What's 2+2?", "Be brief.")
    assert prompt.options.temperature == 0.5
    assert [a.content_bytes() for a in prompt.attachments] == [PNG]
    # Saving it again gives back what the original wrote.
    assert rebuilt.to_dict() == ORIGINAL_ANSWER
    mock_model.enqueue("Seven.")
    assert rebuilt.reply("Add 3 to that").text() == "Seven."
    sent = [m.to_dict() for m in mock_model.prompts[-1].messages]
    assert sent == [
        *ORIGINAL_ANSWER["prompt"]["messages"],
        *ORIGINAL_ANSWER["messages"],
        {"role": "user", "parts": [{"type": "text", "text": "Add 3 to that"}]},
    ]


def test_tool_calls_a_saved_response_ended_with_are_pending_again(mock_model):
    rebuilt = llm.Response.from_dict(ORIGINAL_TOOL_CALL)
    assert rebuilt.tool_calls() == [
        llm.ToolCall(name="draw", arguments={"what": "cat"}, tool_call_id="call_1")
    ]
    mock_model.enqueue("A cat.")
    assert rebuilt.reply(tools=[draw]).text() == "A cat."
    [result] = mock_model.prompts[-1].tool_results
    assert (result.name, result.output, result.tool_call_id) == (
        "draw",
        "drawn",
        "call_1",
    )


def test_a_tool_results_turn_with_a_returned_file_round_trips(mock_model):
    mock_model.enqueue(
        llm.ToolCall(name="draw", arguments={"what": "cat"}, tool_call_id="call_1")
    )
    mock_model.enqueue("A cat.")
    chain = mock_model.chain("draw", tools=[draw])
    chain.text()
    follow_up = list(chain.responses())[-1]
    data = follow_up.to_dict()
    assert data["prompt"]["messages"][-2:] == [
        {
            "role": "tool",
            "parts": [
                {
                    "type": "tool_result",
                    "name": "draw",
                    "output": "drawn",
                    "tool_call_id": "call_1",
                }
            ],
        },
        {
            "role": "user",
            "parts": [
                {
                    "type": "attachment",
                    "attachment": {"type": "image/png", "content": PNG_B64},
                }
            ],
        },
    ]
    rebuilt = llm.Response.from_dict(json.loads(json.dumps(data)))
    assert [m.to_dict() for m in rebuilt.prompt.messages] == data["prompt"]["messages"]


def test_attachments_are_base64_under_content_and_read_back():
    part = AttachmentPart(attachment=llm.Attachment(content=PNG, type="image/png"))
    data = part.to_dict()
    assert data == {
        "type": "attachment",
        "attachment": {"type": "image/png", "content": PNG_B64},
    }
    assert base64.b64decode(data["attachment"]["content"]) == PNG
    again = AttachmentPart.from_dict(data)
    assert again.attachment.content_bytes() == PNG
    # Parts without optional fields leave them out, as the original does.
    assert ToolCallPart(name="x").to_dict() == {
        "type": "tool_call",
        "name": "x",
        "arguments": {},
    }
    assert AttachmentPart().to_dict() == {"type": "attachment"}


def test_payloads_from_earlier_versions_still_load(mock_model):
    earlier = {
        "format": 1,
        "id": "01j0000000000000000000000a",
        "model": "mock",
        "prompt": "hello",
        "system": None,
        "messages": [
            {
                "role": "user",
                "parts": [
                    {"type": "text", "text": "hello"},
                    {
                        "type": "attachment",
                        "attachment": {"type": "image/png", "content_base64": PNG_B64},
                    },
                ],
            }
        ],
        "output": [{"role": "assistant", "parts": [{"type": "text", "text": "hi"}]}],
        "tool_calls": [],
        "options": {},
        "usage": {"input": 1, "output": 1, "details": None},
    }
    rebuilt = llm.Response.from_dict(earlier)
    assert rebuilt.text() == "hi"
    assert rebuilt.prompt.prompt == "hello"
    assert [a.content_bytes() for a in rebuilt.prompt.attachments] == [PNG]


def test_async_to_dict_needs_the_response_awaited_first(async_mock_model):
    async def main():
        response = async_mock_model.prompt("hi")
        with pytest.raises(ValueError, match="not yet awaited"):
            response.to_dict()
        await response
        return response.to_dict()

    async_mock_model.enqueue("hello")
    data = asyncio.run(main())
    assert data["messages"] == [
        {"role": "assistant", "parts": [{"type": "text", "text": "hello"}]}
    ]
    rebuilt = llm.AsyncResponse.from_dict(data)
    assert asyncio.run(rebuilt.text()) == "hello"


def test_sync_to_dict_runs_the_response_first(mock_model):
    mock_model.enqueue("ran")
    response = mock_model.prompt("hi")
    assert response.to_dict()["messages"][0]["parts"] == [
        {"type": "text", "text": "ran"}
    ]
    assert response.text() == "ran"
    assert TextPart(text="ran") in response.messages()[0].parts


def test_a_saved_time_with_another_offset_is_converted_to_utc(mock_model):
    data = json.loads(json.dumps(ORIGINAL_ANSWER))
    data["datetime_utc"] = "2026-12-02T15:08:31.148258+02:00"
    rebuilt = llm.Response.from_dict(data)
    assert rebuilt.datetime_utc() == "2026-12-02T13:08:31.148258+00:00"
    assert rebuilt.to_dict()["datetime_utc"] == "2026-12-02T13:08:31.148258+00:00"
