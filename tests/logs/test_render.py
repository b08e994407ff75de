"""Output helpers: streamed JSON must equal what json.dumps would produce."""

from __future__ import annotations

import json
import textwrap

from llm.logs import render

RECORD = {
    "id": "01abc",
    "prompt": "caf\u00e9\nline two",
    "options_json": {},
    "token_details": {"cached": {"n": 1}},
    "tool_calls": [{"name": "t", "arguments": {"a": [1, 2]}, "tool_call_id": None}],
    "attachments": [],
    "duration_ms": 12,
    "ratio": 1.5,
    "flag": True,
    "missing": None,
}


def test_record_json_matches_indented_dump():
    assert render.record_json(RECORD) == textwrap.indent(
        json.dumps(RECORD, indent=2), "  "
    )


def test_json_array_is_valid_for_any_count():
    for count in (0, 1, 3):
        text = "".join(render.json_array([RECORD] * count))
        assert json.loads(text) == [RECORD] * count
    assert (
        "".join(render.json_array([RECORD, RECORD]))
        == json.dumps([RECORD, RECORD], indent=2) + "\n"
    )


def test_data_outputs():
    records = [
        {
            "id": "r1",
            "conversation_id": "c1",
            "response": '{"items": [{"a": 1}, {"a": 2}]}',
        },
        {"id": "r2", "conversation_id": "c2", "response": "not json"},
    ]
    assert list(render.ndjson(render.data_items(records))) == [
        '{"items": [{"a": 1}, {"a": 2}]}\n'
    ]
    array = "".join(
        render.compact_json_array(render.data_items(records, key="items", ids=True))
    )
    assert (
        array
        == '[{"a": 1, "response_id": "r1", "conversation_id": "c1"},\n {"a": 2, "response_id": "r1", "conversation_id": "c1"}]\n'
    )
    assert "".join(render.compact_json_array([])) == "[]\n"


def test_duration_shown_with_usage_and_in_short_as_the_original_does():
    record = {
        "id": "01abc",
        "model": "m",
        "datetime_utc": "2026-01-02T03:04:05.678+00:00",
        "conversation_id": "01conv",
        "prompt": "hi",
        "response": "ok",
        "input_tokens": 10,
        "output_tokens": 5,
        "duration_ms": 2727,
    }
    text = "".join(render.markdown([record], usage=True))
    assert "## Token usage\n\n10 input, 5 output\n\nDuration: 2727ms (2s)\n\n" in text
    assert "Duration" not in "".join(render.markdown([record]))
    assert list(render.short_record(record))[:4] == [
        "model",
        "datetime",
        "duration_ms",
        "conversation",
    ]
    assert render.short_record(record)["duration_ms"] == 2727
    assert "duration_ms" not in render.short_record(dict(record, duration_ms=None))
