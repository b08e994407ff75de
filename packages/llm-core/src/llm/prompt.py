"""Prompt: everything a model needs for one call, including the full message chain.

``build_prompt`` turns ``model.prompt(...)`` arguments into a Prompt and
``validate_prompt`` refuses what the model cannot accept, before any call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .attachments import Attachment
from .errors import AttachmentError, UnsupportedFeatureError
from .messages import tool_result_part
from .parts import AttachmentPart, Message, Part, TextPart
from .schemas import resolve_schema
from .tools import ServerSideTool, Tool, ToolResult, check_tool_items, expand_tools

if TYPE_CHECKING:
    from .options import Options


def join_fragments(fragments: Iterable[Any], text: str | None) -> str:
    """Prompt fragments then the prompt, one per line; "" when there is neither.

    As the original does it: fragments are kept exactly as they are (even
    empty ones), an empty prompt adds nothing. Plugins call string methods on
    ``prompt.prompt`` and ``prompt.system`` unconditionally
    (``prompt.prompt.strip()``), so these are never None.
    """
    pieces = [str(f) for f in fragments]
    if text:
        pieces.append(text)
    return "\n".join(pieces)


def join_system_fragments(fragments: Iterable[Any], text: str | None) -> str:
    """System fragments then the system prompt, each stripped, a blank line between.

    The original joins system fragments as separate paragraphs (and leaves out
    the ones that are only whitespace), unlike prompt fragments.
    """
    pieces = [str(piece).strip() for piece in [*fragments, text or ""]]
    return "\n\n".join(piece for piece in pieces if piece)


class Prompt:
    """The input to one model call.

    ``prompt`` and ``system`` include any fragments; ``messages`` is always the
    complete input chain (history, system, tool results, this turn's user message).
    """

    def __init__(
        self,
        prompt: str | None,
        model: Any,
        *,
        fragments: list[str] | None = None,
        attachments: list[Attachment] | None = None,
        system: str | None = None,
        system_fragments: list[str] | None = None,
        prompt_json: Any = None,
        options: Options | dict[str, Any] | None = None,
        schema: Any = None,
        tools: list[Any] | None = None,
        tool_results: list[ToolResult] | None = None,
        messages: list[Message] | None = None,
        hide_reasoning: bool = False,
    ) -> None:
        self._prompt = prompt
        self.model = model
        self.fragments = list(fragments or [])
        self.own_attachments = list(attachments or [])
        self._system = system
        self.system_fragments = list(system_fragments or [])
        self.prompt_json = prompt_json
        self.options = self._coerce_options(options)
        self.schema = resolve_schema(schema)
        self._raw_tools = list(tools or [])
        self._tools: list[Tool | ServerSideTool] | None = None
        self.tool_results = list(tool_results or [])
        self.explicit_messages = list(messages) if messages is not None else None
        self.hide_reasoning = hide_reasoning
        # Messages from earlier turns of a conversation, filled in at execution time.
        self.history: list[Message] = []

    def _coerce_options(self, options: Any) -> Any:
        if options is None:
            options = {}
        if isinstance(options, dict):
            options_class = getattr(self.model, "Options", None)
            if options_class is None:
                return options
            from .options import validate_options

            return validate_options(options_class, options)
        return options

    @property
    def prompt(self) -> str:
        """The prompt text, with fragments prepended."""
        return join_fragments(self.fragments, self._prompt)

    @property
    def system(self) -> str:
        """The system prompt, with system fragments prepended."""
        return join_system_fragments(self.system_fragments, self._system)

    @property
    def attachments(self) -> list[Attachment]:
        """This prompt's attachments, then any that its tool results returned.

        Tools can return files (``llm.ToolOutput``); they are attachments of
        the next prompt in the chain, here and in ``prompt.messages`` (a user
        message of them follows the tool results). ``own_attachments`` are just
        the ones passed to this prompt (add to that list, not to this one, which
        is a copy when tools returned files).
        """
        returned = [a for r in self.tool_results for a in (r.attachments or [])]
        if not returned:
            return self.own_attachments
        return [*self.own_attachments, *returned]

    @attachments.setter
    def attachments(self, value: list[Attachment]) -> None:
        self.own_attachments = list(value or [])

    @property
    def tools(self) -> list[Tool | ServerSideTool]:
        """Tools available to the model: functions and toolboxes expanded to Tools."""
        if self._tools is None:
            self._tools = expand_tools(self._raw_tools)
        return self._tools

    @tools.setter
    def tools(self, value: list[Any]) -> None:
        self._raw_tools = list(value or [])
        self._tools = None

    def turn_messages(self) -> list[Message]:
        """The messages this prompt adds on top of any conversation history."""
        messages: list[Message] = []
        explicit = self.explicit_messages or []
        system = self.system
        if system and not any(
            m.role == "system" and m.text == system for m in explicit
        ):
            messages.append(Message(role="system", parts=[TextPart(text=system)]))
        messages.extend(explicit)
        if self.tool_results:
            messages.extend(tool_result_messages(self.tool_results))
        text = self.prompt
        if text or self.own_attachments:
            parts: list[Any] = []
            if text:
                parts.append(TextPart(text=text))
            parts.extend(AttachmentPart(attachment=a) for a in self.own_attachments)
            messages.append(Message(role="user", parts=parts))
        return messages

    @property
    def messages(self) -> list[Message]:
        """The complete input chain for this call."""
        return merge_history(self.history, self.turn_messages())

    def __repr__(self) -> str:
        return f"<Prompt {self.prompt!r}>"


def tool_result_messages(results: list[ToolResult]) -> list[Message]:
    """The tool message answering the model's calls, then the files the tools returned.

    Tool results carry text only; files a tool returned travel as a user
    message of attachments right after them, as the original LLM sends them.
    """
    answers: list[Part] = [
        replace(tool_result_part(result), attachments=[]) for result in results
    ]
    messages = [Message(role="tool", parts=answers)]
    files = [a for result in results for a in (result.attachments or [])]
    if files:
        parts: list[Part] = [AttachmentPart(attachment=a) for a in files]
        messages.append(Message(role="user", parts=parts))
    return messages


def merge_history(history: list[Message], turn: list[Message]) -> list[Message]:
    """Append a turn to history, dropping a system message identical to the current one."""
    current_system = None
    for message in history:
        if message.role == "system":
            current_system = message.text
    result = list(history)
    for message in turn:
        if message.role == "system" and history and message.text == current_system:
            continue
        result.append(message)
    return result


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
    # Remaining keyword arguments are model options; one given both ways is
    # a mistake, not something to settle silently.
    both = sorted(set(options) & set(kwargs))
    if both:
        raise TypeError(
            "Got values for these options both in options= and as keyword "
            f"arguments: {both}"
        )
    options.update(kwargs)
    built = Prompt(prompt, model, options=options, **prompt_kwargs)
    validate_prompt(model, built)
    return built


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
                        f"Model '{model.model_id}' does not support server-side "
                        f"tool '{tool.name}'. Run: llm tools -m {model.model_id}"
                    )
