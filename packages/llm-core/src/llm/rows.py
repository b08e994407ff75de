"""Reading rows of input: CSV, TSV, a JSON array, newline-delimited JSON or plain lines.

``llm embed-multi`` and ``llm batch`` both read their input here. The format
is detected from the first line that is not blank (``[`` starts a JSON array,
``{`` newline-delimited JSON, otherwise CSV or TSV, whichever delimiter the
first line uses more), unless it is given. Rows are read as they are needed,
so memory stays flat however long the input is; only a JSON array is parsed
whole.

A record that cannot be read (a line that is not JSON, a broken CSV quote)
comes back as a ``Row`` with ``error`` set, so a caller can report it by line
number and carry on; problems with the input as a whole raise ``InputError``.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import sys
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from .errors import InputError

FORMATS = ("json", "nl", "csv", "tsv", "lines")
# What a CSV/TSV header cell looks like when plain lines are also possible: a
# name without spaces, so that prose with commas reads as plain lines.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
_LABELS = {"json": "JSON array item", "nl": "Line", "lines": "Line"}


@dataclass(frozen=True)
class Row:
    """One record of input and where it started.

    ``keys`` are the column names or JSON object keys (None for plain lines),
    ``values`` the record's values in order. A record that could not be read
    has ``error`` set and no values.
    """

    line: int  # the line it starts on; for a JSON array, the item number
    format: str
    keys: tuple[str, ...] | None = None
    values: tuple[Any, ...] = ()
    error: str | None = None

    @property
    def location(self) -> str:
        """Where the row is, for messages: ``CSV line 3``, ``JSON array item 2``."""
        label = _LABELS.get(self.format) or f"{self.format.upper()} line"
        return f"{label} {self.line}"

    def as_dict(self) -> dict[str, Any]:
        """The row as a dict (a plain line is ``{"prompt": line}``)."""
        if self.keys is None:
            return {"prompt": self.values[0]} if self.values else {}
        return dict(zip(self.keys, self.values))


def _looks_like_header(line: str, delimiter: str, columns: Collection[str]) -> bool:
    cells = [cell.strip().strip('"') for cell in line.split(delimiter)]
    if len(cells) == 1:
        return cells[0] in columns
    return all(_NAME.match(cell) for cell in cells)


def detect_format(
    text: str, *, plain_lines: bool = False, columns: Collection[str] = ()
) -> str:
    """Guess the format from the start of the text: JSON array, NL-JSON, TSV, CSV or lines.

    With ``plain_lines``, text is CSV or TSV only when its first line reads as
    a header: names separated by the delimiter, or a single name listed in
    ``columns``; anything else is one record per line.
    """
    stripped = text.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "nl"
    first_line = stripped.split("\n", 1)[0].rstrip("\r")
    delimited = "tsv" if first_line.count("\t") > first_line.count(",") else "csv"
    if not plain_lines:
        return delimited
    delimiter = "\t" if delimited == "tsv" else ","
    if _looks_like_header(first_line, delimiter, columns):
        return delimited
    return "lines"


def _decode(line: bytes, number: int) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as ex:
        raise InputError(f"Input is not valid UTF-8 (line {number})", number) from ex


def _numbered(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Lines with their numbers, the byte-order mark taken off the first."""
    for number, line in enumerate(lines, start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        yield number, line


def _json_lines(lines: Iterable[bytes]) -> Iterator[Row]:
    for number, raw in _numbered(lines):
        if not raw.strip():
            continue
        try:
            item = json.loads(_decode(raw, number))
        except InputError as ex:
            yield Row(number, "nl", error=str(ex))
            continue
        except json.JSONDecodeError as ex:
            yield Row(number, "nl", error=f"Invalid JSON on line {number}: {ex.msg}")
            continue
        if not isinstance(item, dict):
            yield Row(number, "nl", error=f"Line {number} is not a JSON object")
            continue
        yield Row(number, "nl", tuple(item), tuple(item.values()))


def _plain_lines(lines: Iterable[bytes]) -> Iterator[Row]:
    for number, raw in _numbered(lines):
        try:
            text = _decode(raw, number).rstrip("\r\n")
        except InputError as ex:
            yield Row(number, "lines", error=str(ex))
            continue
        if text.strip():
            yield Row(number, "lines", None, (text,))


def _json_array(lines: Iterable[bytes]) -> Iterator[Row]:
    data = b"".join(line for _, line in _numbered(lines))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as ex:
        number = data[: ex.start].count(b"\n") + 1
        raise InputError(f"Input is not valid UTF-8 (line {number})", number) from ex
    try:
        items = json.loads(text)
    except json.JSONDecodeError as ex:
        raise InputError(
            f"Invalid JSON on line {ex.lineno}: {ex.msg}", ex.lineno
        ) from ex
    if not isinstance(items, list):
        raise InputError("JSON input must be an array of objects")
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield Row(number, "json", tuple(item), tuple(item.values()))
        else:
            yield Row(
                number, "json", error=f"JSON array item {number} is not an object"
            )


def _delimited(lines: Iterable[bytes], format: str) -> Iterator[Row]:
    label = format.upper()
    decoded = (_decode(raw, number) for number, raw in _numbered(lines))
    delimiter = "\t" if format == "tsv" else ","
    reader = csv.reader(decoded, delimiter=delimiter, strict=True)
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        header: list[str] | None = []
        while header == []:  # blank lines before the header
            try:
                header = next(reader, None)
            except csv.Error as ex:
                raise InputError(
                    f"Invalid {label} on line {reader.line_num}: {ex}",
                    reader.line_num,
                ) from ex
        if header is None:
            return
        keys = tuple(header)
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as ex:
                yield Row(start, format, error=f"Invalid {label} on line {start}: {ex}")
                continue
            if not values or values == [""]:
                continue
            yield Row(start, format, keys, tuple(values))
    finally:
        csv.field_size_limit(previous_limit)


def _first_content(lines: Iterator[bytes]) -> tuple[list[bytes], str]:
    """The lines up to and including the first that is not blank, and its text."""
    taken: list[bytes] = []
    for line in lines:
        taken.append(line)
        if line.strip(b" \t\r\n\xef\xbb\xbf"):
            break
    sample = b"".join(taken)
    return taken, sample.decode("utf-8", errors="replace").lstrip("\ufeff")


def read_rows(
    stream: IO[bytes] | Iterable[bytes],
    format: str | None = None,
    *,
    plain_lines: bool = False,
    columns: Collection[str] = (),
) -> Iterator[Row]:
    """The rows of a binary input stream, read as they are needed.

    ``format`` is one of FORMATS, or None to detect it (see ``detect_format``;
    ``plain_lines`` and ``columns`` are passed to it). CSV and TSV take their
    column names from the first line. Raises InputError for an unknown format,
    a malformed JSON array, or CSV that is not UTF-8.
    """
    if format is not None and format not in FORMATS:
        raise InputError(
            f"Unknown input format: {format} (use one of {', '.join(FORMATS)})"
        )
    lines = iter(stream)
    if format is None:
        taken, sample = _first_content(lines)
        format = detect_format(sample, plain_lines=plain_lines, columns=columns)
        lines = itertools.chain(taken, lines)
    if format == "json":
        return _json_array(lines)
    if format == "nl":
        return _json_lines(lines)
    if format == "lines":
        return _plain_lines(lines)
    return _delimited(lines, format)
