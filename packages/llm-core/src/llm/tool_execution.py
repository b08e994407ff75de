"""Running tool calls: lookup, before/after hooks, errors returned to the model, PauseChain."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from .errors import CancelToolCall, PauseChain
from .ids import new_tool_call_id
from .tools import (
    ServerSideTool,
    Tool,
    Toolbox,
    ToolCall,
    ToolResult,
    call_arguments,
    expand_tools,
    output_to_string,
)

BeforeCall = Callable[[Tool | None, ToolCall], Any]
AfterCall = Callable[[Tool, ToolCall, ToolResult], Any]


def tools_by_name(tools: Sequence[Any]) -> dict[str, Tool]:
    """Index local (non server-side) tools by name; the first of a name wins."""
    index: dict[str, Tool] = {}
    for tool in tools:
        if isinstance(tool, Tool) and not isinstance(tool, ServerSideTool):
            index.setdefault(tool.name, tool)
    return index


class ToolLookup:
    """The local tools a response may run, found by name when a call needs one.

    A toolbox is prepared (``prepare()`` / ``prepare_async()``, once) right
    before the first of its tools runs, not when a prompt merely offers it. A
    call naming a tool that only ``prepare()`` adds is matched to the toolbox
    by its name prefix (``Toolbox_tool``).
    """

    def __init__(self, items: Sequence[Any] = ()) -> None:
        self._items = list(items)  # as given to tools=: functions, Tools, Toolboxes
        self._index: dict[str, Tool] | None = None

    def __bool__(self) -> bool:
        return any(not isinstance(item, ServerSideTool) for item in self._items)

    def _tools(self) -> dict[str, Tool]:
        if self._index is None:
            self._index = tools_by_name(expand_tools(self._items))
        return self._index

    def _owner(self, name: str) -> tuple[Tool | None, Toolbox | None]:
        tool = self._tools().get(name)
        if tool is not None:
            return tool, tool.toolbox
        for item in self._items:
            if isinstance(item, Toolbox) and name.startswith(item.toolbox_name() + "_"):
                return None, item
        return None, None

    def find(self, name: str) -> Tool | None:
        """The tool called ``name``, its toolbox prepared first (None if there is none)."""
        tool, toolbox = self._owner(name)
        if toolbox is not None and toolbox.ensure_prepared():
            self._index = None  # prepare() may have added or replaced tools
            tool = self._tools().get(name)
        return tool

    async def find_async(self, name: str) -> Tool | None:
        """``find()`` for async code: the toolbox is prepared with ``prepare_async()``."""
        tool, toolbox = self._owner(name)
        if toolbox is not None and await toolbox.ensure_prepared_async():
            self._index = None
            tool = self._tools().get(name)
        return tool


def _run_coroutine_sync(coroutine: Any) -> Any:
    """Run a coroutine to completion from synchronous code, even inside a running loop."""
    import asyncio
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _error_result(
    tool_call: ToolCall, tool: Tool | None, output: str, ex: BaseException
) -> ToolResult:
    return ToolResult(
        name=tool_call.name,
        output=output,
        tool_call_id=tool_call.tool_call_id,
        instance=tool.toolbox if tool else None,
        exception=ex,
    )


def _missing_tool(tool_call: ToolCall) -> ToolResult:
    message = f'tool "{tool_call.name}" does not exist'
    return _error_result(tool_call, None, f"Error: {message}", KeyError(message))


def _finish(tool_call: ToolCall, tool: Tool, value: Any) -> ToolResult:
    output, attachments = output_to_string(value)
    return ToolResult(
        name=tool_call.name,
        output=output,
        tool_call_id=tool_call.tool_call_id,
        instance=tool.toolbox,
        attachments=attachments,
    )


def execute_tool_call(
    tool_call: ToolCall,
    tools: ToolLookup,
    before_call: BeforeCall | None = None,
    after_call: AfterCall | None = None,
) -> ToolResult:
    """Run one call synchronously. Tool errors become "Error: ..." results; PauseChain propagates."""
    if not tool_call.tool_call_id:
        tool_call.tool_call_id = new_tool_call_id()
    tool = tools.find(tool_call.name)
    if before_call is not None:
        try:
            outcome = before_call(tool, tool_call)
            if inspect.isawaitable(outcome):
                _run_coroutine_sync(outcome)
        except CancelToolCall as ex:
            return _error_result(tool_call, tool, f"Cancelled: {ex}", ex)
    if tool is None or tool.implementation is None:
        return _missing_tool(tool_call)
    try:
        value = tool.implementation(**call_arguments(tool, tool_call))
        if inspect.isawaitable(value):
            value = _run_coroutine_sync(value)
        result = _finish(tool_call, tool, value)
    except PauseChain:
        raise
    except Exception as ex:
        result = _error_result(tool_call, tool, f"Error: {ex}", ex)
    if after_call is not None:
        outcome = after_call(tool, tool_call, result)
        if inspect.isawaitable(outcome):
            _run_coroutine_sync(outcome)
    return result


def execute_tool_calls(
    tool_calls: Sequence[ToolCall],
    tools: ToolLookup,
    before_call: BeforeCall | None = None,
    after_call: AfterCall | None = None,
) -> list[ToolResult]:
    """Run calls in order; on PauseChain, later calls are left unexecuted."""
    results: list[ToolResult] = []
    for tool_call in tool_calls:
        try:
            results.append(execute_tool_call(tool_call, tools, before_call, after_call))
        except PauseChain as pause:
            pause.tool_call = tool_call
            pause.tool_results = list(results)
            raise
    return results


async def _maybe_await(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


async def execute_tool_call_async(
    tool_call: ToolCall,
    tools: ToolLookup,
    before_call: BeforeCall | None = None,
    after_call: AfterCall | None = None,
) -> ToolResult:
    """Async version of execute_tool_call; hooks and tools may be sync or async."""
    if not tool_call.tool_call_id:
        tool_call.tool_call_id = new_tool_call_id()
    tool = await tools.find_async(tool_call.name)
    if before_call is not None:
        try:
            await _maybe_await(before_call(tool, tool_call))
        except CancelToolCall as ex:
            return _error_result(tool_call, tool, f"Cancelled: {ex}", ex)
    if tool is None or tool.implementation is None:
        return _missing_tool(tool_call)
    try:
        value = await _maybe_await(
            tool.implementation(**call_arguments(tool, tool_call))
        )
        result = _finish(tool_call, tool, value)
    except PauseChain:
        raise
    except Exception as ex:
        result = _error_result(tool_call, tool, f"Error: {ex}", ex)
    if after_call is not None:
        await _maybe_await(after_call(tool, tool_call, result))
    return result


async def execute_tool_calls_async(
    tool_calls: Sequence[ToolCall],
    tools: ToolLookup,
    before_call: BeforeCall | None = None,
    after_call: AfterCall | None = None,
) -> list[ToolResult]:
    """Run calls concurrently; all siblings finish before the first PauseChain propagates."""
    import asyncio

    outcomes = await asyncio.gather(
        *(
            execute_tool_call_async(c, tools, before_call, after_call)
            for c in tool_calls
        ),
        return_exceptions=True,
    )
    results = [o for o in outcomes if isinstance(o, ToolResult)]
    for tool_call, outcome in zip(tool_calls, outcomes):
        if isinstance(outcome, PauseChain):
            outcome.tool_call = tool_call
            outcome.tool_results = results
            raise outcome
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return results


def pending_tool_calls(messages: Sequence[Any]) -> list[ToolCall]:
    """Tool calls in the last assistant message that have no result after it.

    If a user or assistant message follows, the conversation moved on: nothing is pending.
    """
    last_assistant = None
    for index in range(len(messages) - 1, -1, -1):
        role = messages[index].role
        if role == "assistant":
            last_assistant = index
            break
        if role in ("user", "system"):
            return []
    if last_assistant is None:
        return []
    done_ids: set[str] = set()
    done_names: list[str] = []
    for message in messages[last_assistant + 1 :]:
        for part in message.tool_results:
            if part.tool_call_id:
                done_ids.add(part.tool_call_id)
            else:
                done_names.append(part.name)
    pending = []
    for part in messages[last_assistant].tool_calls:
        if part.server_executed:
            continue
        if part.tool_call_id and part.tool_call_id in done_ids:
            continue
        if not part.tool_call_id and part.name in done_names:
            done_names.remove(part.name)
            continue
        pending.append(
            ToolCall(
                name=part.name,
                arguments=dict(part.arguments),
                tool_call_id=part.tool_call_id,
            )
        )
    return pending
