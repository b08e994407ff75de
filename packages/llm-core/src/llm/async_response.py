"""AsyncResponse: the asyncio twin of Response (``await``, ``async for``)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Generator
from typing import TYPE_CHECKING, Any

from .parts import Message, StreamEvent
from .response import BaseResponse, Response
from .retries import timeout_scope
from .tool_execution import execute_tool_call_async, execute_tool_calls_async
from .tools import ToolCall, ToolResult
from .usage import Usage

if TYPE_CHECKING:
    from .pricing import Cost
    from .serialization import ResponseDict


class _AsyncItems:
    """Adapts whatever an async ``execute()`` produced into one async iterator."""

    def __init__(self, produced: Any) -> None:
        self._produced = produced
        self._iterator: Any = None
        self._is_async = False

    async def next(self) -> Any:
        if self._iterator is None:
            produced = self._produced
            if inspect.isawaitable(produced) and not hasattr(produced, "__anext__"):
                produced = await produced
            if produced is None:
                produced = []
            if hasattr(produced, "__aiter__"):
                self._iterator = produced.__aiter__()
                self._is_async = True
            else:
                self._iterator = iter(produced)
        if self._is_async:
            return await self._iterator.__anext__()
        try:
            return next(self._iterator)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        if self._is_async and hasattr(self._iterator, "aclose"):
            await self._iterator.aclose()


class AsyncResponse(BaseResponse):
    """An async response: ``await`` it, ``async for`` over it, or ``await response.text()``."""

    _items: _AsyncItems | None = None

    async def _advance(self) -> bool:
        if self._done:
            return False
        if self._items is None:
            from .attempts import END, StartFailed, start_async

            self._begin()
            failure: StartFailed | None = None
            try:
                self._items, item = await start_async(self, _AsyncItems)
            except StartFailed as failed:
                failure = failed
            except BaseException as ex:
                self._abort(ex)
                raise
            if failure is not None:
                if failure.started:
                    self._abort(failure.error)
                else:
                    self._started = False  # nothing ran: fix the cause and retry
                raise failure.error
            if item is not END:
                self._take(item)
                return True
            self._complete()
            await self._run_callbacks()
            return False
        try:
            with timeout_scope(self.call_timeout):
                item = await self._items.next()
        except StopAsyncIteration:
            self._complete()
            await self._run_callbacks()
            return False
        except BaseException as ex:
            self._abort(ex)
            raise
        self._take(item)
        return True

    async def _run_callbacks(self) -> None:
        for callback in self.done_callbacks:
            outcome = callback(self)
            if inspect.isawaitable(outcome):
                await outcome

    async def astream_events(self) -> AsyncIterator[StreamEvent]:
        """Yield every StreamEvent with its part_index as it arrives."""
        index = 0
        while True:
            while index < len(self._events):
                yield self._events[index]
                index += 1
            if not await self._advance():
                if index >= len(self._events):
                    return

    async def __aiter__(self) -> AsyncIterator[str]:  # type: ignore[override]
        async for event in self.astream_events():
            if event.type == "text":
                yield event.chunk

    async def _force(self) -> AsyncResponse:
        while await self._advance():
            pass
        return self

    def __await__(self) -> Generator[Any, None, AsyncResponse]:
        return self._force().__await__()

    async def text(self) -> str:
        """The full text, executing the prompt if needed."""
        await self._force()
        return self._text()

    async def json(self) -> Any:
        """The provider's raw response payload."""
        await self._force()
        return self.response_json

    async def usage(self) -> Usage:
        """Token usage."""
        await self._force()
        return self._usage()

    async def debug(self) -> dict[str, Any]:
        """Debug information the model recorded (its raw ``response_json``), once done."""
        await self._force()
        return self._debug()

    async def cost(self) -> Cost | None:
        """What this response cost (``llm.Cost``), or None when unknown (see Response.cost)."""
        await self._force()
        return self._compute_cost()

    def to_dict(self) -> ResponseDict:
        """A JSON-safe dict of what was sent and what came back (see ``from_dict``).

        Raises ValueError until the response has been awaited: a partial
        response would not continue correctly.
        """
        if not self._done:
            raise ValueError(
                "Response not yet awaited - call `await response` before to_dict()"
            )
        return self._to_dict()

    async def messages(self) -> list[Message]:
        """The assistant message(s) this response produced."""
        await self._force()
        return self._messages()

    async def on_done(self, callback: Callable[[AsyncResponse], Any]) -> None:
        """Queue ``callback`` (sync or async) for when the response completes."""
        if self._done:
            outcome = callback(self)
            if inspect.isawaitable(outcome):
                await outcome
        else:
            self.done_callbacks.append(callback)

    async def tool_calls(self) -> list[ToolCall]:
        """Tool calls the model requested."""
        await self._force()
        return list(self._tool_calls)

    async def execute_tool_calls(
        self,
        *,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        tool_calls_list: list[ToolCall] | None = None,
    ) -> list[ToolResult]:
        """Run the requested (or given) tool calls concurrently."""
        calls = (
            tool_calls_list if tool_calls_list is not None else await self.tool_calls()
        )
        return await execute_tool_calls_async(
            calls,
            self._tools_index(),
            before_call or self.before_call,
            after_call or self.after_call,
        )

    async def execute_tool_call(self, tool_call: ToolCall) -> ToolResult:
        """Run one call through the normal executor."""
        return await execute_tool_call_async(
            tool_call, self._tools_index(), self.before_call, self.after_call
        )

    async def reply(
        self,
        prompt: str | None = None,
        *,
        tool_results: list[ToolResult] | None = None,
        **kwargs: Any,
    ) -> AsyncResponse:
        """Continue the conversation; pending tool calls run first unless results are given.

        ``tools=`` also serve the pending calls (see Response.reply).
        """
        self._offer_tools(kwargs.get("tools"))
        if tool_results is None:
            pending = await self.tool_calls() and self._tools_index()
            tool_results = await self.execute_tool_calls() if pending else []
        return self._continue(prompt, tool_results, kwargs)

    async def to_sync_response(self) -> Response:
        """A completed sync Response with the same data, running this one first if needed."""
        await self._force()
        response = Response(
            self.prompt, self.model, self.stream, self.conversation, self._key
        )
        response.__dict__.update(
            {k: v for k, v in self.__dict__.items() if k not in ("_items",)}
        )
        return response

    @classmethod
    def _model_named(cls, model_id: str) -> Any:
        from .registry import get_async_model

        return get_async_model(model_id)
