"""A test plugin: scripted models used throughout the test suite.

It is registered in-process by tests/conftest.py and, for subprocess tests,
discovered through the ``llm_test_plugin-0.1.dist-info`` entry point next to
it when this directory is on PYTHONPATH.

Models:

* ``mock`` (alias ``scripted``): replies are queued with ``enqueue()``; each reply
  is a list of strings, StreamEvents, ``ToolCall`` objects (emitted as events and
  registered with ``add_tool_call``), a ``Usage``, or a callable (called when
  the reply reaches it). With nothing queued it
  replies ``"no reply queued"``.
* ``echo``: replies with a JSON description of what it received, so tests can
  check prompts, systems, options, attachments, tools and history. If the prompt
  is JSON with ``"tool_calls"``, those calls are made; ``"reasoning"`` is
  streamed as reasoning first; ``"error"`` raises ModelError midway.
* ``keyed``: a KeyModel needing key ``testkey`` / env ``LLM_TEST_KEY``; replies
  with the key it was given.
* ``legacy``: an old-style model (``execute(prompt, stream, response, conversation)``
  walking ``conversation.responses``) that yields plain strings.
* ``embed-demo``: a deterministic embedding model (text and binary).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from typing import Any

from pydantic import Field

import llm
from llm.parts import StreamEvent


class ScriptedOptions(llm.Options):
    temperature: float | None = Field(
        default=None, ge=0, le=2, description="Sampling temperature, 0 to 2"
    )
    max_tokens: int | None = Field(
        default=None, description="Maximum tokens to generate"
    )
    delay: float | None = Field(
        default=None, description="Seconds to wait between chunks"
    )


def _reply_items(items: list[Any], response: Any):
    for item in items:
        if isinstance(item, llm.ToolCall):
            call_id = item.tool_call_id
            yield StreamEvent(
                type="tool_call_name", chunk=item.name, tool_call_id=call_id
            )
            yield StreamEvent(
                type="tool_call_args",
                chunk=json.dumps(item.arguments),
                tool_call_id=call_id,
            )
            response.add_tool_call(
                llm.ToolCall(
                    name=item.name, arguments=item.arguments, tool_call_id=call_id
                )
            )
        elif isinstance(item, llm.Usage):
            response.set_usage(
                input=item.input, output=item.output, details=item.details
            )
        elif isinstance(item, Exception):
            raise item
        elif callable(item):
            item()  # a side effect at this point of the reply (tests' hook)
        else:
            yield item


class _Scripted:
    model_id = "mock"
    can_stream = True
    supports_schema = True
    supports_tools = True
    attachment_types = frozenset(
        {"image/png", "image/jpeg", "audio/wav", "application/pdf"}
    )
    Options = ScriptedOptions
    queue: deque[list[Any]] = deque()
    prompts: list[Any] = []

    @classmethod
    def enqueue(cls, *items: Any) -> None:
        cls.queue.append(list(items))

    @classmethod
    def reset(cls) -> None:
        cls.queue.clear()
        cls.prompts.clear()

    def _next(self, prompt: Any) -> list[Any]:
        type(self).prompts.append(prompt)
        if type(self).queue:
            return type(self).queue.popleft()
        return ["no reply queued"]


class MockModel(_Scripted, llm.Model):
    def execute(self, prompt, stream, response, conversation=None):
        delay = prompt.options.delay
        for item in _reply_items(self._next(prompt), response):
            if delay:
                time.sleep(delay)
            yield item


class AsyncMockModel(_Scripted, llm.AsyncModel):
    async def execute(self, prompt, stream, response, conversation=None):
        import asyncio

        delay = prompt.options.delay
        for item in _reply_items(self._next(prompt), response):
            if delay:
                await asyncio.sleep(delay)
            yield item


def describe(prompt: Any, stream: bool) -> dict[str, Any]:
    """What the echo model reports back about its input."""
    return {
        "prompt": prompt.prompt,
        "system": prompt.system,
        "stream": stream,
        "options": prompt.options.model_dump(exclude_none=True),
        "attachments": [
            {"type": a.resolve_type(), "url": a.url, "path": a.path, "id": a.id()}
            for a in prompt.attachments
        ],
        "schema": prompt.schema,
        "tools": [getattr(t, "name", None) for t in prompt.tools],
        "server_tools": [
            t.tool_spec(None) for t in prompt.tools if isinstance(t, llm.ServerSideTool)
        ],
        "tool_results": [
            {"name": r.name, "output": r.output, "tool_call_id": r.tool_call_id}
            for r in prompt.tool_results
        ],
        "messages": [
            {"role": m.role, "parts": [p.to_dict() for p in m.parts]}
            for m in prompt.messages
        ],
    }


def _echo_events(prompt: Any, stream: bool, response: Any):
    instructions: dict[str, Any] = {}
    if prompt.prompt:
        try:
            loaded = json.loads(prompt.prompt.strip())
            if isinstance(loaded, dict):
                instructions = loaded
        except json.JSONDecodeError:
            pass
    if instructions.get("reasoning"):
        for word in str(instructions["reasoning"]).split(" "):
            yield StreamEvent(type="reasoning", chunk=word + " ")
    if instructions.get("tool_calls") and not prompt.tool_results:
        for call in instructions["tool_calls"]:
            tool_call = llm.ToolCall(
                name=call["name"],
                arguments=call.get("arguments", {}),
                tool_call_id=call.get("id"),
            )
            response.add_tool_call(tool_call)
            yield StreamEvent(
                type="tool_call_name",
                chunk=tool_call.name,
                tool_call_id=tool_call.tool_call_id,
            )
            yield StreamEvent(
                type="tool_call_args",
                chunk=json.dumps(tool_call.arguments),
                tool_call_id=tool_call.tool_call_id,
            )
        return
    text = json.dumps(describe(prompt, stream), indent=2)
    half = len(text) // 2
    yield text[:half]
    if instructions.get("error"):
        raise llm.ModelError(str(instructions["error"]))
    yield text[half:]
    response.set_usage(
        input=len((prompt.prompt or "").split()), output=len(text.split())
    )
    response.response_json = {"echo": True}


class EchoSearch(llm.ServerSideTool):
    """A pretend provider-side search tool the echo model accepts."""

    name = "echo_search"

    def __init__(self, depth: int = 1):
        super().__init__()
        self.depth = depth

    def tool_spec(self, model):
        return {"type": "echo_search", "depth": self.depth}


class EchoModel(llm.Model):
    model_id = "echo"
    supported_server_side_tools = (EchoSearch, llm.ServerSideTool)
    can_stream = True
    supports_schema = True
    supports_tools = True
    attachment_types = frozenset(
        {"image/png", "image/jpeg", "audio/wav", "audio/mpeg", "application/pdf"}
    )
    Options = ScriptedOptions

    def execute(self, prompt, stream, response, conversation=None):
        yield from _echo_events(prompt, stream, response)


class AsyncEchoModel(llm.AsyncModel):
    model_id = "echo"
    supported_server_side_tools = (EchoSearch, llm.ServerSideTool)
    can_stream = True
    supports_schema = True
    supports_tools = True
    attachment_types = EchoModel.attachment_types
    Options = ScriptedOptions

    async def execute(self, prompt, stream, response, conversation=None):
        for event in _echo_events(prompt, stream, response):
            yield event


class KeyedModel(llm.KeyModel):
    model_id = "keyed"
    needs_key = "testkey"
    key_env_var = "LLM_TEST_KEY"

    def execute(self, prompt, stream, response, conversation, key=None):
        yield f"key={key}"


class LegacyModel(llm.Model):
    """Written the old way: strings only, history from conversation.responses."""

    model_id = "legacy"

    def execute(self, prompt, stream, response, conversation):
        turns = []
        if conversation is not None:
            for previous in conversation.responses:
                turns.append(f"{previous.prompt.prompt}->{previous.text()}")
        return [f"legacy:{prompt.prompt}", f" history={turns}"]


class DemoEmbeddingModel(llm.EmbeddingModel):
    """Deterministic 16-dimension vectors from a hash of the content."""

    model_id = "embed-demo"
    supports_binary = True
    batch_size = 10
    batches: list[int] = []

    def embed_batch(self, items):
        type(self).batches.append(len(items))
        for item in items:
            data = item if isinstance(item, bytes) else item.encode("utf-8")
            digest = hashlib.sha256(data).digest()
            yield [b / 255 for b in digest[:16]]


@llm.hookimpl
def register_models(register):
    register(MockModel(), AsyncMockModel(), aliases=("scripted",))
    register(EchoModel(), AsyncEchoModel())
    register(KeyedModel())
    register(LegacyModel())


@llm.hookimpl
def register_embedding_models(register):
    register(DemoEmbeddingModel(), aliases=("demo",))


@llm.hookimpl
def register_commands(cli):
    import click

    @cli.command(name="test-plugin-hello")
    @click.argument("name", default="world")
    def hello(name):
        "Say hello (a command added by the test plugin)"
        click.echo(f"Hello, {name}!")
