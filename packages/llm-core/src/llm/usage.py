"""Token usage reported by a model for one response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Usage:
    """Input and output token counts, plus provider-specific ``details``."""

    input: int | None = None
    output: int | None = None
    details: dict[str, Any] | None = None


def simplify_usage_dict(details: Any) -> Any:
    """Drop zero and empty values from a nested usage dict (None if nothing remains)."""
    if isinstance(details, dict):
        cleaned = {}
        for key, value in details.items():
            value = simplify_usage_dict(value)
            if value not in (None, 0, {}, [], ""):
                cleaned[key] = value
        return cleaned or None
    if isinstance(details, list):
        items = [simplify_usage_dict(v) for v in details]
        items = [v for v in items if v not in (None, 0, {}, [], "")]
        return items or None
    return details


def token_usage_string(
    input_tokens: int | None,
    output_tokens: int | None,
    token_details: dict[str, Any] | None,
) -> str:
    """Human summary such as ``10 input, 5 output, {"cached": 2}``."""
    import json

    bits = []
    if input_tokens is not None:
        bits.append(f"{format(input_tokens, ',')} input")
    if output_tokens is not None:
        bits.append(f"{format(output_tokens, ',')} output")
    if token_details:
        bits.append(json.dumps(token_details))
    return ", ".join(bits)
