"""Model base classes plugins subclass: Model, KeyModel, AsyncModel, AsyncKeyModel.

For compatibility with plugins written against the original layout this module
also re-exports the response, prompt, conversation and tool classes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .async_response import AsyncResponse
from .attachments import Attachment
from .chain import AsyncChainResponse, ChainResponse
from .conversation import AsyncConversation, Conversation
from .errors import AttachmentError, NeedsKeyException, UnsupportedFeatureError
from .fragments import Fragment
from .keys import get_key
from .options import Options
from .parts import AttachmentPart
from .prompt import Prompt
from .response import Response
from .tools import (
    ServerSideTool,
    Tool,
    Toolbox,
    ToolCall,
    ToolOutput,
    ToolResult,
    check_tool_items,
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
]


class KeyedMixin:
    """API key lookup shared by chat and embedding models."""

    key: str | None = None
    needs_key: str | None = None
    key_env_var: str | None = None
    model_id: str

    def get_key(self, explicit_key: str | None = None) -> str | None:
        """The key to use: explicit, ``model.key``, stored under ``needs_key``, or env var."""
        if self.needs_key is None:
            return explicit_key or self.key
        key = get_key(
            input=explicit_key or self.key, alias=self.needs_key, env=self.key_env_var
        )
        if key:
            return key
        message = f"No key found - add one using 'llm keys set {self.needs_key}'"
        if self.key_env_var:
            message += f" or set the {self.key_env_var} environment variable"
        raise NeedsKeyException(message)


class _BaseModel(KeyedMixin):
    model_id: str
    model_name: str | None = None
    can_stream: bool = False
    attachment_types: set[str] | frozenset[str] = frozenset()
    supports_schema: bool = False
    supports_tools: bool = False

    class Options(Options):
        pass

    @property
    def supported_server_side_tools(self) -> tuple[type[ServerSideTool], ...]:
        """ServerSideTool classes this model can run (none by default)."""
        return ()

    def __str__(self) -> str:
        return f"{type(self).__name__}: {self.model_id}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.model_id}'>"


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
        hide_reasoning, and any model option by name.
        """
        stream = kwargs.pop("stream", True)
        key = kwargs.pop("key", None)
        return Response(build_prompt(self, prompt, **kwargs), self, stream, key=key)

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
        return AsyncResponse(
            build_prompt(self, prompt, **kwargs), self, stream, key=key
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


@dataclass
class ModelWithAliases:
    """A registered model: its sync and/or async implementation and aliases."""

    model: Any
    async_model: Any
    aliases: list[str] = field(default_factory=list)

    @property
    def model_id(self) -> str:
        return (self.model or self.async_model).model_id

    def matches(self, query: str) -> bool:
        """Case-insensitive substring match against the ID, name and aliases."""
        query = query.lower()
        haystack = [str(self.model or self.async_model), self.model_id, *self.aliases]
        return any(query in value.lower() for value in haystack)


_PROMPT_ARGUMENTS = {
    "system",
    "attachments",
    "fragments",
    "system_fragments",
    "schema",
    "tools",
    "tool_results",
    "messages",
    "options",
    "prompt_json",
    "hide_reasoning",
}


def build_prompt(model: Any, prompt: str | None, **kwargs: Any) -> Prompt:
    """Validate arguments against what ``model`` supports and build the Prompt."""
    options = dict(kwargs.pop("options", None) or {})
    prompt_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _PROMPT_ARGUMENTS}
    options.update(kwargs)  # remaining keyword arguments are model options
    built = Prompt(prompt, model, options=options, **prompt_kwargs)
    validate_prompt(model, built)
    return built


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


def validate_prompt(model: Any, prompt: Prompt) -> None:
    """Reject attachments, schemas and tools the model cannot accept, before any call."""
    # Files returned by tools are the tool's business, not the caller's input.
    attachments = list(prompt.own_attachments)
    for message in prompt.explicit_messages or []:
        attachments.extend(
            p.attachment
            for p in message.parts
            if isinstance(p, AttachmentPart) and p.attachment
        )
    for attachment in attachments:
        kind = attachment.resolve_type()
        accepted = getattr(model, "attachment_types", None) or set()
        if kind not in accepted:
            if not accepted:
                raise AttachmentError(
                    f"This model does not support attachments, but one of type {kind} was given"
                )
            raise AttachmentError(
                "This model does not support attachments of type '{}', only {}".format(
                    kind, ", ".join(sorted(accepted))
                )
            )
    if prompt.schema is not None and not getattr(model, "supports_schema", False):
        raise UnsupportedFeatureError(
            f"Model {model.model_id} does not support schemas"
        )
    if prompt._raw_tools:
        # Checked without expanding toolboxes: preparing them (sync or async,
        # depending on the response) waits for execution. Bad items fail here.
        check_tool_items(prompt._raw_tools)
        local = [t for t in prompt._raw_tools if not isinstance(t, ServerSideTool)]
        if local and not getattr(model, "supports_tools", False):
            raise UnsupportedFeatureError(
                f"Model {model.model_id} does not support tools"
            )
        supported = tuple(model.supported_server_side_tools)
        for tool in prompt._raw_tools:
            if isinstance(tool, ServerSideTool):
                exact = type(tool) is ServerSideTool
                ok = (
                    (ServerSideTool in supported)
                    if exact
                    else (type(tool) in supported)
                )
                if not ok:
                    raise UnsupportedFeatureError(
                        f"Model {model.model_id} does not support the server-side tool {tool.name}"
                    )


def __getattr__(name: str) -> Any:
    # The original defined EmbeddingModel here too, and llm-github-models imports
    # it from this module; it lives in embedding_model (which imports this one).
    if name == "EmbeddingModel":
        from .embedding_model import EmbeddingModel

        return EmbeddingModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
