"""Round-tripping responses through plain JSON-safe dicts (to_dict / from_dict)."""

from __future__ import annotations

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


def response_from_dict(cls: Any, data: dict[str, Any], model: Any = None) -> Any:
    """Rebuild a completed response of class ``cls`` from ``response_to_dict`` output."""
    from .async_response import AsyncResponse
    from .registry import get_async_model, get_model

    if model is None:
        is_async = issubclass(cls, AsyncResponse)
        model = (get_async_model if is_async else get_model)(data["model"])
    prompt = Prompt(
        None,
        model,
        messages=[Message.from_dict(m) for m in data.get("messages", [])],
        options=data.get("options") or {},
        schema=data.get("schema"),
    )
    usage = data.get("usage") or {}
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
    )
