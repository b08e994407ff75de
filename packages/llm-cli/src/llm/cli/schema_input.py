"""Turning a ``--schema`` / ``--schema-multi`` value into a JSON schema dict.

llm.logs.schemas does the resolving (JSON, concise DSL, a file, a stored schema
ID); ``t:template`` names a saved template's schema, looked up here through
llm-templates. The logs database is only opened for stored IDs.
"""

from __future__ import annotations

from typing import Any


def resolve_schema_option(value: str | None, multi: bool, logs: Any) -> dict | None:
    """The schema a ``--schema`` (or ``--schema-multi`` when ``multi``) value names."""
    if value is None:
        return None
    from llm.logs.schemas import SCHEMA_ID_PATTERN

    db = logs.get() if SCHEMA_ID_PATTERN.match(value.strip()) else None
    return schema_from_option(db, value, multi=multi)


def schema_from_option(db: Any, reference: str, *, multi: bool = False) -> dict:
    """``llm.logs.schemas.schema_from_reference`` with ``t:NAME`` resolved."""
    from llm.logs.schemas import schema_from_reference

    return schema_from_reference(db, reference, multi=multi, templates=template_schema)


def template_schema(name: str) -> dict[str, Any]:
    """The schema of the saved (or loader-provided) template ``name``."""
    from llm.errors import SchemaError
    from llm.templates import load_template

    schema = load_template(name).schema_object
    if not schema:
        raise SchemaError(f"Template '{name}' has no schema")
    return schema


def resolve_schema_options(
    schema: str | None, schema_multi: str | None, logs: Any
) -> dict | None:
    """The schema from ``--schema``, else from ``--schema-multi``, else None."""
    if schema is not None:
        return resolve_schema_option(schema, False, logs)
    if schema_multi is not None:
        return resolve_schema_option(schema_multi, True, logs)
    return None
