"""Small helpers shared by the OpenAI model classes (several are imported by other plugins)."""

from __future__ import annotations

import copy
from typing import Any

from llm.usage import simplify_usage_dict
from llm.utils import remove_dict_none_values

__all__ = [
    "as_dict",
    "not_nulls",
    "redact_data",
    "remove_dict_none_values",
    "set_usage_from_dict",
]


def not_nulls(data: Any) -> dict[str, Any]:
    """The non-None values of an Options instance (or dict) as a plain dict."""
    if data is None:
        return {}
    items = data.items() if isinstance(data, dict) else iter(data)
    return {key: value for key, value in items if value is not None}


def as_dict(value: Any) -> Any:
    """A JSON-friendly dict for an SDK model (or pass dicts and primitives through)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    return value


_REDACTED = "..."


def redact_data(data: Any) -> Any:
    """A copy of a request payload with inline base64 content replaced by ``...``.

    Used when a payload is displayed or stored: image data URLs, audio and file
    data would otherwise swamp the output.
    """
    data = copy.deepcopy(data)

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in list(value.items()):
                if key in ("url", "image_url") and isinstance(inner, str):
                    if inner.startswith("data:"):
                        value[key] = inner.split(",", 1)[0] + "," + _REDACTED
                elif key in ("data", "file_data") and isinstance(inner, str):
                    if len(inner) > 64 or inner.startswith("data:"):
                        value[key] = _REDACTED
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(data)
    return data


def set_usage_from_dict(response: Any, usage: dict[str, Any] | None) -> None:
    """Record an OpenAI usage dict (chat or Responses shape) on ``response``."""
    if not usage:
        return
    usage = dict(usage)
    input_tokens = usage.pop("prompt_tokens", None)
    if input_tokens is None:
        input_tokens = usage.pop("input_tokens", None)
    output_tokens = usage.pop("completion_tokens", None)
    if output_tokens is None:
        output_tokens = usage.pop("output_tokens", None)
    usage.pop("total_tokens", None)
    response.set_usage(
        input=input_tokens,
        output=output_tokens,
        details=simplify_usage_dict(usage),
    )
