"""Chains: prompt, run the tools the model asks for, send results back, repeat."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

from .errors import ChainLimitExceeded
from .parts import StreamEvent
from .tool_execution import (
    ToolLookup,
    execute_tool_calls,
    execute_tool_calls_async,
    pending_tool_calls,
)
from .tools import ServerSideTool

if TYPE_CHECKING:
    from .async_response import AsyncResponse
    from .conversation import AsyncConversation, Conversation
    from .prompt import Prompt
    from .response import Response

DEFAULT_CHAIN_LIMIT = 10
# What belongs to the first prompt of a chain only; everything else given to
# chain() (system prompt, tools, options, key...) applies to every turn.
_FIRST_TURN_ONLY = (
    "fragments",
    "attachments",
    "messages",
    "tool_results",
    "prompt_json",
)


def _has_local_tools(response: Any) -> bool:
    """Only a prompt that offered local tools has calls worth running and answering.

    Some plugins implement features with tool calls of their own (structured
    output, for example); without tools given, those end the chain.
    """
    return any(not isinstance(t, ServerSideTool) for t in response.prompt._raw_tools)


class _BaseChain:
    def __init__(
        self,
        conversation: Any,
        prompt: str | None = None,
        *,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        chain_limit: int | None = None,
        **prompt_kwargs: Any,
    ) -> None:
        self.conversation = conversation
        self.model = conversation.model
        self.prompt_text = prompt
        self.prompt_kwargs = prompt_kwargs
        self.before_call = before_call or conversation.before_call
        self.after_call = after_call or conversation.after_call
        if chain_limit is None:
            chain_limit = conversation.chain_limit
        self.chain_limit = DEFAULT_CHAIN_LIMIT if chain_limit is None else chain_limit
        self._responses: list[Any] = []
        self._generator: Any = None
        # Made (and checked) now, as model.prompt() would; it runs when iterated.
        self._first = conversation.prompt(prompt, **prompt_kwargs)

    @property
    def prompt(self) -> Prompt:
        """The chain's first prompt (each follow-up has its own)."""
        return self._first.prompt

    def _follow_up(self, results: list[Any]) -> Any:
        kwargs = {
            k: v for k, v in self.prompt_kwargs.items() if k not in _FIRST_TURN_ONLY
        }
        if kwargs.get("tools") is None and self.conversation.tools:
            kwargs["tools"] = self.conversation.tools
        return self.conversation.prompt(None, tool_results=results, **kwargs)

    def _check_limit(self) -> None:
        """Refuse another model call once ``chain_limit`` calls have been made."""
        if self.chain_limit and len(self._responses) >= self.chain_limit:
            raise ChainLimitExceeded(f"Chain limit of {self.chain_limit} exceeded.")

    def _resume_state(self) -> tuple[list[Any], ToolLookup]:
        """Pending calls at the end of ``messages=`` and the tools to run them with.

        Without tools there is nothing to run them with: they stay unanswered
        rather than getting made-up results.
        """
        tools = ToolLookup(
            self.prompt_kwargs.get("tools") or self.conversation.tools or []
        )
        if not tools:
            return [], tools
        return pending_tool_calls(self.prompt_kwargs.get("messages") or []), tools

    def _set_hooks(self, response: Any) -> None:
        response.before_call = self.before_call
        response.after_call = self.after_call

    def log_to_db(self, db: Any) -> None:
        """Log every response in the chain."""
        for response in self._responses:
            response.log_to_db(db)


class ChainResponse(_BaseChain):
    """A chain of sync responses; iterate for text or call ``responses()``."""

    conversation: Conversation

    def _generate(self) -> Iterator[Response]:
        response = self._first
        pending, tools = self._resume_state()
        if pending:
            results = execute_tool_calls(
                pending, tools, self.before_call, self.after_call
            )
            response.prompt.tool_results.extend(results)
        while True:
            self._set_hooks(response)
            yield response
            calls = response.tool_calls()
            if not calls or not _has_local_tools(response):
                return
            self._check_limit()
            results = response.execute_tool_calls()
            response = self._follow_up(results)

    def responses(self) -> Iterator[Response]:
        """Each response in the chain, as it is created."""
        index = 0
        while True:
            if index < len(self._responses):
                yield self._responses[index]
                index += 1
                continue
            if self._generator is None:
                self._generator = self._generate()
            try:
                response = next(self._generator)
            except StopIteration:
                return
            self._responses.append(response)

    def __iter__(self) -> Iterator[str]:
        for response in self.responses():
            yield from response

    def stream_events(self) -> Iterator[StreamEvent]:
        """StreamEvents of every response in turn."""
        for response in self.responses():
            yield from response.stream_events()

    def text(self) -> str:
        """All text from every response in the chain."""
        return "".join(self)

    def __str__(self) -> str:
        return self.text()


class AsyncChainResponse(_BaseChain):
    """A chain of async responses."""

    conversation: AsyncConversation

    async def _generate(self) -> AsyncIterator[AsyncResponse]:
        response = self._first
        pending, tools = self._resume_state()
        if pending:
            results = await execute_tool_calls_async(
                pending, tools, self.before_call, self.after_call
            )
            response.prompt.tool_results.extend(results)
        while True:
            self._set_hooks(response)
            yield response
            calls = await response.tool_calls()
            if not calls or not _has_local_tools(response):
                return
            self._check_limit()
            results = await response.execute_tool_calls()
            response = self._follow_up(results)

    async def responses(self) -> AsyncIterator[AsyncResponse]:
        """Each response in the chain, as it is created."""
        index = 0
        while True:
            if index < len(self._responses):
                yield self._responses[index]
                index += 1
                continue
            if self._generator is None:
                self._generator = self._generate()
            try:
                response = await self._generator.__anext__()
            except StopAsyncIteration:
                return
            self._responses.append(response)

    async def __aiter__(self) -> AsyncIterator[str]:
        async for response in self.responses():
            async for chunk in response:
                yield chunk

    async def astream_events(self) -> AsyncIterator[StreamEvent]:
        """StreamEvents of every response in turn."""
        async for response in self.responses():
            async for event in response.astream_events():
                yield event

    async def text(self) -> str:
        """All text from every response in the chain."""
        return "".join([chunk async for chunk in self])
