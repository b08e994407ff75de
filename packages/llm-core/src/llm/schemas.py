"""JSON schemas for structured output: the concise DSL, normalisation and stable IDs."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from .errors import SchemaError

_DSL_TYPES = {
    "int": "integer",
    "integer": "integer",
    "float": "number",
    "number": "number",
    "str": "string",
    "string": "string",
    "bool": "boolean",
    "boolean": "boolean",
}
_NAME = re.compile(r"^[A-Za-z_][\w\-]*$")


def schema_dsl(schema_dsl: str, multi: bool = False) -> dict[str, Any]:
    """Convert the concise syntax (``"name, age int: their age"``) into a JSON schema.

    Fields are separated by commas, or by newlines when the text has any (which
    lets descriptions contain commas). ``multi=True`` wraps it as ``{"items": [...]}``.
    """
    text = schema_dsl.strip()
    if not text:
        raise SchemaError("Schema is empty")
    pieces = text.splitlines() if "\n" in text else text.split(",")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for raw in pieces:
        piece = raw.strip()
        if not piece:
            continue
        description = None
        if ":" in piece:
            piece, description = (s.strip() for s in piece.split(":", 1))
        words = piece.split()
        if not words:
            raise SchemaError(f"Missing field name in schema: {raw.strip()!r}")
        name = words[0]
        if not _NAME.match(name):
            raise SchemaError(f"Invalid field name {name!r} in schema")
        type_word = words[1].lower() if len(words) > 1 else "str"
        if len(words) > 2 or type_word not in _DSL_TYPES:
            raise SchemaError(
                f"Invalid type {' '.join(words[1:])!r} for field {name!r}: "
                "use int, float, str or bool"
            )
        prop: dict[str, Any] = {"type": _DSL_TYPES[type_word]}
        if description:
            prop["description"] = description
        properties[name] = prop
        required.append(name)
    schema = {"type": "object", "properties": properties, "required": required}
    return multi_schema(schema) if multi else schema


def multi_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Wrap a single-item schema so the model returns ``{"items": [item, ...]}``."""
    return {
        "type": "object",
        "properties": {"items": {"type": "array", "items": schema}},
        "required": ["items"],
    }


def resolve_schema(schema: Any) -> dict[str, Any] | None:
    """Normalise ``schema=``: a dict, a pydantic model class, or None."""
    if schema is None:
        return None
    if isinstance(schema, dict):
        return schema
    if isinstance(schema, type) and hasattr(schema, "model_json_schema"):
        return schema.model_json_schema()
    if isinstance(schema, str):
        try:
            value = json.loads(schema)
        except json.JSONDecodeError as ex:
            raise SchemaError(f"Schema is not valid JSON: {ex}") from ex
        if not isinstance(value, dict):
            raise SchemaError("A JSON schema must be an object")
        return value
    raise SchemaError(f"Unsupported schema type: {type(schema).__name__}")


def make_schema_id(schema: dict[str, Any]) -> tuple[str, str]:
    """(id, canonical JSON) for a schema: the ID is the hash of its canonical form."""
    canonical = json.dumps(schema, separators=(",", ":"))
    return hashlib.blake2b(
        canonical.encode("utf-8"), digest_size=16
    ).hexdigest(), canonical


def schema_summary(schema: dict[str, Any]) -> str:
    """A one-line summary of a schema's fields, e.g. ``{name, age}`` or ``[{name}]``."""
    if schema.get("type") == "object" and set(schema.get("properties", {})) == {
        "items"
    }:
        items = schema["properties"]["items"]
        if isinstance(items, dict) and items.get("type") == "array":
            return "[" + schema_summary(items.get("items", {})) + "]"
    if schema.get("type") == "array":
        return "[" + schema_summary(schema.get("items", {})) + "]"
    properties = schema.get("properties") or {}
    parts = []
    for name, value in properties.items():
        if isinstance(value, dict) and value.get("type") in ("object", "array"):
            parts.append(f"{name}: {schema_summary(value)}")
        else:
            parts.append(name)
    return "{" + ", ".join(parts) + "}"
