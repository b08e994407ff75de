"""Loading logged conversations back so they can be continued (``-c`` / ``--cid``)."""

from __future__ import annotations

import asyncio
import json

import pytest

import llm
from llm.logs import latest_conversation_id, load_conversation

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def multiply(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


def echo_messages(text: str) -> list[dict]:
    return json.loads(text)["messages"]


def build_live_conversation(db):
    """A conversation with a system prompt, fragments, an attachment and a tool round trip."""
    model = llm.get_model("echo")
    conversation = model.conversation()
    first = conversation.prompt(
        "first question",
        system="You are terse",
        fragments=[llm.Fragment("fragment text", "notes.txt")],
        system_fragments=["system fragment"],
        attachments=[llm.Attachment(content=PNG)],
    )
    first.text()
    first.log_to_db(db)
    chain = conversation.chain(
        json.dumps(
            {
                "tool_calls": [
                    {"name": "multiply", "arguments": {"a": 6, "b": 7}, "id": "t1"}
                ]
            }
        ),
        tools=[multiply],
    )
    chain.text()
    chain.log_to_db(db)
    return conversation


def test_round_trip_history_matches_live_conversation(logs_db):
    live = build_live_conversation(logs_db)
    expected = echo_messages(live.prompt("what next?").text())
    loaded = load_conversation(logs_db, live.id)
    assert loaded.id == live.id
    assert loaded.model.model_id == "echo"
    assert [r.id for r in loaded.responses] == [r.id for r in live.responses[:-1]]
    actual = echo_messages(loaded.prompt("what next?").text())
    assert actual == expected
    roles = [m["role"] for m in actual]
    assert roles == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]
    # The tool call and its result made it through the logs.
    assert actual[4]["parts"][0]["type"] == "tool_call"
    assert actual[5]["parts"][0]["output"] == "42"


def test_async_round_trip(logs_db):
    live = build_live_conversation(logs_db)
    expected = echo_messages(live.prompt("again").text())
    loaded = load_conversation(logs_db, live.id, async_=True)
    assert isinstance(loaded, llm.AsyncConversation)

    async def run():
        return await loaded.prompt("again").text()

    assert echo_messages(asyncio.run(run())) == expected


def test_latest_conversation_and_continuing_it_logs_in_place(logs_db, mock_model):
    assert latest_conversation_id(logs_db) is None
    assert load_conversation(logs_db) is None
    old = mock_model.conversation()
    r = old.prompt("old")
    r.text()
    r.log_to_db(logs_db)
    new = mock_model.conversation()
    r = new.prompt("new")
    r.text()
    r.log_to_db(logs_db)
    assert latest_conversation_id(logs_db) == new.id
    loaded = load_conversation(logs_db)
    assert loaded.id == new.id
    assert loaded.model.model_id == mock_model.model_id
    mock_model.enqueue("continued")
    follow_up = loaded.prompt("more")
    assert follow_up.text() == "continued"
    follow_up.log_to_db(logs_db)
    rows = list(logs_db.query("select conversation_id from responses order by id"))
    assert [r["conversation_id"] for r in rows] == [old.id, new.id, new.id]
    # The conversation keeps the name it got from its first prompt.
    assert logs_db["conversations"].get(new.id)["name"] == "new"
    assert [(m.role, m.text) for m in mock_model.prompts[-1].messages] == [
        ("user", "new"),
        ("assistant", "no reply queued"),
        ("user", "more"),
    ]


def test_unknown_conversation_returns_none(logs_db):
    assert load_conversation(logs_db, "no-such-id") is None


def test_model_override_and_uninstalled_model(logs_db, mock_model):
    response = mock_model.prompt("hi")
    response.text()
    response.log_to_db(logs_db)
    loaded = load_conversation(logs_db, model=llm.get_model("echo"))
    assert loaded.model.model_id == "echo"
    logs_db.execute("update conversations set model = 'gone-model'")
    logs_db.conn.commit()
    with pytest.raises(llm.UnknownModelError, match="gone-model"):
        load_conversation(logs_db)


def test_legacy_plugin_sees_restored_responses(logs_db):
    model = llm.get_model("legacy")
    conversation = model.conversation()
    r = conversation.prompt("a")
    r.text()
    r.log_to_db(logs_db)
    loaded = load_conversation(logs_db)
    assert loaded.prompt("b").text() == "legacy:b history=['a->legacy:a history=[]']"


def test_interrupted_response_still_continues(logs_db, mock_model):
    mock_model.enqueue("half ", "of it", "rest")
    conversation = mock_model.conversation()
    response = conversation.prompt("tell me")
    for index, _ in enumerate(response):
        if index == 1:
            break
    response.log_to_db(logs_db)
    loaded = load_conversation(logs_db)
    loaded.prompt("go on").text()
    assert [(m.role, m.text) for m in mock_model.prompts[-1].messages] == [
        ("user", "tell me"),
        ("assistant", "half of it"),
        ("user", "go on"),
    ]


def test_explicit_messages_round_trip(logs_db, mock_model):
    response = mock_model.prompt(
        messages=[llm.user("earlier"), llm.assistant("ok"), llm.user("now")]
    )
    response.text()
    response.log_to_db(logs_db)
    loaded = load_conversation(logs_db)
    loaded.prompt("next").text()
    assert [(m.role, m.text) for m in mock_model.prompts[-1].messages] == [
        ("user", "earlier"),
        ("assistant", "ok"),
        ("user", "now"),
        ("assistant", "no reply queued"),
        ("user", "next"),
    ]


def test_a_prompt_that_failed_before_any_output_is_not_resent(logs_db, mock_model):
    conversation = mock_model.conversation()
    mock_model.enqueue("first answer")
    first = conversation.prompt("first question")
    first.text()
    first.log_to_db(logs_db)
    mock_model.enqueue(llm.ModelError("server said no"))
    failed = conversation.prompt("failing question")
    with pytest.raises(llm.ModelError):
        failed.text()
    failed.log_to_db(logs_db)  # logged, marked as an error
    status = logs_db.execute(
        "select status from response_extras where response_id = ?", [failed.id]
    ).fetchone()[0]
    assert status == "error"

    loaded = load_conversation(logs_db, conversation.id, model=llm.get_model("echo"))
    assert [r.id for r in loaded.responses] == [first.id]
    messages = echo_messages(loaded.prompt("third question").text())
    texts = [
        (m["role"], "".join(p.get("text", "") for p in m["parts"])) for m in messages
    ]
    assert texts == [
        ("user", "first question"),
        ("assistant", "first answer"),
        ("user", "third question"),
    ]


def test_a_conversation_whose_only_prompt_failed_can_still_be_continued(
    logs_db, mock_model
):
    conversation = mock_model.conversation()
    mock_model.enqueue(llm.ModelError("nope"))
    failed = conversation.prompt("only question")
    with pytest.raises(llm.ModelError):
        failed.text()
    failed.log_to_db(logs_db)
    loaded = load_conversation(logs_db)
    assert loaded.id == conversation.id
    assert loaded.responses == []


def test_a_stream_that_failed_midway_keeps_its_partial_turn(logs_db):
    echo = llm.get_model("echo")
    conversation = echo.conversation()
    failed = conversation.prompt(json.dumps({"error": "cut off"}))
    with pytest.raises(llm.ModelError):
        failed.text()
    failed.log_to_db(logs_db)
    loaded = load_conversation(logs_db, conversation.id)
    assert [r.id for r in loaded.responses] == [failed.id]


def test_tool_attachments_are_logged_once_and_reload_without_duplicates(
    mock_model, logs_db
):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16

    def draw(prompt: str) -> llm.ToolOutput:
        "Draw"
        return llm.ToolOutput(output="drawn", attachments=[llm.Attachment(content=png)])

    mock_model.enqueue(llm.ToolCall(name="draw", arguments={"prompt": "cat"}))
    mock_model.enqueue("nice")
    chain = mock_model.chain("draw a cat", tools=[draw])
    chain.text()
    db = logs_db
    chain.log_to_db(db)
    follow_up_id = chain._responses[-1].id
    assert db.execute(
        "select count(*) from prompt_attachments where response_id = ?", [follow_up_id]
    ).fetchone() == (0,)
    loaded = load_conversation(db, chain._responses[0].conversation.id)
    expected = [m.to_dict() for m in chain._responses[-1].prompt.turn_messages()]
    reloaded = loaded.responses[-1].prompt
    assert [m.to_dict() for m in reloaded.turn_messages()] == expected
    assert [a.content_bytes() for a in reloaded.attachments] == [png]


def test_a_failed_tool_round_keeps_its_tool_results_in_history(logs_db, mock_model):
    def multiply_numbers(a: int, b: int) -> int:
        """Multiply two numbers."""
        return a * b

    conversation = mock_model.conversation()
    mock_model.enqueue(
        llm.ToolCall(name="multiply_numbers", arguments={"a": 6, "b": 7})
    )
    mock_model.enqueue(llm.ModelError("overloaded"))
    chain = conversation.chain("six times seven?", tools=[multiply_numbers])
    with pytest.raises(llm.ModelError):
        chain.text()
    chain.log_to_db(logs_db)
    mock_model.enqueue("42, sorry for the wait")
    live = conversation.prompt("again").text()
    live_roles = [m.role for m in mock_model.prompts[-1].messages]
    loaded = load_conversation(logs_db, conversation.id)
    mock_model.enqueue("42")
    loaded.prompt("again").text()
    roles = [m.role for m in mock_model.prompts[-1].messages]
    # The tool call is answered by its results, then the new question follows.
    assert roles == live_roles == ["user", "assistant", "tool", "user"]
    assert live == "42, sorry for the wait"


def test_prompt_text_given_with_messages_is_continued_once(logs_db, mock_model):
    conversation = mock_model.conversation()
    history = [llm.user("earlier"), llm.assistant("ok")]
    mock_model.enqueue("first answer")
    conversation.prompt("now", messages=history).text()
    conversation.responses[-1].log_to_db(logs_db)
    only_messages = mock_model.conversation()
    mock_model.enqueue("second answer")
    only_messages.prompt(messages=[*history, llm.user("now")]).text()
    only_messages.responses[-1].log_to_db(logs_db)
    for live in (conversation, only_messages):
        mock_model.enqueue("live")
        live.prompt("again").text()
        expected = [(m.role, m.text) for m in mock_model.prompts[-1].messages]
        mock_model.enqueue("reloaded")
        load_conversation(logs_db, live.id).prompt("again").text()
        reloaded = [(m.role, m.text) for m in mock_model.prompts[-1].messages]
        assert reloaded == expected
        assert expected[:3] == [
            ("user", "earlier"),
            ("assistant", "ok"),
            ("user", "now"),
        ]
