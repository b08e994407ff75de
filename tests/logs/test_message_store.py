"""History in the original's content-addressed message store shows in ``llm logs`` and continues."""

from __future__ import annotations

import hashlib
import json

import pytest

import llm
from llm.logs import load_conversation, open_logs_db

from . import original_dbs as o


@pytest.fixture
def store_path(user_path):
    return o.build_message_store(user_path / "logs.db")


def records(run_logs, *args):
    result = run_logs(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_all_generations_listed_in_id_order(store_path, run_logs):
    found = records(run_logs, "-n", "0")
    assert [r["id"] for r in found] == [
        o.LEGACY_ONLY_RESPONSE,
        *o.TURNS,
        o.FRAGMENT_TURN,
        *o.TOOL_TURNS,
    ]
    by_id = {r["id"]: r for r in found}
    # The row written to both generations shows once, from the turns table.
    assert (
        by_id[o.DUAL_WRITTEN]["response"]
        == "How about Percy? Pelicans suit a dignified name."
    )
    first = by_id[o.TURNS[0]]
    assert first["prompt"] == "Suggest a name for a pet pelican"
    assert first["conversation_id"] == o.THREAD
    assert first["conversation_name"] == "Suggest a name for a pet pelican"
    assert first["conversation_model"] == "mock"
    assert (first["input_tokens"], first["output_tokens"]) == (5, 7)
    assert by_id[o.TURNS[1]]["prompt"] == "Now one for a pet walrus"
    assert by_id[o.LEGACY_ONLY_RESPONSE]["response"] == "legacy answer"


def test_turn_without_options_shows_empty_options(store_path, run_logs):
    """The original leaves ``turns.options_json`` null when there were no
    options, and ``llm logs --json`` shows ``{}`` for it, as for responses."""
    import sqlite3

    conn = sqlite3.connect(store_path)
    with conn:
        conn.execute("update turns set options_json = null where id = ?", (o.TURNS[0],))
    conn.close()
    [record] = [r for r in records(run_logs, "-n", "0") if r["id"] == o.TURNS[0]]
    assert record["options_json"] == {}


def test_default_view_shows_latest_three(store_path, run_logs):
    found = records(run_logs)
    assert [r["id"] for r in found] == [o.FRAGMENT_TURN, *o.TOOL_TURNS]


def test_fragment_turn_details(store_path, run_logs):
    [record] = records(run_logs, "--cid", o.FRAGMENT_THREAD, "--expand")
    assert record["prompt"] == "Who is the hero?"
    assert record["system"] == "You are a literary critic"
    assert record["reasoning"] == "Thinking about heroes"
    assert record["response"] == "The narrator."
    digest = hashlib.sha256(o.FRAGMENT_TEXT.encode()).hexdigest()
    assert record["prompt_fragments"] == [
        {
            "hash": digest,
            "content": o.FRAGMENT_TEXT,
            "source": "novel.txt",
            "aliases": [],
        }
    ]
    markdown = run_logs("--cid", o.FRAGMENT_THREAD).output
    assert "<summary>Reasoning trace</summary>\n\nThinking about heroes" in markdown
    assert markdown.index("## Reasoning") < markdown.index("## Response")
    assert digest in markdown


def test_filters_work_across_generations(store_path, run_logs):
    digest = hashlib.sha256(o.FRAGMENT_TEXT.encode()).hexdigest()
    assert [r["id"] for r in records(run_logs, "-f", digest)] == [o.FRAGMENT_TURN]
    assert [r["id"] for r in records(run_logs, "-m", "echo")] == [o.FRAGMENT_TURN]
    assert [r["id"] for r in records(run_logs, "-T", "llm_version")] == [
        o.TOOL_TURNS[1]
    ]
    assert [r["id"] for r in records(run_logs, "--tools")] == [o.TOOL_TURNS[1]]
    assert [r["id"] for r in records(run_logs, "-q", "walrus")] == [o.TURNS[1]]
    assert [r["id"] for r in records(run_logs, "-q", "legacy")] == [
        o.LEGACY_ONLY_RESPONSE
    ]
    assert [
        r["id"] for r in records(run_logs, "--id-gt", o.FRAGMENT_TURN, "-n", "0")
    ] == o.TOOL_TURNS
    assert [
        r["id"] for r in records(run_logs, "--id-gte", o.FRAGMENT_TURN, "-n", "0")
    ] == [
        o.FRAGMENT_TURN,
        *o.TOOL_TURNS,
    ]


def test_tool_turns(store_path, run_logs):
    first, second = records(run_logs, "--cid", o.TOOL_THREAD)
    assert first["tool_calls"] == [
        {"name": "llm_version", "arguments": {}, "tool_call_id": "call_1"}
    ]
    assert first["tools"][0]["name"] == "llm_version"
    assert second["tool_results"][0]["name"] == "llm_version"
    assert second["tool_results"][0]["output"] == "0.32"
    assert second["tool_results"][0]["tool_call_id"] == "call_1"
    assert second["response"] == "Version 0.32"


def test_continue_thread_then_list_it(store_path, run_logs):
    db = open_logs_db()
    conversation = load_conversation(db, o.THREAD, model=llm.get_model("echo"))
    assert conversation.name == "Suggest a name for a pet pelican"
    response = conversation.prompt("And a goose?")
    messages = json.loads(response.text())["messages"]
    assert [(m["role"], m["parts"][0]["text"]) for m in messages] == [
        ("user", "Suggest a name for a pet pelican"),
        ("assistant", "How about Percy? Pelicans suit a dignified name."),
        ("user", "Now one for a pet walrus"),
        ("assistant", "Wallace. It pairs nicely with Percy."),
        ("user", "And a goose?"),
    ]
    response.log_to_db(db)
    found = records(run_logs, "--cid", o.THREAD)
    assert [r["id"] for r in found] == [*o.TURNS, response.id]
    assert found[-1]["prompt"] == "And a goose?"
    # -c picks this thread now, since it holds the newest entry.
    assert [r["id"] for r in records(run_logs, "-c")][-1] == response.id
    db.close()


def test_continue_fragment_and_tool_threads(store_path):
    db = open_logs_db()
    conversation = load_conversation(db, o.FRAGMENT_THREAD)
    assert conversation.model.model_id == "echo"
    messages = json.loads(conversation.prompt("Why?").text())["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["parts"][0]["text"] == o.FRAGMENT_TEXT + "\nWho is the hero?"
    assert [p["type"] for p in messages[2]["parts"]] == ["reasoning", "text"]
    conversation = load_conversation(db, o.TOOL_THREAD, model=llm.get_model("echo"))
    messages = json.loads(conversation.prompt("Thanks").text())["messages"]
    assert [m["role"] for m in messages] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert messages[1]["parts"][0]["type"] == "tool_call"
    assert messages[2]["parts"][0]["type"] == "tool_result"
    assert messages[2]["parts"][0]["output"] == "0.32"
    db.close()


def test_latest_tools_of_a_thread(store_path):
    """``-c`` on a thread sets up its turns' tools again, toolbox arguments included."""
    from llm.logs.prompt_tools import ConfiguredTool, latest_tools

    db = open_logs_db()
    found = latest_tools(db, o.TOOL_THREAD)
    assert found.functions == ["llm_version"]
    assert found.toolboxes == []
    assert found.model == "mock"
    with db.conn:
        db.execute(
            "insert into tools (id, hash, name) values (2, 'h2', 'Memory_recall')"
        )
        db.execute(
            "insert into tool_instances (id, name, arguments) "
            """values (9, 'Memory', '{"prefix": "q:"}')"""
        )
        db.execute("insert into turn_tools values (?, 2, 9)", (o.TOOL_TURNS[1],))
    found = latest_tools(db, o.TOOL_THREAD)
    assert found.functions == ["llm_version", "Memory_recall"]
    assert found.toolboxes == [ConfiguredTool("Memory", {"prefix": "q:"})]
    assert latest_tools(db, o.FRAGMENT_THREAD) is None
    db.close()


def test_status_counts_threads_and_turns(store_path, run_logs):
    output = run_logs("status").output
    assert "Number of threads logged:       3" in output
    assert "Number of turns logged:         5" in output
    assert "Number of responses logged:     2" in output


def test_restored_turns_carry_prompt_fields_for_older_plugins(store_path):
    """Plugins that walk conversation.responses read prompt.prompt and prompt.system."""
    db = open_logs_db()
    conversation = load_conversation(db, o.THREAD, model=llm.get_model("legacy"))
    db.close()
    first, second = conversation.responses
    assert first.prompt.prompt == "Suggest a name for a pet pelican"
    assert second.prompt.prompt == "Now one for a pet walrus"
    reply = conversation.prompt("And a goose?").text()
    assert reply == (
        "legacy:And a goose? history=['Suggest a name for a pet pelican->How about Percy?"
        " Pelicans suit a dignified name.', 'Now one for a pet walrus->Wallace. It pairs"
        " nicely with Percy.']"
    )
