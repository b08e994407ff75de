"""Round-tripping responses through plain JSON-safe dicts (to_dict / from_dict)."""

from __future__ import annotations

import datetime
from typing import Any

from .messages import Message
from .prompt import Prompt
from .tools import ToolCall

FORMAT_VERSION = 1


def _options_dict(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if hasattr(options, "model_dump"):
        return options.model_dump(exclude_none=True)
    return {k: v for k, v in dict(options).items() if v is not None}


def response_to_dict(response: Any) -> dict[str, Any]:
    """Everything needed to rebuild and continue a finished response."""
    prompt = response.prompt
    return {
        "format": FORMAT_VERSION,
        "id": response.id,
        "model": response.model.model_id,
        "prompt": prompt._prompt,
        "system": prompt._system,
        "messages": [m.to_dict() for m in prompt.messages],
        "output": [m.to_dict() for m in response._messages()],
        "tool_calls": [
            {"name": c.name, "arguments": c.arguments, "tool_call_id": c.tool_call_id}
            for c in response._tool_calls
        ],
        "options": _options_dict(prompt.options),
        "schema": prompt.schema,
        "usage": {
            "input": response.input_tokens,
            "output": response.output_tokens,
            "details": response.token_details,
        },
        "response_json": response.response_json,
        "resolved_model": response.resolved_model,
        "datetime_utc": response.datetime_utc(),
        "duration_ms": response.duration_ms(),
    }


def response_from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a completed response of class ``cls`` from ``response_to_dict`` output."""
    from .async_response import AsyncResponse
    from .registry import get_async_model, get_model

    is_async = issubclass(cls, AsyncResponse)
    model = (get_async_model if is_async else get_model)(data["model"])
    messages = [Message.from_dict(m) for m in data.get("messages", [])]
    prompt = Prompt(
        None,
        model,
        messages=messages,
        options=data.get("options") or {},
        schema=data.get("schema"),
    )
    response = cls(prompt, model, True)
    response.id = data.get("id") or response.id
    for message in data.get("output", []):
        for part in Message.from_dict(message).parts:
            # Reconstruct the event stream so text(), iteration and parts agree.
            _replay_part(response, part)
    for call in data.get("tool_calls", []):
        response._tool_calls.append(ToolCall(**call))
    usage = data.get("usage") or {}
    response.set_usage(input=usage.get("input"), output=usage.get("output"), details=usage.get("details"))
    response.response_json = data.get("response_json")
    response.resolved_model = data.get("resolved_model")
    if data.get("datetime_utc"):
        try:
            moment = datetime.datetime.fromisoformat(data["datetime_utc"])
            response._start_utcnow = moment.replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            pass
    response._complete()
    response._parts = [p for m in data.get("output", []) for p in Message.from_dict(m).parts]
    if data.get("duration_ms") is not None and response._end is not None:
        response._start = response._end - data["duration_ms"] / 1000
    return response


def _replay_part(response: Any, part: Any) -> None:
    from .parts import ReasoningPart, StreamEvent, TextPart

    if isinstance(part, TextPart):
        response._record(StreamEvent(type="text", chunk=part.text))
    elif isinstance(part, ReasoningPart):
        response._record(StreamEvent(type="reasoning", chunk=part.text))
