"""A stream the server cuts off before its end marker is kept, but marked incomplete.

The connection closes cleanly partway through: no finish reason, no
``[DONE]`` (Chat Completions), no ``response.completed`` (Responses API).
The text that arrived was already shown, so it is logged with status
``error`` and the reason, the command exits 1 - and it is not retried.
Models run through the openai SDK (a subclass with its own ``get_client()``,
as llm-openrouter and others have) behave the same.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

import llm
from llm.default_plugins.openai_models import (
    AsyncChat,
    AsyncResponses,
    Chat,
    Responses,
)
from llm.plugins import pm

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


# --- the openai SDK path ------------------------------------------------------


class _OwnClient:
    """Brings its own client, so requests go through the openai SDK."""

    needs_key = None

    def get_client(self, key, *, async_=False):
        return super().get_client(key, async_=async_)


class SdkChat(_OwnClient, Chat):
    pass


class AsyncSdkChat(_OwnClient, AsyncChat):
    pass


class SdkResponses(_OwnClient, Responses):
    pass


class AsyncSdkResponses(_OwnClient, AsyncResponses):
    pass


class SdkModels:
    def __init__(self, base_url):
        self.base = base_url

    @llm.hookimpl
    def register_models(self, register):
        for model_id, name, classes in (
            ("sdk-chat", "gpt-4o-mini", (SdkChat, AsyncSdkChat)),
            ("sdk-responses", "o3", (SdkResponses, AsyncSdkResponses)),
        ):
            register(
                *(cls(model_id, model_name=name, api_base=self.base) for cls in classes)
            )


@pytest.fixture
def sdk_models(server):
    pm.register(SdkModels(server.base_url), name="sdk-models-test")
    try:
        yield
    finally:
        pm.unregister(name="sdk-models-test")


def through_the_sdk(server) -> bool:
    return "x-stainless-lang" in server.last.headers


MODES = pytest.mark.parametrize("mode", [[], ["--async"]], ids=["sync", "async"])


@MODES
def test_sdk_chat_stream_cut_off_is_incomplete(server, sdk_models, mode):
    server.chat(ended_early(chat_reply("Hello wonderful world", chunk_size=6)))
    result = run(["-m", "sdk-chat", *mode, "--retries", "2", "hi"])
    assert through_the_sdk(server)
    assert result.exit_code == 1
    assert result.stdout == "Hello wonderful world\n"
    assert result.stderr.startswith("Error: Response incomplete:")
    assert len(server.requests_to("chat/completions")) == 1
    record = last_log()
    assert record["response"] == "Hello wonderful world"
    assert record["status"] == "error"
    assert record["error"].startswith("Response incomplete:")


@MODES
def test_sdk_responses_stream_cut_off_is_incomplete(server, sdk_models, mode):
    server.responses(
        cut_inside_the_message(responses_reply(message_item("Partial answer")))
    )
    result = run(["-m", "sdk-responses", *mode, "hi"])
    assert through_the_sdk(server)
    assert result.exit_code == 1
    assert result.stdout == "Part\n"
    assert "Error: Response incomplete:" in result.stderr
    assert last_log()["status"] == "error"


@MODES
def test_sdk_stream_dropped_midway_keeps_the_text_as_an_error(server, sdk_models, mode):
    """The fake server's mid-stream drop (no terminating chunk), through the SDK."""
    server.chat(chat_reply("Hello wonderful world", chunk_size=6, drop_after=3))
    result = run(["-m", "sdk-chat", *mode, "hi"])
    assert through_the_sdk(server)
    assert result.exit_code == 1
    assert result.stdout == "Hello wonder\n"
    assert result.stderr.startswith(f"Error: Connection to {server.base_url} failed: ")
    record = last_log()
    assert record["response"] == "Hello wonder"
    assert record["status"] == "error"


@MODES
def test_sdk_stream_with_either_end_marker_is_complete(server, sdk_models, mode):
    def no_done(request):
        return replace(chat_reply("All there")(request), done=False)

    no_finish = Reply(
        events=[
            {
                "choices": [
                    {"index": 0, "delta": {"role": "assistant", "content": "Fine"}}
                ]
            }
        ],
        done=True,
    )
    server.chat(no_done, no_finish)
    first = run(["-m", "sdk-chat", *mode, "hi"])
    assert first.exit_code == 0, first.output
    assert first.stdout == "All there\n"
    assert "status" not in last_log()
    second = run(["-m", "sdk-chat", *mode, "again"])
    assert second.exit_code == 0, second.output
    assert second.stdout == "Fine\n"
    assert through_the_sdk(server)
