"""Parsing embed-multi input: format detection, CSV/TSV/JSON/NL-JSON, and line-numbered errors."""

from __future__ import annotations

import pytest

from llm.embeddings.inputs import detect_format, parse_records


@pytest.mark.parametrize(
    "text,expected",
    [
        ('[{"id": 1}]', "json"),
        ("  \n [\n", "json"),
        ('{"id": 1, "c": "x"}\n', "nl"),
        ("id\tcontent\none\tthing\n", "tsv"),
        ("id,content\none,thing\n", "csv"),
        ("id,content\tlooks odd\n", "csv"),
        ("justone\n", "csv"),
    ],
)
def test_detect_format(text, expected):
    assert detect_format(text) == expected


def test_csv_first_column_is_id_rest_is_content():
    data = (
        b"id,title,body\n"
        b"1,Hello,First body\n"
        b'2,"Quoted, with comma","Line one\nline two"\n'
        b"3,,only body\n"
    )
    assert parse_records(data) == [
        ("1", "Hello First body"),
        ("2", "Quoted, with comma Line one\nline two"),
        ("3", " only body"),
    ]


def test_csv_with_byte_order_mark_and_crlf():
    data = "\ufeffid,content\r\na,alpha\r\n\r\nb,beta\r\n".encode()
    assert parse_records(data) == [("a", "alpha"), ("b", "beta")]


def test_tsv():
    assert parse_records(b"id\tcontent\none\tfirst, with comma\n") == [
        ("one", "first, with comma")
    ]
    # An explicit --format wins over detection.
    with pytest.raises(ValueError, match="needs at least two columns"):
        parse_records(b"a,b\n1,2\n", "tsv")


def test_json_array_uses_the_id_key_or_the_first_key():
    data = (
        b'[{"content": "first", "id": "one"},'
        b' {"key": 2, "title": "T", "n": 3, "tags": ["a"], "none": null}]'
    )
    assert parse_records(data) == [("one", "first"), ("2", 'T 3 ["a"] ')]


def test_newline_json_skips_blank_lines():
    data = b'{"id": "a", "text": "alpha"}\n\n{"id": "b", "text": "beta"}\n'
    assert parse_records(data) == [("a", "alpha"), ("b", "beta")]
    assert parse_records(data, "nl") == [("a", "alpha"), ("b", "beta")]


@pytest.mark.parametrize(
    "data,format,message",
    [
        (b"", None, "The input is empty"),
        (b"  \n\n", None, "The input is empty"),
        (b"id,content\n", None, "no rows to embed"),
        (b"[]", None, "no rows to embed"),
        (b'[{"id": 1, "c": "x"},\n {"id": 2, "c": }]', None, "Invalid JSON on line 2"),
        (b'{"id": 1, "c": "x"}\n{"id": 2\n', None, "Invalid JSON on line 2"),
        (b'{"id": 1, "c": "x"}\n[1, 2]\n', None, "Line 2 is not a JSON object"),
        (b'[{"id": 1, "c": "x"}, "text"]', None, "JSON array item 2 is not an object"),
        (b'{"id": 1}', "json", "must be an array of objects"),
        (b'[{"id": 1}]', None, "JSON array item 1: expected an ID and at least one"),
        (b"id,content\na,b\nc\n", None, "CSV line 3: expected an ID and at least one"),
        (b'id,content\na,b\nc,"unterminated\nmore\n', None, "Invalid CSV on line"),
        (b'id,content\na,"x"y\n', None, "Invalid CSV on line 2"),
        (b"onlyid\nx\n", None, "needs at least two columns"),
        (b"id,content\n,empty id\n", None, "CSV line 2: the ID is empty"),
        (b"id,content\na,ok\nb,\xff\xfe\n", None, "not valid UTF-8 (line 3)"),
        (b"id,content\na,b\n", "xml", "Unknown input format"),
    ],
)
def test_malformed_input_is_reported(data, format, message):
    with pytest.raises(
        ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        parse_records(data, format)
