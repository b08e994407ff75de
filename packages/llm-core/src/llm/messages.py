"""Messages: a role plus a list of Parts, and helpers to build them."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .attachments import Attachment
from .parts import (
    AttachmentPart,
    Part,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)

if TYPE_CHECKING:
    from .tools import ToolCall, ToolResult

Role = Literal["system", "user", "assistant", "tool"]
ROLES = ("system", "user", "assistant", "tool")


@dataclass
class Message:
    """One entry in a conversation: a role and ordered Parts."""

    role: Role
    parts: list[Part] = field(default_factory=list)
    provider_metadata: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Unknown message role {self.role!r}")

    @property
    def text(self) -> str:
        """All TextPart text in this message, concatenated."""
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    @property
    def reasoning(self) -> str:
        """All visible reasoning text in this message."""
        return "".join(p.text for p in self.parts if isinstance(p, ReasoningPart))

    @property
    def attachments(self) -> list[Attachment]:
        """Attachments carried by AttachmentParts in this message."""
        return [
            p.attachment
            for p in self.parts
            if isinstance(p, AttachmentPart) and p.attachment
        ]

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        """ToolCallParts in this message."""
        return [p for p in self.parts if isinstance(p, ToolCallPart)]

    @property
    def tool_results(self) -> list[ToolResultPart]:
        """ToolResultParts in this message."""
        return [p for p in self.parts if isinstance(p, ToolResultPart)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (attachment bytes base64 encoded)."""
        data: dict[str, Any] = {
            "role": self.role,
            "parts": [p.to_dict() for p in self.parts],
        }
        if self.provider_metadata:
            data["provider_metadata"] = copy.deepcopy(self.provider_metadata)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        """Rebuild a Message from ``to_dict()`` output."""
        return cls(
            role=data["role"],
            parts=[Part.from_dict(p) for p in data.get("parts", [])],
            provider_metadata=data.get("provider_metadata"),
        )


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


def user(*content: Any) -> Message:
    """A user message from strings, Attachments and Parts."""
    return Message(role="user", parts=_to_parts(content))


def assistant(*content: Any) -> Message:
    """An assistant message from strings, Attachments and Parts."""
    return Message(role="assistant", parts=_to_parts(content))


def system(*content: Any) -> Message:
    """A system message."""
    return Message(role="system", parts=_to_parts(content))


def tool_message(*results: ToolResult | ToolResultPart | Iterable[Any]) -> Message:
    """A tool-role message carrying tool results."""
    parts: list[Part] = []
    for item in results:
        if isinstance(item, (list, tuple)):
            parts.extend(tool_message(*item).parts)
        elif isinstance(item, ToolResultPart):
            parts.append(item)
        else:
            parts.append(tool_result_part(item))  # type: ignore[arg-type]
    return Message(role="tool", parts=parts)


def tool_result_part(result: ToolResult) -> ToolResultPart:
    """Convert a ToolResult into the Part that carries it in a message."""
    return ToolResultPart(
        name=result.name,
        output=result.output,
        tool_call_id=result.tool_call_id,
        attachments=list(result.attachments or []),
        exception=str(result.exception) if result.exception else None,
    )


def tool_call_part(call: ToolCall) -> ToolCallPart:
    """Convert a ToolCall into the Part that carries it in a message."""
    return ToolCallPart(
        name=call.name, arguments=call.arguments, tool_call_id=call.tool_call_id
    )
