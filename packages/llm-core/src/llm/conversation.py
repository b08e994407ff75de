"""Conversations: a sequence of responses whose history feeds each new prompt."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .ids import monotonic_ulid
from .parts import Message
from .prompt import build_prompt, merge_history
from .retries import pop_reliability

if TYPE_CHECKING:
    from .async_response import AsyncResponse
    from .chain import AsyncChainResponse, ChainResponse
    from .response import Response


class _BaseConversation:
    def __init__(
        self,
        model: Any,
        id: str | None = None,
        name: str | None = None,
        responses: list[Any] | None = None,
        tools: list[Any] | None = None,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        chain_limit: int | None = None,
    ) -> None:
        self.model = model
        self.id = id or monotonic_ulid()
        self.name = name
        self.responses: list[Any] = list(responses or [])
        self.tools = tools
        self.before_call = before_call
        self.after_call = after_call
        self.chain_limit = chain_limit

    def history_before(self, response: Any) -> list[Message]:
        """Messages from the finished responses of this conversation, in order.

        ``responses`` only ever holds completed turns: a response joins it when
        it finishes, so plugins that walk ``conversation.responses`` inside
        ``execute()`` never see the response being executed.
        """
        messages: list[Message] = []
        for earlier in self.responses:
            if earlier is response:
                break
            # A turn that failed before the model said anything adds no reply.
            replies = [m for m in earlier._messages() if m.parts]
            messages = merge_history(messages, earlier.prompt.turn_messages() + replies)
        return messages

    def _make_response(
        self, response_class: type, prompt_text: str | None, kwargs: dict[str, Any]
    ) -> Any:
        stream = kwargs.pop("stream", True)
        key = kwargs.pop("key", None)
        reliability = pop_reliability(kwargs)
        if kwargs.get("tools") is None and self.tools:
            kwargs["tools"] = self.tools
        prompt = build_prompt(self.model, prompt_text, **kwargs)
        response = response_class(
            prompt, self.model, stream, conversation=self, key=key, **reliability
        )
        response.before_call = self.before_call
        response.after_call = self.after_call
        return response

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.id} - {len(self.responses)} responses>"


class Conversation(_BaseConversation):
    """A synchronous conversation with one model."""

    def prompt(self, prompt: str | None = None, **kwargs: Any) -> Response:
        """Prompt the model with the conversation's history included."""
        from .response import Response

        return self._make_response(Response, prompt, kwargs)

    def chain(self, prompt: str | None = None, **kwargs: Any) -> ChainResponse:
        """Prompt and keep running requested tools until the model stops asking."""
        from .chain import ChainResponse

        return ChainResponse(self, prompt, **kwargs)


class AsyncConversation(_BaseConversation):
    """An asyncio conversation with one async model."""

    def prompt(self, prompt: str | None = None, **kwargs: Any) -> AsyncResponse:
        """Prompt the model with the conversation's history included."""
        from .async_response import AsyncResponse

        return self._make_response(AsyncResponse, prompt, kwargs)

    def chain(self, prompt: str | None = None, **kwargs: Any) -> AsyncChainResponse:
        """Prompt and keep running requested tools until the model stops asking."""
        from .chain import AsyncChainResponse

        return AsyncChainResponse(self, prompt, **kwargs)
