"""``llm templates``: list, show, edit and locate saved prompt templates."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import click

from ..errors import handle_errors
from ..groups import DefaultGroup

if TYPE_CHECKING:
    from llm.templates import Template

# What ``llm templates edit NEW`` starts a new template with.
NEW_TEMPLATE_TEXT = """\
# Template {name}: write a prompt and/or a system prompt.
# Use $input for the user's input and $name for a -p name value parameter.
# Other keys: model, defaults, options, extract, extract_last, schema_object,
# fragments, system_fragments, attachments, attachment_types, tools, functions
prompt: \n"""


@click.group(cls=DefaultGroup, default="list")
def templates() -> None:
    """Manage stored prompt templates"""


@templates.command(name="list")
def list_() -> None:
    """List available prompt templates"""
    from llm.templates import scan_templates
    from llm.utils import truncate_string

    with handle_errors():
        rows = [
            (
                name,
                _broken(name, item) if isinstance(item, Exception) else _summary(item),
            )
            for name, item in scan_templates()
        ]
    if not rows:
        return
    width = max(len(name) for name, _ in rows)
    columns = shutil.get_terminal_size().columns
    for name, summary in rows:
        line = f"{name:<{width}} : {summary}"
        # Lines fill the terminal's width exactly (80 columns when piped).
        click.echo(truncate_string(line, max(columns, width + 10)))


def _summary(template: Template) -> str:
    """One line for ``llm templates list``: the system prompt and prompt, or what it holds."""
    parts = []
    if template.system:
        parts.append(f"system: {template.system}")
        if template.prompt:
            parts.append(f"prompt: {template.prompt}")
    elif template.prompt:
        parts.append(template.prompt)
    else:
        keys = list(template.to_dict())
        parts.append("(" + ", ".join(keys) + ")" if keys else "(empty)")
    return " ".join(" ".join(part.split()) for part in parts)


def _broken(name: str, error: Exception) -> str:
    """Why a saved template cannot be used, without repeating its name and path."""
    from llm.templates import templates_path
    from llm.templates.storage import SUFFIX, describe_path

    message = str(error)
    source = describe_path(name, templates_path() / f"{name}{SUFFIX}")
    if message.startswith(source):
        message = "this template" + message[len(source) :]
    return "(error: " + " ".join(message.split()) + ")"


@templates.command()
@click.argument("name")
def show(name: str) -> None:
    """Show the specified prompt template"""
    from llm.templates import load_template, template_to_yaml

    with handle_errors():
        template = load_template(name)
    # The YAML ends in a newline and echo adds one: a blank last line, as in the original.
    click.echo(template_to_yaml(template, include_name=True, sort_keys=True))


@templates.command()
@click.argument("name")
def edit(name: str) -> None:
    """Edit the specified prompt template using the default $EDITOR"""
    from llm.errors import TemplateError
    from llm.templates import template_path
    from llm.templates.storage import read_template_file

    with handle_errors():
        path = template_path(name)
        created = not path.exists()
        if created:
            path.write_text(NEW_TEMPLATE_TEXT.format(name=name), encoding="utf-8")
        before = path.read_bytes()
    try:
        click.edit(filename=str(path))
    finally:
        unchanged = created and path.exists() and path.read_bytes() == before
        if unchanged:
            path.unlink()
    if unchanged:
        click.echo(f"No changes made, template {name!r} was not created", err=True)
        return
    try:
        read_template_file(path, name)
    except TemplateError as ex:
        raise click.ClickException(
            f"{ex}\nYour text is saved in {path}: run 'llm templates edit {name}' "
            "to fix it."
        ) from ex


@templates.command()
def path() -> None:
    """Output the path to the templates directory"""
    from llm.templates import templates_path

    with handle_errors():
        click.echo(str(templates_path()))


@templates.command()
def loaders() -> None:
    """Show template loaders registered by plugins"""
    from llm import get_template_loaders

    found = get_template_loaders()
    if not found:
        click.echo("No template loaders found")
        return
    from ..output import describe_loaders

    click.echo(describe_loaders(found))
