"""``indented_json`` writes exactly what ``json.dumps(value, indent=2)`` writes."""

from __future__ import annotations

import json

import pytest

from llm.cli.json_text import indented_json

VALUES = [
    None,
    True,
    0,
    -7,
    10**30,
    0.1,
    1e-07,
    4.5e-06,
    float("nan"),
    float("inf"),
    "",
    'quotes " and \\ backslashes',
    "tabs\tnew\nlines\r and \x00 control",
    "accents é, emoji 🦩, CJK 漢字",
    [],
    {},
    [[], {}, [1, [2, [3]]]],
    {"a": {"b": {"c": []}}, "list": [{"x": None}, {}], "e": "é"},
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
    ("tuple", 1),
    {
        "by": "conversation",
        "rows": [
            {"conversation": "01abc", "name": None, "responses": 5, "cost_usd": 0.25},
            {"conversation": "01def", "name": "Pelicans", "cost_usd": None},
        ],
        "total": {"responses": 5},
    },
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_same_text_as_json_dumps(value):
    assert indented_json(value) == json.dumps(value, indent=2)


def test_unserializable_values_raise_type_error_as_json_does():
    with pytest.raises(TypeError):
        indented_json({"when": object()})
