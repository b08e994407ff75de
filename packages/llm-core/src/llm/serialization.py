"""Round-tripping responses through plain JSON-safe dicts (to_dict / from_dict)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .parts import Message
from .prompt import Prompt
from .tools import ToolCall

if TYPE_CHECKING:
    from .response_record import ResponseRecord

FORMAT_VERSION = 1


def record_to_dict(record: ResponseRecord) -> dict[str, Any]:
    """Everything needed to rebuild and continue a finished response."""
    return {
        "format": FORMAT_VERSION,
        "id": record.id,
        "model": record.model_id,
        "prompt": record.prompt,
        "system": record.system,
        "messages": [m.to_dict() for m in record.input_messages],
        "output": [m.to_dict() for m in record.output_messages()],
        "tool_calls": [
            {"name": c.name, "arguments": c.arguments, "tool_call_id": c.tool_call_id}
            for c in record.tool_calls
        ],
        "options": dict(record.options),
        "schema": record.schema,
        "usage": {
            "input": record.usage.input,
            "output": record.usage.output,
            "details": record.usage.details,
        },
        "response_json": record.response_json,
        "resolved_model": record.resolved_model,
        "datetime_utc": record.datetime_utc,
        "duration_ms": record.duration_ms,
        "cost": record.cost.to_dict() if record.cost is not None else None,
    }


def _single_text(message: Message) -> str | None:
    """The text of a message made of exactly one text part, else None."""
    from .parts import TextPart

    if len(message.parts) == 1 and isinstance(message.parts[0], TextPart):
        return message.parts[0].text
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
    if last is not None and last.role == "user":
        texts = [p for p in last.parts if isinstance(p, TextPart)]
        files = [p for p in last.parts if isinstance(p, AttachmentPart)]
        shaped = len(texts) <= 1 and len(texts) + len(files) == len(last.parts)
        text_first = not texts or last.parts[0] is texts[0]
        if shaped and text_first:
            text = texts[0].text if texts else None
            attachments = [p.attachment for p in files]
            messages = messages[:-1]
    if messages and messages[0].role == "system":
        system = _single_text(messages[0])
        if system is not None:
            messages = messages[1:]
    return text, system, attachments, messages


def response_from_dict(cls: Any, data: dict[str, Any], model: Any) -> Any:
    """Rebuild a completed response of class ``cls`` for ``model`` from ``record_to_dict`` output."""
    text, system, attachments, messages = _split_turn(
        [Message.from_dict(m) for m in data.get("messages", [])]
    )
    prompt = Prompt(
        text,
        model,
        system=system,
        attachments=attachments,
        messages=messages,
        options=data.get("options") or {},
        schema=data.get("schema"),
    )
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
        parts=[p for m in data.get("output", []) for p in Message.from_dict(m).parts],
        tool_calls=[ToolCall(**call) for call in data.get("tool_calls", [])],
        id=data.get("id"),
        input_tokens=usage.get("input"),
        output_tokens=usage.get("output"),
        token_details=usage.get("details"),
        response_json=data.get("response_json"),
        resolved_model=data.get("resolved_model"),
        datetime_utc=data.get("datetime_utc"),
        duration_ms=data.get("duration_ms"),
        cost=cost,
    )
