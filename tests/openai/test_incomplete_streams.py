"""A stream the server cuts off before its end marker is kept, but marked incomplete.

The connection closes cleanly partway through: no finish reason, no
``[DONE]`` (Chat Completions), no ``response.completed`` (Responses API).
The text that arrived was already shown, so it is logged with status
``error`` and the reason, the command exits 1 - and it is not retried.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from .fake_server import (
    Reply,
    chat_reply,
    ended_early,
    message_item,
    responses_reply,
)

cli_module = pytest.importorskip("llm.cli")


def run(args):
    return CliRunner().invoke(cli_module.cli, args)


def last_log() -> dict:
    [record] = json.loads(run(["logs", "-n", "1", "--json"]).stdout)
    return record


@pytest.mark.parametrize("mode", [[], ["--async"]], ids=["sync", "async"])
def test_chat_stream_cut_off_is_incomplete_and_not_retried(server, mode):
    server.chat(ended_early(chat_reply("Hello wonderful world", chunk_size=6)))
    result = run(["-m", "4o-mini", *mode, "--retries", "2", "hi"])
    assert result.exit_code == 1
    assert result.stdout == "Hello wonderful world\n"
    assert result.stderr.startswith("Error: Response incomplete:")
    assert len(server.requests_to("chat/completions")) == 1
    record = last_log()
    assert record["response"] == "Hello wonderful world"
    assert record["status"] == "error"
    assert record["error"].startswith("Response incomplete:")


def cut_inside_the_message(script):
    """The Responses stream closed after the first text delta of its message."""

    def build(request):
        reply = script(request)
        events = []
        for event in reply.events:
            events.append(event)
            if event.get("type") == "response.output_text.delta":
                break
        return replace(reply, events=events, done=False)

    return build


def test_responses_stream_cut_off_is_incomplete(server):
    server.responses(
        cut_inside_the_message(responses_reply(message_item("Partial answer")))
    )
    result = run(["-m", "o3", "hi"])
    assert result.exit_code == 1
    assert result.stdout == "Part\n"
    assert "Error: Response incomplete:" in result.stderr
    assert last_log()["status"] == "error"


def test_cut_off_before_any_text_is_retried(server):
    """Nothing was shown yet, so it is retried like a dropped connection."""
    empty = Reply(
        events=[{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}],
        done=False,
    )
    server.chat(empty, chat_reply("Second try"))
    result = run(["-m", "4o-mini", "--retries", "1", "hi"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Second try\n"
    assert len(server.requests_to("chat/completions")) == 2
    assert "status" not in last_log()


def test_finish_reason_without_done_is_complete(server):
    def no_done(request):
        return replace(chat_reply("All there")(request), done=False)

    server.chat(no_done)
    result = run(["-m", "4o-mini", "hi"])
    assert result.exit_code == 0, result.output
    assert "status" not in last_log()


def test_done_without_finish_reason_is_complete(server):
    events = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Fine"}}]}
    ]
    server.chat(Reply(events=events, done=True))
    result = run(["-m", "4o-mini", "hi"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Fine\n"
