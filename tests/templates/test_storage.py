"""Saved templates: YAML parsing, the templates directory, names, saving and listing."""

from __future__ import annotations

import os
import stat
import sys

import pytest
import yaml

from llm.errors import TemplateError
from llm.templates import (
    Template,
    list_templates,
    load_template,
    parse_template,
    replace_template,
    save_template,
    scan_templates,
    template_path,
    template_to_yaml,
    templates_path,
    validate_template_name,
)


def test_templates_path_is_created_in_user_dir(user_path):
    path = templates_path()
    assert path == user_path / "templates"
    assert path.is_dir()
    assert template_path("summarize") == path / "summarize.yaml"


def test_plain_string_is_a_prompt():
    template = parse_template("Summarize this $input", name="s", source="s")
    assert (template.name, template.prompt) == ("s", "Summarize this $input")


def test_text_that_yaml_reads_as_a_mapping_gets_a_hint():
    with pytest.raises(TemplateError, match="write prompt: '...'"):
        parse_template("Summarize: $input", name="s", source="s")


def test_name_from_argument_wins_over_yaml_name():
    template = parse_template("name: other\nprompt: hi", name="real", source="x")
    assert template.name == "real"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("prompt: [unclosed", "is not valid YAML"),
        ("- a\n- b\n", "should be a YAML mapping of template keys or a plain string"),
        ("42", "not a number"),
        ("", "is empty"),
        ("prompt: hi\npromt: typo\nsytem: x\n", "unknown keys: promt, sytem"),
        ("options: [1, 2]", "options: Input should be a valid dictionary"),
        ("attachment_types:\n- value: a.png\n", "attachment_types.0.type"),
        ("extract: maybe", "extract:"),
    ],
)
def test_parse_errors_name_the_source(text, expected):
    with pytest.raises(TemplateError) as info:
        parse_template(text, name="bad", source="Template 'bad' (/x/bad.yaml)")
    message = str(info.value)
    assert message.startswith("Template 'bad' (/x/bad.yaml)")
    assert expected in message


def test_unknown_key_message_lists_valid_keys():
    with pytest.raises(TemplateError) as info:
        parse_template("promt: hi", name="t", source="t")
    assert "valid keys are name, prompt, system" in str(info.value)


def test_every_documented_key_round_trips_through_yaml():
    template = Template(
        prompt="Line one\nLine two: $input\n",
        system="Estimate in $$: ${thing}",
        attachments=["/tmp/a.png", "https://example.com/b.jpg"],
        attachment_types=[{"type": "image/jpeg", "value": "/tmp/c.bin"}],
        model="gpt-4o",
        defaults={"thing": "a boat", "count": 3},
        options={"temperature": 1.8, "stop": "yes"},
        extract=True,
        extract_last=True,
        schema_object={
            "type": "object",
            "properties": {"name": {"type": "string"}},
        },
        fragments=["https://example.com/robots.txt", "993fd38d"],
        system_fragments=["/path/to/system.txt"],
        tools=["llm_time", 'Datasette("https://example.com/db")'],
        functions="def reverse(s: str):\n    return s[::-1]\n",
    )
    text = template_to_yaml(template)
    assert "prompt: |" in text  # multi-line text is readable
    assert not text.startswith("name:") and "\nname:" not in text
    again = parse_template(text, name=None, source="t")
    assert again.model_dump() == template.model_dump()


def test_awkward_strings_round_trip():
    for value in [
        "trailing spaces  \nline  ",
        "  leading",
        "yes",
        "123",
        "null",
        "- dash",
        "colon: here",
        "# hash",
        "tab\there",
        "ünïcødé ✓",
        "ends with newline\n\n",
    ]:
        template = Template(prompt=value)
        parsed = parse_template(template_to_yaml(template), name=None, source="t")
        assert parsed.prompt == value


@pytest.mark.parametrize(
    "name",
    [
        "",
        " ",
        "../escape",
        "a/b",
        "a\\b",
        "..",
        ".hidden",
        "gh:thing",
        "x.yaml",
        "tab\tname",
        " padded",
    ],
)
def test_invalid_names_are_rejected(name):
    with pytest.raises(TemplateError, match="Invalid template name"):
        validate_template_name(name)
    with pytest.raises(TemplateError, match="Invalid template name"):
        save_template(name, {"prompt": "x"})


def test_valid_names():
    for name in ("summarize", "my-template", "v1.2", "snake_case", "Ünïcode"):
        assert validate_template_name(name) == name


def test_save_writes_yaml_and_loads_back(templates_dir):
    path = save_template(
        "summarize", Template(system="Summarize this", options={"temperature": 0.5})
    )
    assert path == templates_dir / "summarize.yaml"
    assert yaml.safe_load(path.read_text()) == {
        "system": "Summarize this",
        "options": {"temperature": 0.5},
    }
    template = load_template("summarize")
    assert template.name == "summarize" and template.system == "Summarize this"


def test_save_accepts_a_dict_and_validates_it(templates_dir):
    save_template("d", {"prompt": "hi", "extract": True})
    assert yaml.safe_load((templates_dir / "d.yaml").read_text()) == {
        "prompt": "hi",
        "extract": True,
    }
    with pytest.raises(TemplateError, match="unknown key: bogus"):
        save_template("e", {"bogus": 1})
    assert not (templates_dir / "e.yaml").exists()


def test_save_refuses_to_overwrite_when_asked(templates_dir):
    save_template("t", {"prompt": "first"})
    with pytest.raises(TemplateError, match="already exists"):
        save_template("t", {"prompt": "second"}, overwrite=False)
    assert load_template("t").prompt == "first"


def test_overwrite_keeps_a_backup_of_different_content(templates_dir):
    path = templates_dir / "t.yaml"
    path.write_text("# my careful notes\nprompt: first\n")
    save_template("t", {"prompt": "second"})
    assert load_template("t").prompt == "second"
    assert (templates_dir / "t.yaml.bak").read_text() == (
        "# my careful notes\nprompt: first\n"
    )
    # Saving identical content again does not pile up backups.
    save_template("t", {"prompt": "second"})
    assert sorted(p.name for p in templates_dir.iterdir()) == ["t.yaml", "t.yaml.bak"]
    save_template("t", {"prompt": "third"})
    assert (templates_dir / "t.yaml.bak1").read_text() == "prompt: second\n"


def test_replace_template_reports_the_backup(templates_dir):
    first = replace_template("t", {"prompt": "first"})
    assert first == (templates_dir / "t.yaml", None)
    # Identical text: nothing replaced, no backup.
    assert replace_template("t", {"prompt": "first"}).backup is None
    second = replace_template("t", {"prompt": "second"})
    assert second.backup == templates_dir / "t.yaml.bak"
    assert second.backup.read_text() == "prompt: first\n"
    assert replace_template("t", {"prompt": "third"}).backup == (
        templates_dir / "t.yaml.bak1"
    )


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_new_template_gets_umask_permissions(templates_dir):
    old_umask = os.umask(0o022)
    try:
        path = save_template("fresh", {"prompt": "x"})
    finally:
        os.umask(old_umask)
    assert _mode(path) == 0o644


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_replacing_keeps_the_permission_bits(templates_dir):
    path = templates_dir / "shared.yaml"
    path.write_text("prompt: old\n")
    path.chmod(0o664)
    save_template("shared", {"prompt": "new"})
    assert _mode(path) == 0o664
    private = templates_dir / "private.yaml"
    private.write_text("prompt: secret\n")
    private.chmod(0o600)
    saved = replace_template("private", {"prompt": "still secret"})
    assert _mode(private) == 0o600
    # The old text is no easier to read than it was.
    assert _mode(saved.backup) == 0o600
    assert not [p for p in templates_dir.iterdir() if p.name.startswith(".")]


def test_list_templates_sorted_and_skips_broken(templates_dir):
    (templates_dir / "zeta.yaml").write_text("prompt: z")
    (templates_dir / "alpha.yaml").write_text("system: a")
    (templates_dir / "broken.yaml").write_text("prompt: [oops")
    (templates_dir / "notes.txt").write_text("not a template")
    assert [t.name for t in list_templates()] == ["alpha", "zeta"]
    scanned = dict(scan_templates())
    assert sorted(scanned) == ["alpha", "broken", "zeta"]
    assert isinstance(scanned["broken"], TemplateError)
    assert "broken.yaml" in str(scanned["broken"])


def test_long_single_line_prompt_stays_on_one_line():
    prompt = "word " * 60 + "end"
    text = template_to_yaml(Template(prompt=prompt))
    assert text == f"prompt: {prompt}\n"
