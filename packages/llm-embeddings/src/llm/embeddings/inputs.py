"""Reading ``llm embed-multi`` input: CSV, TSV, a JSON array or newline-delimited JSON.

Each record becomes ``(id, content)``: the first column (or the ``id`` key of a
JSON object, else its first key) is the ID and the remaining values, joined
with spaces, are the content. The whole input is parsed before anything is
embedded, so a malformed line is reported (by number) before any work is done.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from typing import Any

FORMATS = ("json", "csv", "tsv", "nl")


def detect_format(text: str) -> str:
    """Guess the format from the start of the text: JSON array, NL-JSON, TSV or CSV."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "nl"
    first_line = stripped.split("\n", 1)[0]
    if first_line.count("\t") > first_line.count(","):
        return "tsv"
    return "csv"


def decode_input(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark); errors name the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as ex:
        line = data[: ex.start].count(b"\n") + 1
        raise ValueError(f"Input is not valid UTF-8 (line {line})") from ex


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _record(values: list[Any], where: str) -> tuple[str, str]:
    if len(values) < 2:
        raise ValueError(f"{where}: expected an ID and at least one content value")
    if values[0] is None or values[0] == "":
        raise ValueError(f"{where}: the ID is empty")
    return _text(values[0]), " ".join(_text(value) for value in values[1:])


def _object_values(item: dict[str, Any]) -> list[Any]:
    if "id" in item:
        return [item["id"], *(value for key, value in item.items() if key != "id")]
    return list(item.values())


def _delimited(text: str, delimiter: str, label: str) -> Iterator[tuple[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        try:
            header = next(reader, None)
        except csv.Error as ex:
            raise ValueError(f"Invalid {label} on line {reader.line_num}: {ex}") from ex
        if header is None:
            return
        if len(header) < 2:
            raise ValueError(
                f"{label} input needs at least two columns (an ID, then content); "
                f"line 1 has {len(header)}"
            )
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as ex:
                raise ValueError(
                    f"Invalid {label} on line {reader.line_num}: {ex}"
                ) from ex
            if not row or row == [""]:
                continue
            yield _record(list(row), f"{label} line {reader.line_num}")
    finally:
        csv.field_size_limit(previous_limit)


def _json_array(text: str) -> Iterator[tuple[str, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as ex:
        raise ValueError(f"Invalid JSON on line {ex.lineno}: {ex.msg}") from ex
    if not isinstance(data, list):
        raise ValueError("JSON input must be an array of objects")
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ValueError(f"JSON array item {number} is not an object")
        yield _record(_object_values(item), f"JSON array item {number}")


def _json_lines(text: str) -> Iterator[tuple[str, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as ex:
            raise ValueError(f"Invalid JSON on line {number}: {ex.msg}") from ex
        if not isinstance(item, dict):
            raise ValueError(f"Line {number} is not a JSON object")
        yield _record(_object_values(item), f"Line {number}")


def parse_records(data: bytes, format: str | None = None) -> list[tuple[str, str]]:
    """Every ``(id, content)`` record in ``data``; ValueError for empty or malformed input."""
    text = decode_input(data)
    if not text.strip():
        raise ValueError("The input is empty: there is nothing to embed")
    chosen = format or detect_format(text)
    if chosen == "json":
        records = list(_json_array(text))
    elif chosen == "nl":
        records = list(_json_lines(text))
    elif chosen in ("csv", "tsv"):
        delimiter = "," if chosen == "csv" else "\t"
        records = list(_delimited(text, delimiter, chosen.upper()))
    else:
        raise ValueError(f"Unknown input format: {chosen}")
    if not records:
        raise ValueError("The input has no rows to embed")
    return records
