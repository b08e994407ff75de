"""Running one API call: send the request, parse what comes back, record the result.

Chat Completions, legacy completions and the Responses API differ only in the
SDK endpoint they call, the request they send and the parser that reads the
reply; the sync and async loops here serve all three, so every model class
handles streaming, errors and the final bookkeeping the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Protocol

from llm.parts import StreamEvent

from .errors import translate_errors
from .utils import set_usage_from_dict


class Parser(Protocol):
    """Turns one API reply into StreamEvents; fed SDK objects, so sync and async share it."""

    def feed(self, chunk: Any) -> list[StreamEvent]:
        """Events for one streamed chunk or event."""

    def feed_whole(self, result: Any) -> list[StreamEvent]:
        """Events for a whole non-streamed reply."""

    def finish(self, response: Any, requested_model: str | None) -> None:
        """Record tool calls, usage, payload and resolved model on ``response``."""


@dataclass
class ApiCall:
    """One request ready to send and the parser for its reply."""

    endpoint: str  # attribute path on the SDK client, e.g. "chat.completions"
    request: dict[str, Any]
    stream: bool
    parser: Parser


def run_call(
    model: Any, call: ApiCall, response: Any, key: str | None
) -> Iterator[StreamEvent]:
    """Send ``call`` with a sync client, yielding events as they arrive."""
    with translate_errors(), model.get_client(key) as client:
        create = attrgetter(call.endpoint)(client).create
        if call.stream:
            for chunk in create(**call.request):
                yield from call.parser.feed(chunk)
        else:
            yield from call.parser.feed_whole(create(**call.request))
    call.parser.finish(response, call.request["model"])


async def run_call_async(
    model: Any, call: ApiCall, response: Any, key: str | None
) -> AsyncIterator[StreamEvent]:
    """The asyncio twin of ``run_call``."""
    with translate_errors():
        async with model.get_client(key, async_=True) as client:
            result = await attrgetter(call.endpoint)(client).create(**call.request)
            if call.stream:
                async for chunk in result:
                    for event in call.parser.feed(chunk):
                        yield event
            else:
                for event in call.parser.feed_whole(result):
                    yield event
    call.parser.finish(response, call.request["model"])


def record_result(
    response: Any,
    *,
    tool_calls: Iterable[Any],
    usage: dict[str, Any] | None,
    payload: dict[str, Any],
    model: str | None,
    requested_model: str | None,
) -> None:
    """Store what a finished reply produced on ``response``.

    The resolved model is only recorded when the server names a different one
    (a dated snapshot of an alias, say).
    """
    for call in tool_calls:
        response.add_tool_call(call)
    set_usage_from_dict(response, usage)
    response.response_json = payload
    if model and model != requested_model:
        response.set_resolved_model(model)
