"""``Chat`` and ``AsyncChat``: models driven through the Chat Completions API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from llm.models import AsyncKeyModel, KeyModel
from llm.parts import StreamEvent

from .chat_stream import ChatStream
from .errors import translate_errors
from .options import ChatOptions, Options
from .shared import _Shared


def chat_request(
    model: Any, prompt: Any, stream: bool, conversation: Any
) -> dict[str, Any]:
    """Everything passed to ``chat.completions.create``."""
    model.check_prompt(prompt)
    messages = model.build_messages(prompt, conversation)
    kwargs = model.build_kwargs(prompt, stream)
    return {
        "model": model.model_name or model.model_id,
        "messages": messages,
        "stream": stream,
        **kwargs,
    }


def run_chat(
    model: Any,
    prompt: Any,
    stream: bool,
    response: Any,
    conversation: Any,
    key: str | None,
) -> Iterator[StreamEvent]:
    """Run a Chat Completions request, yielding events as they arrive."""
    stream = model._stream(stream)
    request = chat_request(model, prompt, stream, conversation)
    state = ChatStream()
    with translate_errors(), model.get_client(key) as client:
        if stream:
            for chunk in client.chat.completions.create(**request):
                yield from state.feed(chunk)
        else:
            yield from state.feed_completion(client.chat.completions.create(**request))
    state.finish(response, request["model"])


async def run_chat_async(
    model: Any,
    prompt: Any,
    stream: bool,
    response: Any,
    conversation: Any,
    key: str | None,
) -> AsyncIterator[StreamEvent]:
    """The asyncio twin of ``run_chat``."""
    stream = model._stream(stream)
    request = chat_request(model, prompt, stream, conversation)
    state = ChatStream()
    with translate_errors():
        async with model.get_client(key, async_=True) as client:
            if stream:
                completion = await client.chat.completions.create(**request)
                async for chunk in completion:
                    for event in state.feed(chunk):
                        yield event
            else:
                completion = await client.chat.completions.create(**request)
                for event in state.feed_completion(completion):
                    yield event
    state.finish(response, request["model"])


class Chat(_Shared, KeyModel):
    """An OpenAI (or OpenAI-compatible) chat model."""

    needs_key: str | None = "openai"
    key_env_var: str | None = "OPENAI_API_KEY"
    _base_options: type[Options] = ChatOptions
    Options: type[Options] = ChatOptions  # type: ignore[assignment]

    def execute(
        self,
        prompt: Any,
        stream: bool,
        response: Any,
        conversation: Any = None,
        key: str | None = None,
    ) -> Iterator[StreamEvent]:
        yield from run_chat(self, prompt, stream, response, conversation, key)


class AsyncChat(_Shared, AsyncKeyModel):
    """The asyncio version of ``Chat``."""

    needs_key: str | None = "openai"
    key_env_var: str | None = "OPENAI_API_KEY"
    _base_options: type[Options] = ChatOptions
    Options: type[Options] = ChatOptions  # type: ignore[assignment]

    async def execute(  # type: ignore[override]
        self,
        prompt: Any,
        stream: bool,
        response: Any,
        conversation: Any = None,
        key: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        async for event in run_chat_async(
            self, prompt, stream, response, conversation, key
        ):
            yield event
