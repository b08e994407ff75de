"""Turning a ``--schema`` / ``--schema-multi`` value into a JSON schema dict.

Accepted: JSON text, the concise DSL (``name, age int``), a file holding either,
the ID of a schema stored in the logs database, or ``t:template`` to reuse the
schema saved in a template.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_SCHEMA_ID = re.compile(r"^[0-9a-f]{32}$")


def _check(schema: Any, source: str) -> dict[str, Any]:
    from llm import SchemaError

    if not isinstance(schema, dict):
        raise SchemaError(f"{source} is not a JSON object")
    properties = schema.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise SchemaError(f"{source}: 'properties' must be an object")
    kind = schema.get("type")
    if kind is not None and not isinstance(kind, (str, list)):
        raise SchemaError(f"{source}: 'type' must be a string")
    return schema


def _from_text(text: str, source: str, multi: bool) -> dict[str, Any]:
    from llm import SchemaError
    from llm.schemas import multi_schema, schema_dsl

    if text.strip().startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as ex:
            raise SchemaError(f"{source} is not valid JSON: {ex}") from ex
        schema = _check(value, source)
        return multi_schema(schema) if multi else schema
    return schema_dsl(text, multi=multi)


def _from_template(name: str, multi: bool) -> dict[str, Any]:
    from llm import SchemaError
    from llm.schemas import multi_schema
    from llm.templates import load_template

    template = load_template(name)
    if not template.schema_object:
        raise SchemaError(f"Template {name} does not define a schema")
    schema = _check(template.schema_object, f"Template {name} schema")
    return multi_schema(schema) if multi else schema


def _stored(value: str, logs: Any) -> dict[str, Any] | None:
    from llm.logs.schemas import get_schema

    found = get_schema(logs.get(), value)
    if found is None:
        return None
    if isinstance(found, str):
        found = json.loads(found)
    return found


def resolve_schema_option(value: str | None, multi: bool, logs: Any) -> dict | None:
    """The schema a ``--schema`` (or ``--schema-multi`` when ``multi``) value names."""
    from llm import SchemaError
    from llm.schemas import multi_schema

    if value is None:
        return None
    text = value.strip()
    if not text:
        raise SchemaError("The schema is empty")
    if text.startswith("t:"):
        return _from_template(text[2:], multi)
    if text.startswith("{"):
        return _from_text(text, "Schema", multi)
    if "\n" not in text and len(text) < 4096:
        path = Path(text).expanduser()
        if path.is_file():
            return _from_text(path.read_text(encoding="utf-8"), str(path), multi)
        if _SCHEMA_ID.match(text):
            stored = _stored(text, logs)
            if stored is None:
                raise SchemaError(f"No stored schema with ID {text}")
            schema = _check(stored, f"Schema {text}")
            return multi_schema(schema) if multi else schema
    return _from_text(text, "Schema", multi)
