"""llm.rows: reading CSV, TSV, JSON, newline-delimited JSON and plain lines, row by row."""

from __future__ import annotations

import io

import pytest

from llm.errors import InputError
from llm.rows import detect_format, read_rows


def rows(data: bytes, format: str | None = None, **kwargs):
    return list(read_rows(io.BytesIO(data), format, **kwargs))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Write a haiku about otters\nAnother prompt\n", "lines"),
        ("Summarise this, please\n", "lines"),
        ("id,prompt\n1,hi\n", "csv"),
        ("id\tprompt\tsystem\n", "tsv"),
        ("prompt\nhello\n", "csv"),
        ("text\nhello\n", "lines"),
        ('{"prompt": "hi"}\n', "nl"),
        ("[{}]", "json"),
    ],
)
def test_detect_format_with_plain_lines(text, expected):
    assert detect_format(text, plain_lines=True, columns={"prompt"}) == expected


def test_detect_format_without_plain_lines_is_csv_or_tsv():
    assert detect_format("Summarise this, please\n") == "csv"
    assert detect_format("just text\n") == "csv"


def test_plain_lines_skip_blank_lines_and_keep_line_numbers():
    found = rows(b"\xef\xbb\xbffirst\r\n\n  \nsecond\n", plain_lines=True)
    assert [(r.line, r.values, r.keys) for r in found] == [
        (1, ("first",), None),
        (4, ("second",), None),
    ]
    assert found[0].as_dict() == {"prompt": "first"}
    assert found[1].location == "Line 4"


def test_csv_rows_start_where_they_start():
    data = b'id,prompt\n\na,"two\nlines"\nb,plain\n'
    found = rows(data, "csv")
    assert [(r.line, r.as_dict()) for r in found] == [
        (3, {"id": "a", "prompt": "two\nlines"}),
        (5, {"id": "b", "prompt": "plain"}),
    ]
    assert found[1].location == "CSV line 5"


def test_tsv_header_after_blank_lines():
    found = rows(b"\n\nid\tprompt\nx\thello, there\n", "tsv")
    assert [(r.line, r.as_dict()) for r in found] == [
        (4, {"id": "x", "prompt": "hello, there"})
    ]


def test_bad_records_are_rows_with_errors_and_reading_goes_on():
    data = b'{"prompt": "a"}\nnot json\n[1]\n\xff\xfe\n{"prompt": "b"}\n'
    found = rows(data)
    assert [(r.line, r.error) for r in found] == [
        (1, None),
        (2, "Invalid JSON on line 2: Expecting value"),
        (3, "Line 3 is not a JSON object"),
        (4, "Input is not valid UTF-8 (line 4)"),
        (5, None),
    ]
    assert found[4].as_dict() == {"prompt": "b"}


def test_broken_csv_quote_is_a_row_error():
    found = rows(b'id,prompt\na,"x"y\nb,fine\n', "csv")
    assert found[0].error.startswith("Invalid CSV on line 2")
    assert found[1].as_dict() == {"id": "b", "prompt": "fine"}


def test_json_array_items_are_numbered():
    found = rows(b'[{"prompt": "a"}, 3, {"prompt": "b"}]')
    assert [(r.line, r.error, r.location) for r in found] == [
        (1, None, "JSON array item 1"),
        (2, "JSON array item 2 is not an object", "JSON array item 2"),
        (3, None, "JSON array item 3"),
    ]


@pytest.mark.parametrize(
    "data,format,message",
    [
        (b"[1, 2", None, "Invalid JSON on line 1"),
        (b'{"a": 1}', "json", "must be an array of objects"),
        (b"a,b\n", "xml", "Unknown input format: xml"),
        (b"id,prompt\nx,\xff\n", "csv", r"not valid UTF-8 \(line 2\)"),
    ],
)
def test_input_that_cannot_be_read_at_all(data, format, message):
    with pytest.raises(InputError, match=message):
        rows(data, format)


def test_rows_are_read_only_as_far_as_needed():
    read: list[int] = []

    def lines():
        for number in range(1, 1_000_000):
            read.append(number)
            yield f'{{"prompt": "p{number}"}}\n'.encode()

    found = read_rows(lines())
    first = [next(found) for _ in range(3)]
    assert [r.as_dict()["prompt"] for r in first] == ["p1", "p2", "p3"]
    assert len(read) == 3
