"""Model base classes plugins subclass: Model, KeyModel, AsyncModel, AsyncKeyModel.

For compatibility with plugins written against the original layout this module
also re-exports the response, prompt, conversation, tool and embedding model
classes, and ``build_prompt`` / ``validate_prompt`` (which live in
``llm.prompt``). It is the one place in llm-core that re-exports names from
elsewhere (``llm.compat`` lists the ones published plugins rely on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .async_response import AsyncResponse
from .attachments import Attachment
from .chain import AsyncChainResponse, ChainResponse
from .conversation import AsyncConversation, Conversation
from .embedding_model import EmbeddingModel
from .fragments import Fragment
from .keys import KeyedMixin
from .options import Options
from .pricing import Price, TokenCounts, billable_tokens
from .prompt import Prompt, build_prompt, validate_prompt
from .registrations import ModelWithAliases
from .response import Response
from .retries import pop_reliability
from .tools import (
    ServerSideTool,
    Tool,
    Toolbox,
    ToolCall,
    ToolOutput,
    ToolResult,
)
from .usage import Usage

__all__ = [
    "AsyncChainResponse",
    "AsyncConversation",
    "AsyncKeyModel",
    "AsyncModel",
    "AsyncResponse",
    "Attachment",
    "ChainResponse",
    "Conversation",
    "EmbeddingModel",
    "Fragment",
    "KeyModel",
    "Model",
    "ModelWithAliases",
    "Options",
    "Prompt",
    "Response",
    "Tool",
    "ToolCall",
    "ToolOutput",
    "ToolResult",
    "Toolbox",
    "Usage",
    "build_prompt",
    "validate_prompt",
]


class _BaseModel(KeyedMixin):
    model_id: str
    model_name: str | None = None
    can_stream: bool = False
    attachment_types: set[str] | frozenset[str] = frozenset()
    supports_schema: bool = False
    supports_tools: bool = False
    #: What the model charges (``llm.Price``), if the plugin knows; see ``llm.get_price``.
    price: Price | None = None

    class Options(Options):
        pass

    def billable_tokens(self, usage: Usage) -> TokenCounts | None:
        """Read ``usage`` into the token counts a price applies to (None: no usage).

        The default follows OpenAI's conventions (see ``llm.pricing.billable_tokens``);
        a plugin whose usage details mean something else overrides this.
        """
        return billable_tokens(usage)

    @property
    def supported_server_side_tools(self) -> tuple[type[ServerSideTool], ...]:
        """ServerSideTool classes this model can run (none by default)."""
        return ()

    def __str__(self) -> str:
        return f"{type(self).__name__}: {self.model_id}"

    def __repr__(self) -> str:
        return f"<{self}>"


class _SyncModel(_BaseModel):
    def conversation(
        self,
        tools: list[Any] | None = None,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        chain_limit: int | None = None,
    ) -> Conversation:
        """Start a conversation that threads history into each prompt."""
        return Conversation(
            self,
            tools=tools,
            before_call=before_call,
            after_call=after_call,
            chain_limit=chain_limit,
        )

    def prompt(self, prompt: str | None = None, **kwargs: Any) -> Response:
        """Prepare a prompt; nothing runs until the response is consumed.

        Keyword arguments: system, attachments, fragments, system_fragments,
        schema, tools, tool_results, messages, options, key, stream,
        hide_reasoning, retries, timeout, fallbacks, and any model option by name.
        """
        stream = kwargs.pop("stream", True)
        key = kwargs.pop("key", None)
        reliability = pop_reliability(kwargs)
        return Response(
            build_prompt(self, prompt, **kwargs), self, stream, key=key, **reliability
        )

    def stream(self, prompt: str | None = None, **kwargs: Any) -> Response:
        """Shortcut for ``prompt(..., stream=True)``."""
        return self.prompt(prompt, stream=True, **kwargs)

    def chain(self, prompt: str | None = None, **kwargs: Any) -> ChainResponse:
        """Prompt and keep executing requested tools until the model stops asking."""
        return self.conversation().chain(prompt, **kwargs)

    def execute(
        self,
        prompt: Prompt,
        stream: bool,
        response: Response,
        conversation: Conversation | None = None,
    ) -> Any:
        """Run the prompt; yield strings or StreamEvents. Plugins implement this."""
        raise NotImplementedError(f"{type(self).__name__} does not implement execute()")


class Model(_SyncModel):
    """A synchronous model; subclasses implement ``execute()``."""


class KeyModel(_SyncModel):
    """A synchronous model that needs an API key; ``execute()`` receives ``key=``."""


class _AsyncModel(_BaseModel):
    def __str__(self) -> str:
        # ``llm models --async`` lists these; the marker tells them apart.
        return f"{type(self).__name__} (async): {self.model_id}"

    def conversation(
        self,
        tools: list[Any] | None = None,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        chain_limit: int | None = None,
    ) -> AsyncConversation:
        """Start an async conversation."""
        return AsyncConversation(
            self,
            tools=tools,
            before_call=before_call,
            after_call=after_call,
            chain_limit=chain_limit,
        )

    def prompt(self, prompt: str | None = None, **kwargs: Any) -> AsyncResponse:
        """Prepare a prompt; ``await`` or ``async for`` the response to run it."""
        stream = kwargs.pop("stream", True)
        key = kwargs.pop("key", None)
        reliability = pop_reliability(kwargs)
        return AsyncResponse(
            build_prompt(self, prompt, **kwargs), self, stream, key=key, **reliability
        )

    def stream(self, prompt: str | None = None, **kwargs: Any) -> AsyncResponse:
        """Shortcut for ``prompt(..., stream=True)``."""
        return self.prompt(prompt, stream=True, **kwargs)

    def chain(self, prompt: str | None = None, **kwargs: Any) -> AsyncChainResponse:
        """Prompt and keep executing requested tools until the model stops asking."""
        return self.conversation().chain(prompt, **kwargs)

    async def execute(
        self,
        prompt: Prompt,
        stream: bool,
        response: AsyncResponse,
        conversation: AsyncConversation | None = None,
    ) -> Any:  # type: ignore[override]
        """Run the prompt; an async generator of strings or StreamEvents."""
        raise NotImplementedError(f"{type(self).__name__} does not implement execute()")


class AsyncModel(_AsyncModel):
    """An asyncio model; ``execute()`` is an async generator."""


class AsyncKeyModel(_AsyncModel):
    """An asyncio model that needs an API key."""


def _partition_tools(
    model: Any, tools: list[Any]
) -> tuple[list[Tool], list[ServerSideTool]]:
    """Split ``prompt.tools`` into (function tools, server-side tools).

    Published plugins (llm-anthropic, llm-gemini) import this helper to send
    the two kinds to their APIs differently; ``model`` is accepted for them.
    """
    functions = [t for t in tools if not isinstance(t, ServerSideTool)]
    server_side = [t for t in tools if isinstance(t, ServerSideTool)]
    return functions, server_side
