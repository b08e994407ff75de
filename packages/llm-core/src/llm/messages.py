"""Building Messages: ``user()``, ``assistant()``, ``system()`` and ``tool_message()``.

``Message`` itself (a role plus a list of Parts) is defined with the parts in
``llm.parts``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .attachments import Attachment
from .parts import AttachmentPart, Message, Part, TextPart, ToolResultPart

if TYPE_CHECKING:
    from .tools import ToolResult


def _to_parts(content: Iterable[Any]) -> list[Part]:
    parts: list[Part] = []
    for item in content:
        if item is None:
            continue
        if isinstance(item, Part):
            parts.append(item)
        elif isinstance(item, str):
            parts.append(TextPart(text=item))
        elif isinstance(item, Attachment):
            parts.append(AttachmentPart(attachment=item))
        elif isinstance(item, (list, tuple)):
            parts.extend(_to_parts(item))
        else:
            raise TypeError(f"Cannot use {type(item).__name__} as message content")
    return parts


def user(*content: Any, provider_metadata: dict[str, Any] | None = None) -> Message:
    """A user message from strings, Attachments and Parts."""
    return Message("user", _to_parts(content), provider_metadata)


def assistant(
    *content: Any, provider_metadata: dict[str, Any] | None = None
) -> Message:
    """An assistant message from strings, Attachments and Parts.

    ``provider_metadata`` carries opaque provider data for the whole message
    (echoed back on later requests, kept by ``to_dict()``).
    """
    return Message("assistant", _to_parts(content), provider_metadata)


def system(*content: Any, provider_metadata: dict[str, Any] | None = None) -> Message:
    """A system message."""
    return Message("system", _to_parts(content), provider_metadata)


def tool_message(
    *results: ToolResult | ToolResultPart | Iterable[Any],
    provider_metadata: dict[str, Any] | None = None,
) -> Message:
    """A tool-role message carrying tool results."""
    parts: list[Part] = []
    for item in results:
        if isinstance(item, (list, tuple)):
            parts.extend(tool_message(*item).parts)
        elif isinstance(item, ToolResultPart):
            parts.append(item)
        else:
            parts.append(tool_result_part(item))  # type: ignore[arg-type]
    return Message("tool", parts, provider_metadata)


def tool_result_part(result: ToolResult) -> ToolResultPart:
    """Convert a ToolResult into the Part that carries it in a message."""
    return ToolResultPart(
        name=result.name,
        output=result.output,
        tool_call_id=result.tool_call_id,
        attachments=list(result.attachments or []),
        exception=result.exception_text,
    )
