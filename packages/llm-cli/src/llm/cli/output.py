"""Small output helpers: YAML listings and JSON lines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def yaml_dump(items: Any) -> str:
    """YAML with multi-line strings as ``|`` blocks and keys in the given order."""
    from llm.templates.parsing import dump_yaml

    return dump_yaml(items)


def json_lines(items: Iterable[Any]) -> str:
    """Newline-delimited JSON, one compact object per line."""
    return "\n".join(json.dumps(item) for item in items)


def describe_loaders(loaders: Mapping[str, Callable[..., Any]]) -> str:
    """``prefix:`` followed by each loader's indented docstring, blank-line separated."""
    import inspect

    blocks = []
    for prefix, loader in loaders.items():
        doc = inspect.getdoc(loader) or "(no description)"
        body = "\n".join(f"  {line}" if line else "" for line in doc.splitlines())
        blocks.append(f"{prefix}:\n{body}")
    return "\n\n".join(blocks)
