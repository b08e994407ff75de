"""Small helpers used by llm and by plugins (kept importable from ``llm.utils``)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from typing import Any

from .attachments import mimetype_from_bytes as mimetype_from_string
from .attachments import mimetype_from_path
from .http_logging import logging_client  # noqa: F401  (see llm.compat)
from .ids import monotonic_ulid
from .schemas import make_schema_id, multi_schema, schema_dsl, schema_summary
from .toolspec import instantiate_from_spec
from .usage import simplify_usage_dict, token_usage_string

__all__ = [
    "dicts_to_table_string",
    "extract_fenced_code_block",
    "find_unused_key",
    "human_size",
    "instantiate_from_spec",
    "make_schema_id",
    "mimetype_from_path",
    "mimetype_from_string",
    "monotonic_ulid",
    "multi_schema",
    "remove_dict_none_values",
    "schema_dsl",
    "schema_summary",
    "simplify_usage_dict",
    "token_usage_string",
    "truncate_string",
    "yaml_problem",
]

_FENCE = re.compile(
    r"""(?P<fence>^(?P<indent>[ ]*)(?P<backticks>`{3,}|~{3,}))[ ]*(?P<lang>[^\n`]*)\n(?P<code>.*?)^(?P=indent)(?P=backticks)[ ]*$""",
    re.MULTILINE | re.DOTALL,
)


def extract_fenced_code_block(text: str, last: bool = False) -> str | None:
    """The first (or ``last``) fenced code block in Markdown text, or None."""
    matches = list(_FENCE.finditer(text))
    if not matches:
        return None
    match = matches[-1] if last else matches[0]
    code = match.group("code")
    indent = match.group("indent")
    if indent:
        code = (
            textwrap.dedent(code)
            if all(
                line.startswith(indent) or not line.strip()
                for line in code.splitlines()
            )
            else code
        )
    return code


def remove_dict_none_values(d: Any) -> Any:
    """Recursively drop keys whose value is None."""
    if not isinstance(d, dict):
        return d
    result = {}
    for key, value in d.items():
        if value is None:
            continue
        if isinstance(value, dict):
            nested = remove_dict_none_values(value)
            if nested:
                result[key] = nested
        elif isinstance(value, list):
            result[key] = [remove_dict_none_values(v) for v in value]
        else:
            result[key] = value
    return result


def truncate_string(
    text: str,
    max_length: int = 100,
    normalize_whitespace: bool = False,
    keep_end: bool = False,
) -> str:
    """Shorten text to ``max_length`` characters with an ellipsis."""
    if not text:
        return text
    if normalize_whitespace:
        text = re.sub(r"\s+", " ", text)
    if len(text) <= max_length:
        return text
    if keep_end and max_length >= 9:
        half = (max_length - 5) // 2
        return text[:half] + " ... " + text[-half:]
    return text[: max(max_length - 3, 0)] + "..."


def dicts_to_table_string(
    headings: list[str], dicts: Iterable[dict[str, Any]]
) -> list[str]:
    """Render dicts as aligned text table lines."""
    rows = [[str(d.get(h, "")) for h in headings] for d in dicts]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headings)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headings, widths)).rstrip()]
    for row in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
    return lines


def human_size(size: int) -> str:
    """A byte count as B, KB, MB or GB with two decimals (1024-based)."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.2f}{unit}" if unit != "B" else f"{int(value)}B"
        value /= 1024
    return f"{value:.2f}GB"


def find_unused_key(item: dict[str, Any], key: str) -> str:
    """``key``, or ``key_`` with enough underscores to not collide with ``item``."""
    while key in item:
        key += "_"
    return key


def yaml_problem(ex: Exception) -> str:
    """PyYAML's complaint on one line: what is wrong and where (1-based line, column)."""
    problem = getattr(ex, "problem", None)
    mark = getattr(ex, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(ex).split())
