"""Reading ``llm embed-multi`` input: CSV, TSV, a JSON array or newline-delimited JSON.

Rows are read by llm-core's ``llm.rows``. Each becomes ``(id, content)``: the
first column (or the ``id`` key of a JSON object, else its first key) is the
ID and the remaining values, joined with spaces, are the content. The whole
input is parsed before anything is embedded, so a malformed line is reported
(by number) before any work is done.
"""

from __future__ import annotations

import io
import json
from typing import Any

from llm.errors import InputError
from llm.rows import FORMATS, Row, detect_format, read_rows

__all__ = ["EMBED_FORMATS", "detect_format", "parse_records"]

# embed-multi reads records with an ID, so not plain lines.
EMBED_FORMATS = tuple(f for f in FORMATS if f != "lines")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _values(row: Row) -> list[Any]:
    if row.format in ("csv", "tsv"):
        return list(row.values)
    item = row.as_dict()
    if "id" in item:
        return [item["id"], *(value for key, value in item.items() if key != "id")]
    return list(item.values())


def _record(row: Row) -> tuple[str, str]:
    if row.error is not None:
        raise InputError(row.error, row.line)
    if row.format in ("csv", "tsv") and row.keys is not None and len(row.keys) < 2:
        raise InputError(
            f"{row.format.upper()} input needs at least two columns (an ID, then "
            f"content); line 1 has {len(row.keys)}"
        )
    values = _values(row)
    if len(values) < 2:
        raise InputError(
            f"{row.location}: expected an ID and at least one content value", row.line
        )
    if values[0] is None or values[0] == "":
        raise InputError(f"{row.location}: the ID is empty", row.line)
    return _text(values[0]), " ".join(_text(value) for value in values[1:])


def parse_records(data: bytes, format: str | None = None) -> list[tuple[str, str]]:
    """Every ``(id, content)`` record in ``data``; ValueError for empty or malformed input."""
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputError("The input is empty: there is nothing to embed")
    if format is not None and format not in EMBED_FORMATS:
        raise InputError(f"Unknown input format: {format}")
    records = [_record(row) for row in read_rows(io.BytesIO(data), format)]
    if not records:
        raise InputError("The input has no rows to embed")
    return records
