"""Running one API call: send the request, parse what comes back, record the result.

Chat Completions, legacy completions and the Responses API differ only in the
path they POST to, the request they send and the parser that reads the reply;
the sync and async loops here serve all three, so every model class handles
streaming, errors and the final bookkeeping the same way.

Requests normally go out through the lean ``transport``; a model that must use
the openai SDK (Azure, or a subclass that overrides ``get_client()``) is run
through its SDK client instead, its replies turned into the same plain dicts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Protocol

from llm.errors import IncompleteResponseError
from llm.parts import StreamEvent

from .errors import check_client_url, translate_errors
from .utils import as_dict, set_usage_from_dict


class Parser(Protocol):
    """Turns one API reply, as JSON dicts, into StreamEvents; sync and async share it."""

    def feed(self, chunk: Any) -> list[StreamEvent]:
        """Events for one streamed chunk or event."""

    def feed_whole(self, result: Any) -> list[StreamEvent]:
        """Events for a whole non-streamed reply."""

    def flush(self) -> list[StreamEvent]:
        """Events still held back when the reply has ended."""

    @property
    def complete(self) -> bool:
        """True once the reply said it was finished (a finish reason, a completed event)."""

    def finish(self, response: Any, requested_model: str | None) -> None:
        """Record tool calls, usage, payload and resolved model on ``response``."""


@dataclass
class ApiCall:
    """One request ready to send and the parser for its reply."""

    endpoint: str  # attribute path on the SDK client, e.g. "chat.completions"
    request: dict[str, Any]
    stream: bool
    parser: Parser

    @property
    def path(self) -> str:
        """The URL path under the API base, e.g. ``chat/completions``."""
        return self.endpoint.replace(".", "/")


# A whole reply that answers the next call instead of the API (see ``replaying``).
_replay: ContextVar[Any] = ContextVar("llm_openai_replay", default=None)


@contextmanager
def replaying(payload: dict[str, Any]) -> Iterator[None]:
    """Answer calls made inside the block with ``payload`` instead of sending them.

    A result of the Batch API is the reply a live call would have had; running
    the prompt against it records the response exactly as a live call does.
    """
    token = _replay.set(payload)
    try:
        yield
    finally:
        _replay.reset(token)


class _Progress:
    """Whether a streamed reply reached its end: the [DONE] marker or a finish in its chunks."""

    def __init__(self, call: ApiCall) -> None:
        self.call = call
        self.streamed = False
        self.ended = False

    def parse(self, kind: str, payload: Any) -> list[StreamEvent]:
        if kind == "end":
            self.ended = True
            return []
        if kind == "chunk":
            self.streamed = True
            return self.call.parser.feed(payload)
        return self.call.parser.feed_whole(payload)

    def check(self) -> None:
        """Raise IncompleteResponseError if the stream stopped before its end.

        The text already yielded stays with the response; the tool calls and
        usage of a cut-off reply are not recorded (its arguments may be half
        there).
        """
        if self.streamed and not self.ended and not self.call.parser.complete:
            raise IncompleteResponseError(INCOMPLETE_MESSAGE)


INCOMPLETE_MESSAGE = (
    "Response incomplete: the server closed the stream before its end-of-stream "
    "marker (no finish reason, no [DONE]), so the text is only part of the answer"
)


def run_call(
    model: Any, call: ApiCall, response: Any, key: str | None
) -> Iterator[StreamEvent]:
    """Send ``call`` with a sync client, yielding events as they arrive."""
    from . import transport

    replayed = _replay.get()
    replies: Iterable[tuple[str, Any]]
    if replayed is not None:
        replies = [("whole", replayed)]
    elif (endpoint := model.lean_endpoint(key)) is None:
        replies = _sdk_replies(model, call, key)
    else:
        replies = transport.send(endpoint, call.path, call.request, stream=call.stream)
    progress = _Progress(call)
    for kind, payload in replies:
        yield from progress.parse(kind, payload)
    yield from call.parser.flush()
    progress.check()
    call.parser.finish(response, call.request["model"])


async def run_call_async(
    model: Any, call: ApiCall, response: Any, key: str | None
) -> AsyncIterator[StreamEvent]:
    """The asyncio twin of ``run_call``."""
    from . import transport

    endpoint = model.lean_endpoint(key)
    if endpoint is None:
        replies = _sdk_replies_async(model, call, key)
    else:
        replies = transport.send_async(
            endpoint, call.path, call.request, stream=call.stream
        )
    progress = _Progress(call)
    async for kind, payload in replies:
        for event in progress.parse(kind, payload):
            yield event
    for event in call.parser.flush():
        yield event
    progress.check()
    call.parser.finish(response, call.request["model"])


# A stream through the SDK is read raw (``with_streaming_response``), as the
# lean transport reads it: the SDK's own stream ends quietly when the server
# closes the connection before [DONE], which would pass a cut-off reply as whole.


def _sdk_replies(
    model: Any, call: ApiCall, key: str | None
) -> Iterator[tuple[str, Any]]:
    from .transport import stream_replies

    with translate_errors() as sdk, model.get_client(key) as client:
        sdk.client = client
        check_client_url(client)
        resource = attrgetter(call.endpoint)(client)
        if call.stream:
            with resource.with_streaming_response.create(**call.request) as raw:
                yield from stream_replies(raw.http_response)
        else:
            yield "whole", as_dict(resource.create(**call.request))


async def _sdk_replies_async(
    model: Any, call: ApiCall, key: str | None
) -> AsyncIterator[tuple[str, Any]]:
    from .transport import stream_replies_async

    with translate_errors() as sdk:
        async with model.get_client(key, async_=True) as client:
            sdk.client = client
            check_client_url(client)
            resource = attrgetter(call.endpoint)(client)
            if call.stream:
                streaming = resource.with_streaming_response
                async with streaming.create(**call.request) as raw:
                    async for reply in stream_replies_async(raw.http_response):
                        yield reply
            else:
                yield "whole", as_dict(await resource.create(**call.request))


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
