"""Round-tripping responses through plain JSON-safe dicts (to_dict / from_dict).

The layout is the original LLM's, so a payload saved by either loads in the
other: ``{"model", "prompt": {"messages", "options", "system"}, "messages",
"id", "usage", "datetime_utc"}`` where ``prompt.messages`` is the input chain
that was sent and ``messages`` the assistant output. The TypedDicts below
describe it (their names are the original's public ones).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Union, cast

if TYPE_CHECKING:
    from .parts import Message
    from .response_record import ResponseRecord


class AttachmentDict(TypedDict, total=False):
    """An attachment: its type and where it is (``content`` is base64 bytes)."""

    type: str
    url: str
    path: str
    content: str


class _PartBase(TypedDict, total=False):
    provider_metadata: dict[str, Any]


class _TextPartRequired(TypedDict):
    type: Literal["text"]
    text: str


class TextPartDict(_TextPartRequired, _PartBase, total=False):
    """A TextPart."""


class _ReasoningPartRequired(TypedDict):
    type: Literal["reasoning"]
    text: str


class ReasoningPartDict(_ReasoningPartRequired, _PartBase, total=False):
    """A ReasoningPart; ``redacted`` only when true."""

    redacted: bool


class _ToolCallPartRequired(TypedDict):
    type: Literal["tool_call"]
    name: str
    arguments: dict[str, Any]


class ToolCallPartDict(_ToolCallPartRequired, _PartBase, total=False):
    """A ToolCallPart."""

    tool_call_id: str
    server_executed: bool


class _ToolResultPartRequired(TypedDict):
    type: Literal["tool_result"]
    name: str
    output: str


class ToolResultPartDict(_ToolResultPartRequired, _PartBase, total=False):
    """A ToolResultPart."""

    tool_call_id: str
    server_executed: bool
    exception: str
    attachments: list[AttachmentDict]


class _AttachmentPartRequired(TypedDict):
    type: Literal["attachment"]


class AttachmentPartDict(_AttachmentPartRequired, _PartBase, total=False):
    """An AttachmentPart."""

    attachment: AttachmentDict


PartDict = Union[
    TextPartDict,
    ReasoningPartDict,
    ToolCallPartDict,
    ToolResultPartDict,
    AttachmentPartDict,
]


class _MessageRequired(TypedDict):
    role: str
    parts: list[PartDict]


class MessageDict(_MessageRequired, total=False):
    """A Message."""

    provider_metadata: dict[str, Any]


class _PromptRequired(TypedDict):
    messages: list[MessageDict]


class PromptDict(_PromptRequired, total=False):
    """What was sent: the complete input chain, the options set, the system prompt given."""

    options: dict[str, Any]
    system: str


class UsageDict(TypedDict, total=False):
    """Token usage; only the counts that are known."""

    input: int
    output: int
    details: dict[str, Any]


class _ResponseRequired(TypedDict):
    model: str
    prompt: PromptDict
    messages: list[MessageDict]


class ResponseDict(_ResponseRequired, total=False):
    """A whole response, as ``Response.to_dict()`` returns it.

    ``cost`` (``llm.Cost.to_dict()``, when known) is this package's addition;
    the original ignores it.
    """

    id: str
    usage: UsageDict
    datetime_utc: str
    cost: dict[str, Any]


def record_to_dict(record: ResponseRecord) -> ResponseDict:
    """Everything needed to rebuild and continue a finished response."""
    prompt: PromptDict = {"messages": _message_dicts(record.input_messages)}
    if record.options:
        prompt["options"] = dict(record.options)
    if record.system:
        prompt["system"] = record.system
    data: ResponseDict = {
        "model": record.model_id,
        "prompt": prompt,
        "messages": _message_dicts(record.output_messages()),
        "id": record.id,
    }
    usage: UsageDict = {}
    if record.usage.input is not None:
        usage["input"] = record.usage.input
    if record.usage.output is not None:
        usage["output"] = record.usage.output
    if record.usage.details:
        usage["details"] = dict(record.usage.details)
    if usage:
        data["usage"] = usage
    started = datetime.datetime.fromisoformat(record.datetime_utc)
    utc = datetime.timezone.utc
    # A naive time is already UTC; one with another offset is converted, not relabelled.
    started = started.astimezone(utc) if started.tzinfo else started.replace(tzinfo=utc)
    data["datetime_utc"] = started.isoformat()
    if record.cost is not None:
        data["cost"] = record.cost.to_dict()
    return data


def _message_dicts(messages: Iterable[Message]) -> list[MessageDict]:
    return [cast(MessageDict, m.to_dict()) for m in messages]


def _single_text(message: Message) -> str | None:
    """The text of a message that is exactly one plain text part, else None."""
    from .parts import TextPart

    if message.provider_metadata or len(message.parts) != 1:
        return None
    part = message.parts[0]
    if isinstance(part, TextPart) and not part.provider_metadata:
        return part.text
    return None


def _split_turn(
    messages: list[Message],
) -> tuple[str | None, str | None, list[Any], list[Message]]:
    """(prompt, system, attachments, earlier messages) from a saved input chain.

    A rebuilt prompt keeps ``prompt``, ``system`` and ``attachments`` as they were,
    for plugins that read those rather than ``prompt.messages``; ``messages``
    comes out the same either way. A chain of another shape stays as explicit
    messages.
    """
    from .parts import AttachmentPart, TextPart

    text = system = None
    attachments: list[Any] = []
    last = messages[-1] if messages else None
    if last is not None and last.role == "user" and not last.provider_metadata:
        texts = [p for p in last.parts if isinstance(p, TextPart)]
        files = [p for p in last.parts if isinstance(p, AttachmentPart)]
        shaped = len(texts) <= 1 and len(texts) + len(files) == len(last.parts)
        text_first = not texts or last.parts[0] is texts[0]
        plain = not any(p.provider_metadata for p in last.parts)
        if shaped and text_first and plain and all(p.attachment for p in files):
            text = texts[0].text if texts else None
            attachments = [p.attachment for p in files]
            messages = messages[:-1]
    if messages and messages[0].role == "system":
        system = _single_text(messages[0])
        if system is not None:
            messages = messages[1:]
    return text, system, attachments, messages


def _from_earlier_layout(data: dict[str, Any]) -> dict[str, Any]:
    """Payloads written by earlier versions of this package, in today's layout.

    Those kept the input chain under ``messages`` and the output under ``output``.
    """
    return {
        "model": data["model"],
        "prompt": {
            "messages": data.get("messages") or [],
            "options": data.get("options") or {},
        },
        "messages": data.get("output") or [],
        "id": data.get("id"),
        "usage": data.get("usage") or {},
        "datetime_utc": data.get("datetime_utc"),
        "cost": data.get("cost"),
    }


def response_from_dict(cls: Any, data: dict[str, Any], model: Any) -> Any:
    """Rebuild a completed response of class ``cls`` for ``model`` from ``to_dict()`` output.

    Tool calls the output ends with are pending again: ``reply(tools=[...])``
    runs them.
    """
    from .parts import Message, ToolCallPart
    from .prompt import Prompt
    from .tools import ToolCall

    if not isinstance(data.get("prompt"), dict):
        data = _from_earlier_layout(data)
    sent: dict[str, Any] = data["prompt"]
    text, system, attachments, messages = _split_turn(
        [Message.from_dict(m) for m in sent.get("messages") or []]
    )
    prompt = Prompt(
        text,
        model,
        system=system,
        attachments=attachments,
        messages=messages,
        options=sent.get("options") or {},
    )
    output = [Message.from_dict(m) for m in data.get("messages") or []]
    calls = [
        ToolCall(name=p.name, arguments=dict(p.arguments), tool_call_id=p.tool_call_id)
        for m in output
        for p in m.parts
        if isinstance(p, ToolCallPart) and not p.server_executed
    ]
    usage = data.get("usage") or {}
    cost = None
    if data.get("cost"):
        from .pricing import Cost, billable_tokens
        from .usage import Usage

        tokens = billable_tokens(
            Usage(usage.get("input"), usage.get("output"), usage.get("details"))
        )
        cost = Cost.from_dict(data["cost"], tokens=tokens)
    return cls.restore(
        prompt,
        model,
        output=output,
        tool_calls=calls,
        id=data.get("id"),
        input_tokens=usage.get("input"),
        output_tokens=usage.get("output"),
        token_details=usage.get("details"),
        datetime_utc=data.get("datetime_utc"),
        cost=cost,
    )
