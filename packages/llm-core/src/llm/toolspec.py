"""Tool specifications such as ``Files("/tmp")`` or ``MCP(url="...")``: parsing and
instantiating them, as the CLI's ``-T`` and plugins that configure toolboxes do."""

from __future__ import annotations

import ast
import json
import re
from typing import Any

_SPEC = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)
_JSON_NAMES = {"true": True, "false": False, "null": None}


def _literal(node: ast.AST, spec: str) -> Any:
    """A JSON-style value from a parsed expression (true/false/null allowed)."""
    if isinstance(node, ast.Name) and node.id in _JSON_NAMES:
        return _JSON_NAMES[node.id]
    if isinstance(node, ast.List):
        return [_literal(item, spec) for item in node.elts]
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise ValueError(f"Invalid tool specification: {spec}")
        return {
            _literal(key, spec): _literal(value, spec)  # type: ignore[arg-type]
            for key, value in zip(node.keys, node.values)
        }
    try:
        return ast.literal_eval(node)
    except ValueError as ex:
        raise ValueError(
            f"Invalid tool specification: {spec} (values must be JSON)"
        ) from ex


def parse_tool_spec(spec: str) -> tuple[str, list[Any], dict[str, Any]]:
    """(name, args, kwargs) for ``Name``, ``Name()``, ``Name({...})``, ``Name("x")``
    or ``Name(key=value, ...)`` with JSON values."""
    match = _SPEC.match(spec)
    if not match:
        raise ValueError(f"Invalid tool specification: {spec}")
    name, inner = match.group(1), (match.group(2) or "").strip()
    if not inner:
        return name, [], {}
    try:
        value = json.loads(inner)
    except json.JSONDecodeError:
        pass
    else:
        if isinstance(value, dict):
            return name, [], value
        return name, [value], {}
    try:
        call = ast.parse(f"f({inner})", mode="eval").body
    except SyntaxError as ex:
        raise ValueError(f"Invalid tool specification: {spec}") from ex
    assert isinstance(call, ast.Call)
    args = [_literal(arg, spec) for arg in call.args]
    kwargs = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            raise ValueError(f"Invalid tool specification: {spec}")
        kwargs[keyword.arg] = _literal(keyword.value, spec)
    return name, args, kwargs


def instantiate_from_spec(class_map: dict[str, type], spec: str) -> Any:
    """Instantiate ``class_map[Name]`` from a spec like ``Name(arg, key=value)``.

    Arguments are JSON values (``true``/``false``/``null`` allowed); a single JSON
    object argument becomes keyword arguments.
    """
    name, args, kwargs = parse_tool_spec(spec)
    if name not in class_map:
        raise ValueError(f"Unknown class in specification: {name}")
    try:
        return class_map[name](*args, **kwargs)
    except TypeError as ex:
        raise ValueError(f"Could not configure {spec}: {ex}") from ex
