"""Typed content: Messages, the Parts that make them up, and the StreamEvents that build them.

Plugins yield StreamEvents from ``execute()``; PartAssembler groups them into
Parts following the documented rules (consecutive text or reasoning merge, tool
call events group by ``tool_call_id``, each tool result is its own Part).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from .attachments import Attachment

EventType = Literal[
    "text", "reasoning", "tool_call_name", "tool_call_args", "tool_result"
]
EVENT_TYPES = ("text", "reasoning", "tool_call_name", "tool_call_args", "tool_result")


@dataclass
class StreamEvent:
    """One piece of streamed model output."""

    # Field order matches the original, for plugins that pass them positionally.
    type: EventType
    chunk: str = ""
    part_index: int | None = None
    tool_call_id: str | None = None
    server_executed: bool = False
    tool_name: str | None = None
    redacted: bool = False  # reasoning the provider withheld (kept only as metadata)
    provider_metadata: dict[str, Any] | None = None
    # Which assistant message of the output the event belongs to: parts with
    # different indexes end up in separate messages of ``response.messages()``.
    message_index: int = 0

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(
                f"Unknown StreamEvent type {self.type!r}; expected one of {', '.join(EVENT_TYPES)}"
            )
        if self.chunk is None:
            self.chunk = ""


def merge_provider_metadata(
    current: dict[str, Any] | None, new: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Merge metadata across events of one Part: last non-None wins per top-level key."""
    if not new:
        return current
    merged = dict(current or {})
    for key, value in new.items():
        if value is not None:
            merged[key] = value
    return merged


class Part:
    """Base class for message content; ``provider_metadata`` round-trips opaque data."""

    provider_metadata: dict[str, Any] | None
    type_name: ClassVar[str] = "part"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict with a ``type`` key."""
        data: dict[str, Any] = {"type": self.type_name}
        data.update(self._fields_dict())
        if self.provider_metadata:
            data["provider_metadata"] = copy.deepcopy(self.provider_metadata)
        return data

    def _fields_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Part:
        """Rebuild whichever Part subclass ``data["type"]`` names."""
        kind = data.get("type")
        cls = _PART_TYPES.get(kind or "")
        if cls is None:
            raise ValueError(f"Unknown part type: {kind!r}")
        return cls._from_fields(data)

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> Part:
        raise NotImplementedError


@dataclass
class TextPart(Part):
    """Plain text."""

    text: str = ""
    provider_metadata: dict[str, Any] | None = None
    type_name: ClassVar[str] = "text"

    def _fields_dict(self) -> dict[str, Any]:
        return {"text": self.text}

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> TextPart:
        return cls(
            text=data.get("text", ""), provider_metadata=data.get("provider_metadata")
        )


@dataclass
class ReasoningPart(Part):
    """Visible reasoning ("thinking") text; ``redacted`` when the provider withheld it."""

    text: str = ""
    redacted: bool = False
    provider_metadata: dict[str, Any] | None = None
    type_name: ClassVar[str] = "reasoning"

    def _fields_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text}
        if self.redacted:
            data["redacted"] = True
        return data

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> ReasoningPart:
        return cls(
            text=data.get("text", ""),
            redacted=bool(data.get("redacted", False)),
            provider_metadata=data.get("provider_metadata"),
        )


@dataclass
class ToolCallPart(Part):
    """A request from the model to run a tool."""

    name: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    tool_call_id: str | None = None
    server_executed: bool = False
    provider_metadata: dict[str, Any] | None = None
    type_name: ClassVar[str] = "tool_call"

    def _fields_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "arguments": self.arguments}
        if self.tool_call_id is not None:
            data["tool_call_id"] = self.tool_call_id
        if self.server_executed:
            data["server_executed"] = True
        return data

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> ToolCallPart:
        return cls(
            name=data.get("name", ""),
            arguments=data.get("arguments") or {},
            tool_call_id=data.get("tool_call_id"),
            server_executed=bool(data.get("server_executed", False)),
            provider_metadata=data.get("provider_metadata"),
        )


@dataclass
class ToolResultPart(Part):
    """The output of a tool call, paired to it by ``tool_call_id``."""

    name: str = ""
    output: str = ""
    tool_call_id: str | None = None
    server_executed: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    exception: str | None = None
    provider_metadata: dict[str, Any] | None = None
    type_name: ClassVar[str] = "tool_result"

    def _fields_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "output": self.output}
        if self.tool_call_id is not None:
            data["tool_call_id"] = self.tool_call_id
        if self.server_executed:
            data["server_executed"] = True
        if self.attachments:
            data["attachments"] = [a.to_dict() for a in self.attachments]
        if self.exception:
            data["exception"] = self.exception
        return data

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> ToolResultPart:
        from .attachments import Attachment

        return cls(
            name=data.get("name", ""),
            output=data.get("output", ""),
            tool_call_id=data.get("tool_call_id"),
            server_executed=bool(data.get("server_executed", False)),
            attachments=[
                Attachment.from_dict(a) for a in data.get("attachments") or []
            ],
            exception=data.get("exception"),
            provider_metadata=data.get("provider_metadata"),
        )


@dataclass
class AttachmentPart(Part):
    """An attachment (image, audio, document) inside a message."""

    attachment: Attachment | None = None
    provider_metadata: dict[str, Any] | None = None
    type_name: ClassVar[str] = "attachment"

    def _fields_dict(self) -> dict[str, Any]:
        return {"attachment": self.attachment.to_dict()} if self.attachment else {}

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> AttachmentPart:
        from .attachments import Attachment

        raw = data.get("attachment")
        return cls(
            attachment=Attachment.from_dict(raw) if raw else None,
            provider_metadata=data.get("provider_metadata"),
        )


_PART_TYPES: dict[str, type[Part]] = {
    cls.type_name: cls
    for cls in (TextPart, ReasoningPart, ToolCallPart, ToolResultPart, AttachmentPart)
}


def parse_tool_arguments(raw: str) -> dict[str, Any]:
    """Parse streamed tool-call argument JSON; malformed JSON is kept under ``_raw``."""
    if not raw or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_value": value}


class _Building:
    """A Part under construction."""

    def __init__(self, kind: str, event: StreamEvent) -> None:
        self.kind = kind  # "text", "reasoning", "tool_call" or "tool_result"
        self.chunks: list[str] = []
        self.name_chunks: list[str] = []
        self.tool_call_id = event.tool_call_id
        self.server_executed = event.server_executed
        self.tool_name = event.tool_name
        self.message_index = event.message_index
        self.redacted = False
        self.provider_metadata: dict[str, Any] | None = None

    def add(self, event: StreamEvent) -> None:
        if event.type == "tool_call_name":
            self.name_chunks.append(event.chunk)
        else:
            self.chunks.append(event.chunk)
        if event.server_executed:
            self.server_executed = True
        if event.redacted:
            self.redacted = True
        if event.tool_name:
            self.tool_name = event.tool_name
        if event.tool_call_id and not self.tool_call_id:
            self.tool_call_id = event.tool_call_id
        self.provider_metadata = merge_provider_metadata(
            self.provider_metadata, event.provider_metadata
        )

    def build(self) -> Part:
        text = "".join(self.chunks)
        pm = self.provider_metadata
        if self.kind == "text":
            return TextPart(text=text, provider_metadata=pm)
        if self.kind == "reasoning":
            return ReasoningPart(
                text=text, redacted=self.redacted, provider_metadata=pm
            )
        if self.kind == "tool_call":
            return ToolCallPart(
                name="".join(self.name_chunks),
                arguments=parse_tool_arguments(text),
                tool_call_id=self.tool_call_id,
                server_executed=self.server_executed,
                provider_metadata=pm,
            )
        return ToolResultPart(
            name=self.tool_name or "",
            output=text,
            tool_call_id=self.tool_call_id,
            server_executed=self.server_executed,
            provider_metadata=pm,
        )


def _family(event_type: str) -> str:
    if event_type in ("tool_call_name", "tool_call_args"):
        return "tool_call"
    return event_type


class PartAssembler:
    """Assigns each StreamEvent a ``part_index`` and assembles the resulting Parts."""

    def __init__(self) -> None:
        self._parts: dict[int, _Building] = {}
        self._by_tool_call_id: dict[str, int] = {}
        # (family, message_index, part index) of the previous event
        self._last_auto: tuple[str, int, int] | None = None
        self._last_tool_call: int | None = None
        self._next = 0

    def _new_index(self) -> int:
        while self._next in self._parts:
            self._next += 1
        index = self._next
        self._next += 1
        return index

    def add(self, event: StreamEvent) -> StreamEvent:
        """Record ``event``; returns it (a copy if needed) with ``part_index`` filled in."""
        family = _family(event.type)
        index = event.part_index
        if index is None:
            index = self._choose_index(event, family)
        building = self._parts.get(index)
        if building is None:
            building = _Building(family, event)
            self._parts[index] = building
        elif building.kind != family:
            raise ValueError(
                f"StreamEvent type {event.type!r} is incompatible with prior type "
                f"at part_index={index}. Allocate a new part_index for a different "
                "content type."
            )
        building.add(event)
        if family == "tool_call":
            self._last_tool_call = index
            if event.tool_call_id:
                self._by_tool_call_id.setdefault(event.tool_call_id, index)
        self._last_auto = (family, event.message_index, index)
        if event.part_index != index:
            event = replace(event, part_index=index)
        return event

    def _choose_index(self, event: StreamEvent, family: str) -> int:
        if family in ("text", "reasoning"):
            last = self._last_auto
            if last and last[:2] == (family, event.message_index):
                return last[2]
            return self._new_index()
        if family == "tool_call":
            if event.tool_call_id:
                known = self._by_tool_call_id.get(event.tool_call_id)
                if known is not None:
                    return known
                return self._new_index()
            if event.type == "tool_call_args" and self._last_tool_call is not None:
                return self._last_tool_call
            return self._new_index()
        return self._new_index()  # tool_result: always its own Part

    def parts(self) -> list[Part]:
        """The assembled Parts, ordered by index."""
        return [part for _, part in self.indexed_parts()]

    def indexed_parts(self) -> list[tuple[int, Part]]:
        """``(message_index, part)`` for each assembled Part, ordered by part index."""
        return [
            (self._parts[i].message_index, self._parts[i].build())
            for i in sorted(self._parts)
        ]


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


def assistant_messages(indexed_parts: Iterable[tuple[int, Part]]) -> list[Message]:
    """A model's output as assistant Messages: one per ``message_index``.

    Messages come in the order their first part arrived; no parts, no message.
    Within a message, redacted reasoning comes first: it stands for thinking
    the provider withheld, which preceded what the model went on to say.
    """
    groups: dict[int, list[Part]] = {}
    for message_index, part in indexed_parts:
        groups.setdefault(message_index, []).append(part)
    return [
        Message(
            role="assistant",
            parts=sorted(parts, key=lambda p: not _is_redacted(p)),
        )
        for parts in groups.values()
    ]


def _is_redacted(part: Part) -> bool:
    return isinstance(part, ReasoningPart) and part.redacted
