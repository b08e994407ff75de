"""Turning a ``--schema`` / ``--schema-multi`` value into a JSON schema dict.

llm.logs.schemas does the resolving (JSON, concise DSL, a file, a stored schema
ID or ``t:template``); the logs database is only opened for stored IDs.
"""

from __future__ import annotations

from typing import Any


def resolve_schema_option(value: str | None, multi: bool, logs: Any) -> dict | None:
    """The schema a ``--schema`` (or ``--schema-multi`` when ``multi``) value names."""
    if value is None:
        return None
    from llm.logs.schemas import SCHEMA_ID_PATTERN, schema_from_reference

    db = logs.get() if SCHEMA_ID_PATTERN.match(value.strip()) else None
    return schema_from_reference(db, value, multi=multi)


def resolve_schema_options(
    schema: str | None, schema_multi: str | None, logs: Any
) -> dict | None:
    """The schema from ``--schema``, else from ``--schema-multi``, else None."""
    if schema is not None:
        return resolve_schema_option(schema, False, logs)
    if schema_multi is not None:
        return resolve_schema_option(schema_multi, True, logs)
    return None
