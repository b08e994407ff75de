"""load_template(): saved names, file paths, URLs and plugin loaders."""

from __future__ import annotations

import pytest

import llm
from llm.errors import TemplateError
from llm.templates import load_template

FUNCTIONS_YAML = "prompt: hi\nfunctions: |\n  def reverse(s):\n      return s[::-1]\n"


def test_saved_template_by_name(templates_dir):
    (templates_dir / "roast.yaml").write_text("model: echo\nsystem: roast the user\n")
    template = load_template("roast")
    assert (template.name, template.model, template.system) == (
        "roast",
        "echo",
        "roast the user",
    )


def test_unknown_name_is_a_clear_error(templates_dir):
    with pytest.raises(TemplateError) as info:
        load_template("nope")
    assert str(info.value) == (
        f"Invalid template: nope (no template named 'nope' in {templates_dir}; "
        "run 'llm templates list' to see saved templates)"
    )
    assert str(templates_dir) in str(info.value)


def test_broken_saved_template_names_file(templates_dir):
    (templates_dir / "bad.yaml").write_text("prompt: [")
    with pytest.raises(TemplateError) as info:
        load_template("bad")
    assert "Template 'bad'" in str(info.value)
    assert str(templates_dir / "bad.yaml") in str(info.value)
    assert "not valid YAML" in str(info.value)


def test_path_to_yaml_file(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "steampunk.yaml"
    path.parent.mkdir()
    path.write_text("prompt: >\n  Summarize\n  this: $input\n")
    template = load_template(str(path))
    assert template.name == "steampunk"
    assert template.evaluate("text")[0] == "Summarize this: text\n"
    # Relative paths work too.
    monkeypatch.chdir(tmp_path)
    assert load_template("sub/steampunk.yaml").prompt == template.prompt


def test_saved_name_wins_over_file_in_current_directory(
    templates_dir, tmp_path, monkeypatch
):
    (templates_dir / "same.yaml").write_text("prompt: saved")
    (tmp_path / "same").write_text("prompt: local file")
    monkeypatch.chdir(tmp_path)
    assert load_template("same").prompt == "saved"


def test_missing_yaml_path_is_an_error(tmp_path):
    with pytest.raises(TemplateError, match="Template file not found"):
        load_template(str(tmp_path / "missing.yaml"))


def test_local_templates_may_carry_functions(templates_dir, tmp_path):
    (templates_dir / "rev.yaml").write_text(FUNCTIONS_YAML)
    assert "def reverse" in load_template("rev").function_code()
    path = tmp_path / "rev.yaml"
    path.write_text(FUNCTIONS_YAML)
    local = load_template(str(path))
    assert "def reverse" in local.function_code()
    assert local.functions_ignored is False


def test_url_template(web_server):
    base, pages = web_server
    pages["/t/python-app.yaml"] = (
        200,
        b"system: write Python\nprompt: 'App: $input'\nextract: true\n",
    )
    template = load_template(f"{base}/t/python-app.yaml")
    assert template.name == "python-app"
    assert template.extract is True
    assert template.evaluate("pick a line") == ("App: pick a line", "write Python")


def test_url_errors(web_server):
    base, pages = web_server
    with pytest.raises(TemplateError, match="HTTP 404"):
        load_template(f"{base}/missing.yaml")
    pages["/bad.yaml"] = (200, b"prompt: [")
    with pytest.raises(TemplateError) as info:
        load_template(f"{base}/bad.yaml")
    assert f"{base}/bad.yaml" in str(info.value) and "YAML" in str(info.value)
    pages["/binary.yaml"] = (200, b"\xff\xfe\x00")
    with pytest.raises(TemplateError, match="not UTF-8"):
        load_template(f"{base}/binary.yaml")


def test_url_template_with_functions_loads_without_them(web_server):
    base, pages = web_server
    pages["/code.yaml"] = (200, FUNCTIONS_YAML.encode())
    template = load_template(f"{base}/code.yaml")
    assert template.prompt == "hi"
    # The code is there to read, but it is never handed out to run.
    assert "def reverse" in template.functions
    assert template.functions_ignored is True
    assert template.function_code() is None


def test_loader_plugin(loader_plugin):
    assert "demo" in llm.get_template_loaders()
    template = load_template("demo:summarize")
    assert (template.name, template.system, template.model) == (
        "summarize",
        "Summarize this",
        "echo",
    )
    assert loader_plugin.calls == ["summarize"]
    # A loader's template without a name gets the argument as its name.
    assert load_template("demo:french").name == "french"


def test_loader_result_is_a_copy(loader_plugin):
    first = load_template("demo:french")
    first.prompt = "changed"
    assert load_template("demo:french").prompt == "Say $input in French"


def test_loader_value_error_becomes_template_error(loader_plugin):
    with pytest.raises(TemplateError) as info:
        load_template("demo:missing")
    assert "'demo:missing'" in str(info.value)
    assert "is not a demo template" in str(info.value)


def test_loader_returning_a_dict_or_junk(loader_plugin):
    assert load_template("raw:dict").evaluate("x")[0] == "from a dict: x"
    with pytest.raises(TemplateError, match="returned int"):
        load_template("raw:other")


def test_loader_template_with_functions_loads_without_them(loader_plugin):
    template = load_template("demo:code")
    assert (template.prompt, template.functions_ignored) == ("hi", True)
    assert template.function_code() is None


def test_unknown_loader_prefix(loader_plugin):
    with pytest.raises(TemplateError) as info:
        load_template("nosuch:thing")
    message = str(info.value)
    assert "Unknown template loader prefix 'nosuch'" in message
    assert "demo" in message and "raw" in message


def test_unknown_prefix_without_loaders():
    with pytest.raises(TemplateError, match="available prefixes: none installed"):
        load_template("gh:simonw/summarize")


def test_empty_spec():
    with pytest.raises(TemplateError, match="No template name"):
        load_template("")


def test_saved_template_with_colon_in_file_name(templates_dir, loader_plugin):
    (templates_dir / "odd:name.yaml").write_text("prompt: odd")
    assert load_template("odd:name").prompt == "odd"
    # A registered loader prefix still wins.
    (templates_dir / "demo:summarize.yaml").write_text("prompt: file")
    assert load_template("demo:summarize").system == "Summarize this"
