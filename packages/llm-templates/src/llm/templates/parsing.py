"""Reading templates from YAML text and writing them back out."""

from __future__ import annotations

from typing import Any

from llm.errors import TemplateError

from .template import Template

TEMPLATE_KEYS: tuple[str, ...] = tuple(Template.model_fields)


def parse_template(text: str, *, name: str | None, source: str) -> Template:
    """Build a Template from YAML ``text``; ``source`` names it in error messages.

    The text is a mapping of template keys, or a plain string used as the prompt.
    The ``name`` argument wins over any ``name:`` key in the file.
    """
    import yaml

    try:
        data = _safe_load(text)
    except yaml.YAMLError:
        # Parse again in pure Python: its messages point at the problem with a caret.
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as ex:
            raise TemplateError(f"{source} is not valid YAML: {ex}") from ex
    return template_from_data(data, name=name, source=source)


def _safe_load(text: str) -> Any:
    """yaml.safe_load, using libyaml's C version of the same safe loader when present.

    It is about eight times faster, which matters for ``llm templates list``.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return yaml.safe_load(text)
    return yaml.load(text, Loader=loader)  # noqa: S506 - CSafeLoader is the safe loader


def template_from_data(data: Any, *, name: str | None, source: str) -> Template:
    """Validate parsed YAML (a mapping or a string) into a Template."""
    from pydantic import ValidationError

    if data is None:
        raise TemplateError(f"{source} is empty: add a prompt: or system: key")
    if isinstance(data, str):
        data = {"prompt": data}
    if not isinstance(data, dict):
        raise TemplateError(
            f"{source} should be a YAML mapping of template keys or a plain string, "
            f"not {_describe(data)}"
        )
    unknown = [str(key) for key in data if key not in TEMPLATE_KEYS]
    if unknown:
        noun = "key" if len(unknown) == 1 else "keys"
        hint = ""
        if len(unknown) == len(data):
            hint = "; to use text containing ': ' as the prompt, write prompt: '...'"
        raise TemplateError(
            f"{source} has unknown {noun}: {', '.join(unknown)} "
            f"(valid keys are {', '.join(TEMPLATE_KEYS)}){hint}"
        )
    data = dict(data)
    if name is not None:
        data["name"] = name
    try:
        return Template.model_validate(data)
    except ValidationError as ex:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in ex.errors()
        )
        raise TemplateError(f"{source} is not a valid template: {problems}") from ex


def template_to_yaml(
    template: Template, *, include_name: bool = False, sort_keys: bool = False
) -> str:
    """YAML for a template, leaving out empty keys; multi-line text uses ``|`` blocks.

    ``sort_keys`` gives the layout ``llm templates show`` prints, as the
    original prints it: keys (schema properties too) sorted, four-space indents.
    """
    data = template.to_dict(include_name=include_name)
    if sort_keys:
        return dump_yaml(data, sort_keys=True, indent=4)
    return dump_yaml(data)


def dump_yaml(data: Any, *, sort_keys: bool = False, indent: int = 2) -> str:
    """Readable YAML: keys in the given order (or sorted), multi-line strings as
    ``|`` blocks, long lines unwrapped (so prompts stay editable). Used for
    templates and by the CLI's YAML listings."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, value: str) -> Any:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, represent_str)
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=sort_keys,
        indent=indent,
        allow_unicode=True,
        default_flow_style=False,
        width=1000,
    )


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"
