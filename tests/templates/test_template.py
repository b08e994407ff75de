"""The Template model: variables, evaluation, attachments, trust and plain data."""

from __future__ import annotations

import pytest

import llm
from llm.errors import TemplateError
from llm.templates import Template


def test_llm_template_is_the_templates_class():
    assert llm.Template is Template
    assert "Template" in llm.__all__


def test_input_and_named_variables():
    template = Template(
        name="recipe",
        prompt="Recipe with $ingredients from ${country}:\n$input",
    )
    assert template.vars() == {"ingredients", "country", "input"}
    prompt, system = template.evaluate(
        "quick", {"ingredients": "sausages, milk", "country": "Germany"}
    )
    assert prompt == "Recipe with sausages, milk from Germany:\nquick"
    assert system is None


def test_double_dollar_is_a_literal_dollar():
    template = Template(system="Estimate the cost in $$ of this: $input")
    assert template.vars() == {"input"}
    _, system = template.evaluate("a boat")
    assert system == "Estimate the cost in $ of this: a boat"


def test_defaults_fill_missing_params_and_params_override():
    template = Template(
        system="Summarize in the voice of $voice, $n points",
        defaults={"voice": "GlaDOS", "n": 3},
    )
    assert template.evaluate("text")[1] == "Summarize in the voice of GlaDOS, 3 points"
    assert (
        template.evaluate("text", {"voice": "Yoda"})[1]
        == "Summarize in the voice of Yoda, 3 points"
    )


def test_params_are_not_modified():
    params = {"voice": "Yoda"}
    Template(prompt="$voice $input", defaults={"other": "x"}).evaluate("hi", params)
    assert params == {"voice": "Yoda"}


def test_missing_parameter_names_it():
    template = Template(name="recipe", prompt="Use $ingredients from $country")
    with pytest.raises(TemplateError) as info:
        template.evaluate("", {"ingredients": "eggs"})
    # The original's message, then how to fix it.
    assert str(info.value) == (
        "Missing variables: country (pass -p country VALUE, or set defaults: "
        "in the template)"
    )
    # Older plugin code catches Template.MissingVariables.
    with pytest.raises(Template.MissingVariables):
        template.evaluate("")


def test_missing_parameter_in_system_only_template():
    with pytest.raises(TemplateError, match="voice"):
        Template(system="Speak like $voice").evaluate("hello")


def test_system_only_template_uses_input_as_prompt():
    assert Template(system="Summarize this").evaluate("long text") == (
        "long text",
        "Summarize this",
    )


def test_template_without_prompt_or_system_passes_input_through():
    assert Template(model="echo").evaluate("hi") == ("hi", None)


def test_evaluate_adds_no_input_the_template_does_not_use():
    # As the original's Template.evaluate(): only $input places the input.
    assert Template(prompt="Summarize this").evaluate("words") == (
        "Summarize this",
        None,
    )
    assert Template(prompt="Hi $name", system="S").evaluate("x", {"name": "Bo"}) == (
        "Hi Bo",
        "S",
    )


def test_prompt_with_input_appends_it_on_its_own_line():
    # What `llm -t NAME INPUT` sends (templates.md: added to the end of the prompt).
    assert Template(prompt="Summarize the following: ").prompt_with_input("words") == (
        "Summarize the following: \nwords",
        None,
    )
    assert Template(prompt="Summarize this").prompt_with_input("words")[0] == (
        "Summarize this\nwords"
    )
    # No input: nothing is added.
    assert Template(prompt="Draw a pelican").prompt_with_input("")[0] == (
        "Draw a pelican"
    )
    # $input used by the system prompt: not added to the prompt as well.
    template = Template(prompt="Go", system="Translate: $input")
    assert template.prompt_with_input("bonjour") == ("Go", "Translate: bonjour")


def test_stray_dollar_is_a_clear_error():
    template = Template(name="price", prompt="It costs $5 for $input")
    with pytest.raises(TemplateError) as info:
        template.evaluate("x")
    message = str(info.value)
    assert "'price'" in message and "column 10" in message and "$$" in message


def test_parameter_values_with_dollars_are_not_expanded():
    prompt, _ = Template(prompt="Say $input").evaluate("$HOME costs $$")
    assert prompt == "Say $HOME costs $$"


def test_yaml_numbers_become_text():
    template = Template.model_validate({"prompt": 42, "system": 1.5})
    assert (template.prompt, template.system) == ("42", "1.5")


def test_single_strings_become_lists():
    template = Template(fragments="notes.txt", tools="llm_time")
    assert template.fragments == ["notes.txt"]
    assert template.tools == ["llm_time"]


def test_unknown_constructor_keys_are_rejected():
    with pytest.raises(ValueError):
        Template(promt="typo")


def test_attachment_objects(tmp_path):
    image = tmp_path / "pic.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    template = Template(
        attachments=[str(image), "https://example.com/a.jpg"],
        attachment_types=[{"type": "image/jpeg", "value": str(image)}],
    )
    attachments = template.attachment_objects()
    assert [(a.path, a.url, a.type) for a in attachments] == [
        (str(image), None, None),
        (None, "https://example.com/a.jpg", None),
        (str(image), None, "image/jpeg"),
    ]
    assert attachments[0].resolve_type() == "image/png"


def test_function_code_requires_trust():
    template = Template(name="t", functions="def f():\n    return 1\n")
    # Built in Python (for example by a plugin loader): not trusted by default.
    assert template.function_code() is None
    assert template.functions_ignored is True
    template._functions_trusted = True
    assert template.function_code() == "def f():\n    return 1\n"
    assert template.functions_ignored is False
    assert Template(prompt="x").function_code() is None
    assert Template(prompt="x").functions_ignored is False


def test_to_dict_leaves_out_empty_keys():
    template = Template(
        name="n",
        prompt="p",
        options={},
        fragments=[],
        extract=False,
        extract_last=True,
        attachment_types=[{"type": "image/png", "value": "x.png"}],
    )
    assert template.to_dict() == {
        "prompt": "p",
        "attachment_types": [{"type": "image/png", "value": "x.png"}],
        "extract_last": True,
    }
    assert template.to_dict(include_name=True)["name"] == "n"
