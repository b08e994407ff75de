"""What ``response.log_to_db(db)`` records, row by row."""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest
import sqlite_utils

import llm
from llm.parts import StreamEvent

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def rows(db, sql, params=()):
    return [dict(r) for r in db.query(sql, params)]


def test_plain_prompt_logged(logs_db, mock_model):
    mock_model.enqueue("Hi there", llm.Usage(input=3, output=2, details={"cached": 1}))
    response = mock_model.prompt(
        "Hello   world\n again", system="Be brief", temperature=0.5
    )
    response.text()
    response.log_to_db(logs_db)
    [row] = rows(logs_db, "select * from responses")
    assert row["id"] == response.id
    assert row["model"] == "mock"
    assert row["prompt"] == "Hello   world\n again"
    assert row["system"] == "Be brief"
    assert row["response"] == "Hi there"
    assert json.loads(row["options_json"]) == {"temperature": 0.5}
    assert (row["input_tokens"], row["output_tokens"]) == (3, 2)
    assert json.loads(row["token_details"]) == {"cached": 1}
    assert row["datetime_utc"].endswith("+00:00")
    assert row["duration_ms"] >= 0
    # No conversation object: the response's own id names its conversation.
    assert row["conversation_id"] == response.id
    [conversation] = rows(logs_db, "select * from conversations")
    assert conversation == {
        "id": response.id,
        "name": "Hello world again",
        "model": "mock",
    }
    assert logs_db["response_extras"].count == 0


def test_conversation_name_truncated(logs_db, mock_model):
    conversation = mock_model.conversation()
    text = "word " * 30
    response = conversation.prompt(text)
    response.text()
    response.log_to_db(logs_db)
    second = conversation.prompt("second")
    second.text()
    second.log_to_db(logs_db)
    [row] = rows(logs_db, "select * from conversations")
    assert row["id"] == conversation.id
    assert len(row["name"]) == 50 and row["name"].endswith("...")
    assert {r["conversation_id"] for r in rows(logs_db, "select * from responses")} == {
        conversation.id
    }


def test_logging_twice_stores_once(logs_db, mock_model):
    response = mock_model.prompt("once")
    response.text()
    response.log_to_db(logs_db)
    response.log_to_db(logs_db)
    assert logs_db["responses"].count == 1


def test_a_response_record_logs_like_its_response(logs_db, mock_model):
    from llm.logs import log_response

    mock_model.enqueue("recorded")
    response = mock_model.prompt("snapshot", system="sys")
    response.text()
    log_response(logs_db, response.record())
    [row] = rows(logs_db, "select * from responses")
    assert (row["id"], row["prompt"], row["system"], row["response"]) == (
        response.id,
        "snapshot",
        "sys",
        "recorded",
    )
    response.log_to_db(logs_db)  # the same response: still one row
    assert logs_db["responses"].count == 1


def test_unexecuted_response_is_refused(logs_db, mock_model):
    with pytest.raises(ValueError, match="not been executed"):
        mock_model.prompt("never run").log_to_db(logs_db)
    assert logs_db["responses"].count == 0


def test_fragments_stored_once_by_hash(logs_db, mock_model):
    shared = llm.Fragment("shared content", "shared.txt")
    for text in ("one", "two"):
        response = mock_model.prompt(
            text,
            fragments=[shared, "inline fragment"],
            system_fragments=[llm.Fragment("system bit", "sys.txt")],
        )
        response.text()
        response.log_to_db(logs_db)
    fragments = rows(logs_db, "select hash, content, source from fragments order by id")
    assert fragments == [
        {
            "hash": hashlib.sha256(b"shared content").hexdigest(),
            "content": "shared content",
            "source": "shared.txt",
        },
        {
            "hash": hashlib.sha256(b"inline fragment").hexdigest(),
            "content": "inline fragment",
            "source": None,
        },
        {
            "hash": hashlib.sha256(b"system bit").hexdigest(),
            "content": "system bit",
            "source": "sys.txt",
        },
    ]
    assert logs_db["prompt_fragments"].count == 4
    assert logs_db["system_fragments"].count == 2
    # The prompt column keeps just what was typed; fragments live in their tables.
    assert [r["prompt"] for r in rows(logs_db, "select prompt from responses")] == [
        "one",
        "two",
    ]


def test_attachments_stored_once_by_content_id(logs_db, mock_model, tmp_path):
    image = tmp_path / "image.png"
    image.write_bytes(PNG)
    for text in ("first", "second"):
        response = mock_model.prompt(
            text,
            attachments=[
                llm.Attachment(content=PNG),
                llm.Attachment(path=str(image)),
                llm.Attachment(url="https://example.com/cat.png", type="image/png"),
            ],
        )
        response.text()
        response.log_to_db(logs_db)
    attachments = rows(logs_db, "select id, type, path, url, content from attachments")
    by_id = {a["id"]: a for a in attachments}
    content_id = hashlib.sha256(PNG).hexdigest()
    # Same bytes from memory and from a file share one content id.
    assert by_id[content_id]["type"] == "image/png"
    assert len(attachments) == 2
    url_row = [a for a in attachments if a["url"]][0]
    assert url_row["content"] is None
    assert logs_db["prompt_attachments"].count == 4


def test_schema_stored_once(logs_db, mock_model):
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    for _ in range(2):
        mock_model.enqueue('{"name": "Cleo"}')
        response = mock_model.prompt("dog", schema=schema)
        response.text()
        response.log_to_db(logs_db)
    [stored] = rows(logs_db, "select * from schemas")
    assert json.loads(stored["content"]) == schema
    schema_ids = {
        r["schema_id"] for r in rows(logs_db, "select schema_id from responses")
    }
    assert schema_ids == {stored["id"]}


def test_reasoning_and_resolved_model(logs_db):
    model = llm.get_model("echo")
    response = model.prompt(json.dumps({"reasoning": "think hard"}))
    response.text()
    response.set_resolved_model("echo-2025")
    response.log_to_db(logs_db)
    [row] = rows(
        logs_db, "select reasoning, resolved_model, response_json from responses"
    )
    assert row["reasoning"] == "think hard "
    assert row["resolved_model"] == "echo-2025"
    assert json.loads(row["response_json"]) == {"echo": True}


def multiply(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


class Counter(llm.Toolbox):
    def __init__(self, start: int = 0):
        self.value = start

    def increment(self) -> int:
        """Add one."""
        self.value += 1
        return self.value


def test_chain_logs_tools_calls_results_and_instances(logs_db, mock_model):
    mock_model.enqueue(
        llm.ToolCall(name="multiply", arguments={"a": 3, "b": 4}, tool_call_id="c1"),
        llm.ToolCall(name="Counter_increment", arguments={}, tool_call_id="c2"),
    )
    mock_model.enqueue("The answer is 12")
    chain = mock_model.chain("what is 3 * 4?", tools=[multiply, Counter(5)])
    assert chain.text() == "The answer is 12"
    chain.log_to_db(logs_db)
    responses = rows(logs_db, "select id, prompt, response from responses order by id")
    assert len(responses) == 2
    first, second = responses
    calls = rows(logs_db, "select * from tool_calls order by id")
    assert [
        (c["response_id"], c["name"], json.loads(c["arguments"]), c["tool_call_id"])
        for c in calls
    ] == [
        (first["id"], "multiply", {"a": 3, "b": 4}, "c1"),
        (first["id"], "Counter_increment", {}, "c2"),
    ]
    assert all(c["tool_id"] for c in calls)
    results = rows(logs_db, "select * from tool_results order by id")
    assert [
        (r["response_id"], r["name"], r["output"], r["tool_call_id"]) for r in results
    ] == [
        (second["id"], "multiply", "12", "c1"),
        (second["id"], "Counter_increment", "6", "c2"),
    ]
    [instance] = rows(logs_db, "select * from tool_instances")
    assert instance["name"] == "Counter"
    assert json.loads(instance["arguments"]) == {"start": 5}
    assert results[1]["instance_id"] == instance["id"]
    # Each tool definition is stored once and linked to both responses.
    assert logs_db["tools"].count == 2
    assert logs_db["tool_responses"].count == 4
    [multiply_tool] = rows(logs_db, "select * from tools where name = 'multiply'")
    assert multiply_tool["description"] == "Multiply two numbers."
    assert (
        json.loads(multiply_tool["input_schema"])["properties"]["a"]["type"]
        == "integer"
    )


def test_toolboxes_and_server_tools_of_a_prompt_are_recorded(logs_db):
    """Which toolbox configurations and server-side tools a prompt had, called or not."""
    from llm_test_plugin import EchoSearch

    tools = [
        EchoSearch(depth=2),
        multiply,
        Counter(7),
        llm.ServerSideTool({"type": "x"}),
    ]
    for text in ("first", "second"):
        response = llm.get_model("echo").prompt(text, tools=tools)
        response.text()
        response.log_to_db(logs_db)
    linked = rows(
        logs_db,
        'select r.prompt, ti.name, ti.arguments, x."order" '
        "from tool_instance_responses x join tool_instances ti on ti.id = x.instance_id "
        "join responses r on r.id = x.response_id order by r.id",
    )
    assert [(row["prompt"], row["name"], row["order"]) for row in linked] == [
        ("first", "Counter", 2),
        ("second", "Counter", 2),
    ]
    assert json.loads(linked[0]["arguments"]) == {"start": 7}
    server = rows(
        logs_db,
        'select r.prompt, st.name, st.type, st.arguments, x."order" '
        "from server_tool_responses x join server_tools st on st.id = x.server_tool_id "
        'join responses r on r.id = x.response_id order by r.id, x."order"',
    )
    assert [
        (s["prompt"], s["name"], s["type"], json.loads(s["arguments"]), s["order"])
        for s in server
    ] == [
        ("first", "EchoSearch", "echo_search", {"depth": 2}, 0),
        ("first", "ServerSideTool", "x", {"spec": {"type": "x"}}, 3),
        ("second", "EchoSearch", "echo_search", {"depth": 2}, 0),
        ("second", "ServerSideTool", "x", {"spec": {"type": "x"}}, 3),
    ]
    # Each configuration is stored once.
    assert logs_db["tool_instances"].count == 1
    assert logs_db["server_tools"].count == 2


def test_tool_result_attachments_and_exceptions(logs_db, mock_model):
    def broken():
        """Always fails."""
        raise RuntimeError("disk on fire")

    def picture():
        """Returns an image."""
        return llm.ToolOutput("here", attachments=[llm.Attachment(content=PNG)])

    mock_model.enqueue(
        llm.ToolCall(name="broken", arguments={}, tool_call_id="b1"),
        llm.ToolCall(name="picture", arguments={}, tool_call_id="p1"),
    )
    mock_model.enqueue("done")
    chain = mock_model.chain("go", tools=[broken, picture])
    chain.text()
    chain.log_to_db(logs_db)
    results = {r["name"]: r for r in rows(logs_db, "select * from tool_results")}
    # As the original logs it: the class, then the message.
    assert results["broken"]["exception"] == "RuntimeError: disk on fire"
    assert results["broken"]["output"] == "Error: disk on fire"
    [link] = rows(logs_db, "select * from tool_results_attachments")
    assert link["tool_result_id"] == results["picture"]["id"]
    assert link["attachment_id"] == hashlib.sha256(PNG).hexdigest()


def test_error_midway_is_logged_and_marked(logs_db):
    model = llm.get_model("echo")
    response = model.prompt(json.dumps({"error": "rate limited"}))
    with pytest.raises(llm.ModelError):
        response.text()
    response.log_to_db(logs_db)
    [row] = rows(logs_db, "select response from responses")
    assert row["response"]  # the first half arrived before the failure
    [extras] = rows(logs_db, "select status, error from response_extras")
    assert extras == {"status": "error", "error": "rate limited"}


def test_interrupted_stream_keeps_what_arrived(logs_db, mock_model):
    mock_model.enqueue("part one, ", "part two", "never seen")
    response = mock_model.prompt("stream it")
    seen = []
    for chunk in response:
        seen.append(chunk)
        if len(seen) == 2:
            break  # the user pressed Ctrl-C while we were printing
    response.log_to_db(logs_db)
    [row] = rows(logs_db, "select response from responses")
    assert row["response"] == "part one, part two"
    [extras] = rows(logs_db, "select status from response_extras")
    assert extras["status"] == "interrupted"


class Interrupted(llm.Model):
    model_id = "interrupted"

    def execute(self, prompt, stream, response, conversation=None):
        yield "before "
        raise KeyboardInterrupt


def test_keyboard_interrupt_inside_model_is_marked(logs_db):
    response = Interrupted().prompt("stream it")
    with pytest.raises(KeyboardInterrupt):
        response.text()
    response.log_to_db(logs_db)
    assert rows(logs_db, "select response from responses") == [{"response": "before "}]
    assert rows(logs_db, "select status from response_extras") == [
        {"status": "interrupted"}
    ]


def test_async_response_logged(logs_db, async_mock_model):
    async_mock_model.enqueue("async ", "reply")

    async def run():
        response = async_mock_model.prompt("hello async")
        await response.text()
        return response

    response = asyncio.run(run())
    response.log_to_db(logs_db)
    [row] = rows(logs_db, "select id, prompt, response from responses")
    assert row == {
        "id": response.id,
        "prompt": "hello async",
        "response": "async reply",
    }


def test_explicit_messages_and_server_parts_are_kept(logs_db, mock_model):
    mock_model.enqueue(
        StreamEvent(
            type="tool_call_name",
            chunk="web_search",
            tool_call_id="s1",
            server_executed=True,
        ),
        StreamEvent(
            type="tool_result",
            chunk="results",
            tool_call_id="s1",
            server_executed=True,
            tool_name="web_search",
        ),
        StreamEvent(type="text", chunk="Found it", provider_metadata={"sig": "abc"}),
    )
    response = mock_model.prompt(
        messages=[
            llm.system("sys"),
            llm.user("earlier"),
            llm.assistant("reply"),
            llm.user("now"),
        ]
    )
    response.text()
    response.log_to_db(logs_db)
    [row] = rows(logs_db, "select prompt, system, response from responses")
    assert row == {"prompt": "now", "system": "sys", "response": "Found it"}
    [extras] = rows(logs_db, "select * from response_extras")
    assert extras["status"] is None
    assert [m["role"] for m in json.loads(extras["input_messages"])] == [
        "system",
        "user",
        "assistant",
        "user",
    ]
    parts = json.loads(extras["output_parts"])
    assert [p["type"] for p in parts] == ["tool_call", "tool_result", "text"]
    assert parts[2]["provider_metadata"] == {"sig": "abc"}


def test_log_to_plain_sqlite_utils_database(tmp_path, mock_model):
    """Users may pass their own Database; it is configured and migrated on first use."""
    db = sqlite_utils.Database(tmp_path / "mine.db")
    response = mock_model.prompt("hi")
    response.text()
    response.log_to_db(db)
    assert db["responses"].count == 1
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    db.close()


def test_open_logs_db_is_the_shared_database_handle(tmp_path, mock_model):
    from llm.logs import open_logs_db
    from llm.sqlite import Database

    with open_logs_db(tmp_path / "logs.db") as db:
        assert isinstance(db, Database) and db.path == tmp_path / "logs.db"
        response = mock_model.prompt("hi")
        response.text()
        response.log_to_db(db)
        assert db["responses"].count == 1


def test_memory_database(mock_model):
    db = sqlite_utils.Database(memory=True)
    response = mock_model.prompt("hi")
    response.text()
    response.log_to_db(db)
    assert db["responses"].count == 1
    db.close()


def test_log_inside_callers_transaction(tmp_path, mock_model):
    db = sqlite_utils.Database(tmp_path / "mine.db")
    db["other"].insert({"x": 1})
    before = mock_model.prompt("before")
    before.text()
    before.log_to_db(db)
    db.conn.execute("begin")
    db.conn.execute("insert into other (x) values (2)")
    response = mock_model.prompt("inside")
    response.text()
    response.log_to_db(db)
    db.conn.execute("rollback")
    # The caller's rollback covers our write too: we joined their transaction.
    assert db["other"].count == 1
    assert [r["prompt"] for r in db["responses"].rows] == ["before"]
    db.close()


def test_fallback_is_logged(logs_db, mock_model):
    from llm.errors import TransientError
    from llm.logs import iter_logs

    mock_model.enqueue(TransientError("down"))
    response = mock_model.prompt("hi", retries=0, fallbacks=["echo"])
    response.text()
    response.log_to_db(logs_db)
    [record] = list(iter_logs(logs_db))
    assert record["model"] == "echo"
    assert record["fallbacks"] == [{"model": "mock", "error": "down"}]
    assert rows(logs_db, 'select "order", model, error from response_fallbacks') == [
        {"order": 0, "model": "mock", "error": "down"}
    ]
