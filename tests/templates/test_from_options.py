"""template_from_options(): what ``llm ... --save NAME`` stores."""

from __future__ import annotations

import pytest
import yaml

from llm.attachments import Attachment
from llm.errors import TemplateError
from llm.templates import load_template, save_template, template_from_options


def test_everything_from_a_command_line_round_trips(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("notes")
    (tmp_path / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "tools.py").write_text("def shout(s):\n    return s.upper()\n")
    template = template_from_options(
        prompt="Summarize: $input",
        system="In the voice of $voice",
        model="echo",
        options=[("temperature", "0.5")],
        params=[("voice", "GlaDOS")],
        extract=True,
        extract_last=False,
        schema={"type": "object", "properties": {"name": {"type": "string"}}},
        fragments=["notes.txt", "https://example.com/robots.txt", "an-alias"],
        system_fragments=["notes.txt"],
        attachments=["pic.png", Attachment(url="https://example.com/a.jpg")],
        attachment_types=[("pic.png", "image/png")],
        tools=["llm_version"],
        functions=["def hello():\n    return 'hi'", "tools.py"],
    )
    path = save_template("everything", template)
    saved = yaml.safe_load(path.read_text())
    notes = str(tmp_path / "notes.txt")
    pic = str(tmp_path / "pic.png")
    assert saved == {
        "prompt": "Summarize: $input",
        "system": "In the voice of $voice",
        "attachments": [pic, "https://example.com/a.jpg"],
        "attachment_types": [{"type": "image/png", "value": pic}],
        "model": "echo",
        "defaults": {"voice": "GlaDOS"},
        "options": {"temperature": "0.5"},
        "extract": True,
        "schema_object": {
            "type": "object",
            "properties": {"name": {"type": "string"}},
        },
        "fragments": [notes, "https://example.com/robots.txt", "an-alias"],
        "system_fragments": [notes],
        "tools": ["llm_version"],
        "functions": "def hello():\n    return 'hi'\n\n"
        "def shout(s):\n    return s.upper()\n",
    }
    loaded = load_template("everything")
    assert loaded.evaluate("text") == ("Summarize: text", "In the voice of GlaDOS")
    assert "def shout" in loaded.function_code()


def test_only_given_values_are_saved(templates_dir):
    path = save_template("sys", template_from_options(system="Summarize this"))
    assert path.read_text() == "system: Summarize this\n"


def test_literal_dollars_survive_saving(templates_dir):
    save_template(
        "estimate",
        template_from_options(system="Estimate the cost in $$ of this: $input"),
    )
    _, system = load_template("estimate").evaluate("a car")
    assert system == "Estimate the cost in $ of this: a car"


def test_stray_dollar_is_refused_before_saving(templates_dir):
    with pytest.raises(TemplateError, match=r"write \$\$"):
        template_from_options(prompt="costs $5")


def test_schema_as_text(templates_dir):
    template = template_from_options(schema="name, age int")
    assert template.schema_object["properties"]["age"] == {"type": "integer"}
    template = template_from_options(schema='{"type": "object"}')
    assert template.schema_object == {"type": "object"}
    with pytest.raises(TemplateError, match="schema"):
        template_from_options(schema="{not json")


def test_stdin_attachment_cannot_be_saved():
    with pytest.raises(TemplateError, match="standard input"):
        template_from_options(attachments=[Attachment(content=b"data")])
    with pytest.raises(TemplateError, match="standard input"):
        template_from_options(attachments=["-"])


def test_typed_attachment_objects(tmp_path):
    pic = tmp_path / "pic.bin"
    pic.write_bytes(b"x")
    template = template_from_options(
        attachment_types=[Attachment(type="image/jpeg", path=pic)]
    )
    assert template.to_dict()["attachment_types"] == [
        {"type": "image/jpeg", "value": str(pic)}
    ]
