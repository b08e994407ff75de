"""``-t/--template``, ``-p/--param`` and ``--save`` on the prompt command."""

from __future__ import annotations

import yaml

from .conftest import echo_output


def write_template(user_path, name: str, text: str) -> None:
    directory = user_path / "templates"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.yaml").write_text(text)


def test_template_with_params_and_defaults(invoke, user_path):
    write_template(
        user_path,
        "recipe",
        "prompt: 'Cook $dish from $country: $input'\nmodel: echo\n"
        "defaults:\n  country: Italy\n",
    )
    result = invoke(["-t", "recipe", "-p", "dish", "pasta", "quickly"])
    assert echo_output(result.stdout)["prompt"] == "Cook pasta from Italy: quickly"
    result = invoke(
        ["-t", "recipe", "-p", "dish", "soup", "--param", "country", "Peru"]
    )
    assert echo_output(result.stdout)["prompt"] == "Cook soup from Peru: "


def test_template_missing_param(invoke, user_path):
    write_template(user_path, "needs", "prompt: 'Hello $name'\nmodel: echo\n")
    result = invoke(["-t", "needs"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Missing variables: name (pass -p name VALUE, or set defaults: "
        "in the template)\n"
    )


def test_template_system_with_stdin_input(invoke, user_path):
    write_template(user_path, "summarize", "system: Summarize this\nmodel: echo\n")
    result = invoke(["-t", "summarize"], input="long text")
    output = echo_output(result.stdout)
    assert output["system"] == "Summarize this"
    assert output["prompt"] == "long text"


def test_command_line_overrides_template_model_and_options(
    invoke, user_path, mock_model
):
    write_template(
        user_path,
        "hot",
        "prompt: $input\nmodel: echo\noptions:\n  temperature: 1.5\n  max_tokens: 9\n",
    )
    result = invoke(["-t", "hot", "x"])
    assert echo_output(result.stdout)["options"] == {
        "temperature": 1.5,
        "max_tokens": 9,
    }
    result = invoke(["-t", "hot", "x", "-o", "temperature", "0.1"])
    assert echo_output(result.stdout)["options"] == {
        "temperature": 0.1,
        "max_tokens": 9,
    }
    mock_model.enqueue("mock answered")
    assert invoke(["-t", "hot", "x", "-m", "mock"]).stdout == "mock answered\n"


def test_unknown_template(invoke):
    result = invoke(["-t", "no-such-template", "x"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:")
    assert "no-such-template" in result.stderr


def test_param_without_template(invoke):
    result = invoke(["-m", "echo", "x", "-p", "a", "b"])
    assert result.exit_code == 1
    assert "-p/--param needs a template" in result.stderr


def test_save_stores_the_command_line(invoke, user_path, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("context")
    result = invoke(
        [
            "Summarize: $input",
            "-s",
            "be $tone",
            "-m",
            "echo",
            "-o",
            "temperature",
            "0.5",
            "-p",
            "tone",
            "kind",
            "-x",
            "--schema",
            "name, age int",
            "-f",
            str(doc),
            "-T",
            "llm_version",
            "--functions",
            "def f():\n    return 1\n",
            "--save",
            "mine",
        ]
    )
    assert result.exit_code == 0, result.stderr
    saved = yaml.safe_load((user_path / "templates" / "mine.yaml").read_text())
    assert saved["prompt"] == "Summarize: $input"
    assert saved["system"] == "be $tone"
    assert saved["model"] == "echo"
    assert saved["options"] == {"temperature": 0.5}
    assert saved["defaults"] == {"tone": "kind"}
    assert saved["extract"] is True
    assert saved["schema_object"]["required"] == ["name", "age"]
    assert saved["fragments"] == [str(doc.resolve())]
    assert saved["tools"] == ["llm_version"]
    assert "def f()" in saved["functions"]
    # Nothing was run, and the template works.
    result = invoke(["-t", "mine", "this"])
    output = echo_output(result.stdout)
    assert output["prompt"] == "context\nSummarize: this"
    assert output["system"] == "be kind"
    assert output["options"] == {"temperature": 0.5}


def test_save_stores_the_model_id_not_the_alias(invoke, user_path):
    invoke(["aliases", "set", "myalias", "mock"])
    for alias in ("scripted", "myalias"):
        result = invoke(["-m", alias, "hello", "--save", "aliased"])
        assert result.exit_code == 0, result.stderr
        saved = yaml.safe_load((user_path / "templates" / "aliased.yaml").read_text())
        assert saved["model"] == "mock"
    shown = invoke(["templates", "show", "aliased"])
    assert "model: mock" in shown.stdout


def test_save_without_model_types_options_by_the_default_model(invoke, user_path):
    invoke(["models", "default", "echo"])
    result = invoke(
        ["x", "-o", "temperature", "0.5", "-o", "max_tokens", "10", "--save", "typed"]
    )
    assert result.exit_code == 0, result.stderr
    text = (user_path / "templates" / "typed.yaml").read_text()
    assert yaml.safe_load(text) == {
        "prompt": "x",
        "options": {"temperature": 0.5, "max_tokens": 10},
    }
    assert "'0.5'" not in text


def test_save_validates(invoke, user_path):
    result = invoke(["hi", "-m", "echo", "-o", "temperature", "9", "--save", "x"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: temperature")
    for extra in (["-t", "other"], ["-c"], ["--cid", "abc"]):
        result = invoke(["hi", *extra, "--save", "x"])
        assert result.exit_code == 1
        assert "with --save" in result.stderr
    result = invoke(["hi", "--save", "../escape"])
    assert result.exit_code == 1
    assert "Invalid template name" in result.stderr
    assert not (user_path / "templates" / "x.yaml").exists()


# The reference's schemas.md shows this ``llm templates show`` output exactly.
PEOPLE_TEMPLATE = """\
name: people
schema_object:
    properties:
        items:
            items:
                properties:
                    article_date:
                        description: the publication date in YYYY-MM-DD
                        type: string
                    article_headline:
                        description: the headline of the story
                        type: string
                    learned:
                        description: what we learned about them from this story
                        type: string
                    name:
                        description: the person's name
                        type: string
                    organization:
                        description: who they represent
                        type: string
                    role:
                        description: their job title or role
                        type: string
                required:
                - name
                - organization
                - role
                - learned
                - article_headline
                - article_date
                type: object
            type: array
    required:
    - items
    type: object
system: extract people mentioned in this article
"""


def test_templates_show_prints_the_template_as_the_original_does(invoke, user_path):
    schema = (
        "name: the person's name, organization: who they represent, "
        "role: their job title or role, "
        "learned: what we learned about them from this story, "
        "article_headline: the headline of the story, "
        "article_date: the publication date in YYYY-MM-DD"
    )
    result = invoke(
        [
            "--schema-multi",
            schema,
            "--system",
            "extract people mentioned in this article",
            "--save",
            "people",
        ]
    )
    assert result.exit_code == 0, result.stderr
    # llm 0.36 prints the YAML and then a newline: a blank last line.
    assert invoke(["templates", "show", "people"]).stdout == PEOPLE_TEMPLATE + "\n"
    # The file itself keeps the order it was written in.
    saved = (user_path / "templates" / "people.yaml").read_text()
    assert saved.startswith("system: extract people")
