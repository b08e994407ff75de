"""Schemas in the logs database: stored once by content ID, listed with how often they were used."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from llm.errors import SchemaError
from llm.paths import existing_path
from llm.schemas import make_schema_id, multi_schema, schema_dsl, schema_summary
from llm.sqlite import write_transaction

from .db import ensure_ready
from .message_store import has_message_store

SCHEMA_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def store_schema(db: Any, schema: dict[str, Any]) -> str:
    """Store ``schema`` unless already stored; returns its ID."""
    schema_id, content = make_schema_id(schema)
    conn = ensure_ready(db)
    with write_transaction(conn):
        conn.execute(
            "insert or ignore into schemas (id, content) values (?, ?)",
            (schema_id, content),
        )
    return schema_id


def get_schema(db: Any, schema_id: str) -> dict[str, Any] | None:
    """The stored schema with this ID, or None."""
    conn = ensure_ready(db)
    row = conn.execute(
        "select content from schemas where id = ?", (schema_id,)
    ).fetchone()
    if row is None:
        return None
    try:
        value = json.loads(row[0])
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def list_schemas(db: Any, queries: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Stored schemas, most recently used first, with summary, usage count and last use.

    Every query must appear in the schema's JSON.
    """
    conn = ensure_ready(db)
    usage_sources = [
        "select schema_id, datetime_utc from responses where schema_id is not null"
    ]
    if has_message_store(conn):
        usage_sources.append(
            "select schema_id, datetime_utc from turns where schema_id is not null"
        )
    where: list[str] = []
    params: list[Any] = []
    for query in queries:
        where.append("s.content like ?")
        params.append(f"%{query}%")
    sql = (
        "with uses as (" + " union all ".join(usage_sources) + ") "
        "select s.id, s.content, count(u.schema_id) as times, max(u.datetime_utc) as last_used "
        "from schemas s left join uses u on u.schema_id = s.id"
    )
    if where:
        sql += " where " + " and ".join(where)
    sql += " group by s.id order by last_used desc, s.id"
    found = []
    for schema_id, content, times, last_used in conn.execute(sql, params):
        try:
            schema = json.loads(content)
        except (TypeError, ValueError):
            schema = {}
        found.append(
            {
                "id": schema_id,
                "summary": schema_summary(schema) if isinstance(schema, dict) else "",
                "content": schema,
                "usage_count": times,
                "last_used": last_used,
            }
        )
    return found


def schema_from_reference(
    db: Any | None,
    reference: str,
    *,
    multi: bool = False,
    templates: Callable[[str], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Resolve a ``--schema`` value: JSON, ``t:template``, a file, a stored ID or the DSL.

    ``templates`` looks up the schema of a template by name for ``t:NAME``
    (llm-cli passes one built on llm-templates). With ``multi=True`` the result
    is wrapped as ``{"items": [...]}``.
    """
    schema = _resolve(db, reference.strip(), templates)
    return multi_schema(schema) if multi else schema


def _resolve(
    db: Any | None,
    reference: str,
    templates: Callable[[str], dict[str, Any]] | None,
) -> dict[str, Any]:
    if not reference:
        raise SchemaError("Schema is empty")
    if reference.startswith("{"):
        try:
            value = json.loads(reference)
        except ValueError as ex:
            raise SchemaError(f"Schema is not valid JSON: {ex}") from ex
        if not isinstance(value, dict):
            raise SchemaError("A JSON schema must be an object")
        return value
    if reference.startswith("t:"):
        if templates is None:
            raise SchemaError("Schemas from templates (t:NAME) need a template lookup")
        return templates(reference[2:])
    path = existing_path(reference) if "\n" not in reference else None
    if path is not None and path.is_file():
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as ex:
            raise SchemaError(f"Could not read schema from {reference}: {ex}") from ex
        if not isinstance(value, dict):
            raise SchemaError(f"Schema file {reference} does not contain a JSON object")
        return value
    if is_stored_schema_reference(reference):
        stored = get_schema(db, reference) if db is not None else None
        if stored is not None:
            return stored
        message = f"No stored schema with ID {reference}"
        if not SCHEMA_ID_PATTERN.match(reference):
            message += f" (for a one-field concise schema add a comma: '{reference},')"
        raise SchemaError(message)
    return schema_dsl(reference)


def is_stored_schema_reference(reference: str) -> bool:
    """True when a ``--schema`` value can only be the ID of a stored schema.

    Concise schemas always have a comma, a space or a newline between their
    parts, so a single word is looked up as an ID - before the DSL is tried,
    as in the original LLM - unless it is JSON, ``t:NAME`` or an existing file.
    """
    reference = reference.strip()
    if not reference or reference.startswith(("{", "t:")):
        return False
    if any(mark in reference for mark in " ,\n\t"):
        return False
    path = existing_path(reference)
    return path is None or not path.is_file()
