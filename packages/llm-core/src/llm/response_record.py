"""ResponseRecord: a frozen snapshot of what a response sent and received.

``Response.record()`` (and ``AsyncResponse.record()``) makes one. Logging
(llm-logs) and ``to_dict()`` read responses only through it, so the packages
that store responses depend on this documented shape, not on a response's
internals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .prompt import join_fragments, join_system_fragments

if TYPE_CHECKING:
    from .attachments import Attachment
    from .fallbacks import FailedModel
    from .parts import Message, Part
    from .pricing import Cost
    from .tools import ServerSideTool, Tool, ToolCall, ToolResult
    from .usage import Usage


@dataclass(frozen=True)
class ResponseRecord:
    """Everything about one response, as it stood when ``record()`` was called.

    A response that stopped part way (an error, Ctrl-C) is recorded with what
    arrived; ``status`` says how it ended.
    """

    # --- identity and timing ---
    id: str
    model_id: str
    #: The specific model the provider reports having run, if the plugin said.
    resolved_model: str | None
    conversation_id: str | None
    conversation_name: str | None
    conversation_model_id: str | None
    #: ISO timestamp (UTC, no offset suffix) of when execution started.
    datetime_utc: str
    duration_ms: int

    # --- what was sent ---
    #: The prompt and system prompt as given, without fragments (None if not given).
    prompt: str | None
    system: str | None
    fragments: tuple[Any, ...]
    system_fragments: tuple[Any, ...]
    #: The caller's attachments (files returned by tools are in ``tool_results``).
    attachments: tuple[Attachment, ...]
    #: Messages passed explicitly with ``messages=``, or None.
    messages: tuple[Message, ...] | None
    #: The complete input chain the model received: history, system, tool results,
    #: this turn's user message.
    input_messages: tuple[Message, ...]
    tool_results: tuple[ToolResult, ...]
    #: The ``tools=`` items as given: functions, Tools, Toolbox instances, ServerSideTools.
    given_tools: tuple[Any, ...]
    #: The tools the model was offered, toolboxes expanded into their Tools.
    tools: tuple[Tool | ServerSideTool, ...]
    #: Options that were set, as a plain dict.
    options: dict[str, Any]
    schema: dict[str, Any] | None
    prompt_json: Any

    # --- what came back ---
    text: str
    reasoning: str
    #: The assistant output: text, reasoning, tool calls and server-side parts, in order.
    parts: tuple[Part, ...]
    tool_calls: tuple[ToolCall, ...]
    usage: Usage
    response_json: Any

    # --- how it ended ---
    started: bool
    done: bool
    interrupted: bool
    error: BaseException | None
    #: Models tried before ``model_id`` answered (fallbacks), and why each failed.
    failed_models: tuple[FailedModel, ...] = ()
    #: What it cost, from its usage and the model's price; None when unknown.
    cost: Cost | None = None
    #: The assistant messages (``response.messages()``); ``parts`` is their parts in order.
    output: tuple[Message, ...] = ()

    @property
    def status(self) -> str:
        """``"done"``, ``"error"`` or ``"interrupted"`` (stopped before it finished)."""
        if self.error is not None:
            return "error"
        if self.interrupted or not self.done:
            return "interrupted"
        return "done"

    @property
    def full_prompt(self) -> str:
        """The prompt text the model saw: fragments, then the prompt, one per line."""
        return join_fragments(self.fragments, self.prompt)

    @property
    def full_system(self) -> str:
        """The system prompt the model saw: system fragments, then the system prompt."""
        return join_system_fragments(self.system_fragments, self.system)

    def output_messages(self) -> list[Message]:
        """The assistant messages this response produced (as ``response.messages()``)."""
        if self.output:
            return list(self.output)
        from .parts import Message

        return [Message(role="assistant", parts=list(self.parts))] if self.parts else []


def options_dict(options: Any) -> dict[str, Any]:
    """Options that were actually set (not None), as a plain dict."""
    if options is None:
        return {}
    if hasattr(options, "model_dump"):
        return options.model_dump(exclude_none=True)
    return {k: v for k, v in dict(options).items() if v is not None}
