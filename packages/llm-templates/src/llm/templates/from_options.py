"""Turning the options of an ``llm ... --save NAME`` command line into a Template."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from llm.errors import TemplateError
from llm.paths import existing_path

from .template import AttachmentType, Template, check_placeholders, is_url

if TYPE_CHECKING:
    from llm.attachments import Attachment


Pairs = Union[Mapping[str, Any], Iterable[tuple[str, Any]], None]


def template_from_options(
    *,
    prompt: str | None = None,
    system: str | None = None,
    model: str | None = None,
    options: Pairs = None,
    params: Pairs = None,
    extract: bool = False,
    extract_last: bool = False,
    schema: dict[str, Any] | str | None = None,
    fragments: Iterable[str] = (),
    system_fragments: Iterable[str] = (),
    attachments: Iterable[str | Attachment] = (),
    attachment_types: Iterable[tuple[str, str] | Attachment] = (),
    tools: Iterable[str] = (),
    functions: str | Iterable[str] | None = (),
    name: str | None = None,
) -> Template:
    """Build the Template that ``--save`` stores from the values of a command line.

    ``params`` (``-p name value``) become ``defaults``. ``schema`` is a JSON
    schema dict (or JSON / concise-DSL text). Attachments are paths, URLs or
    llm.Attachment objects; ``attachment_types`` are ``(value, mimetype)`` pairs
    as given to ``--at``. ``functions`` items are Python code or paths to .py
    files (whose code is stored). Local file paths are stored as absolute paths
    so the template works from any directory. A ``$`` that starts no variable
    raises TemplateError (``$$`` is a literal dollar sign).
    """
    for text, field in ((prompt, "prompt"), (system, "system")):
        if text:
            check_placeholders(text, f"The {field}")
    return Template(
        name=name,
        prompt=prompt or None,
        system=system or None,
        model=model or None,
        options=_pairs(options) or None,
        defaults=_pairs(params) or None,
        extract=True if extract else None,
        extract_last=True if extract_last else None,
        schema_object=_schema(schema),
        fragments=[_reference(item) for item in fragments] or None,
        system_fragments=[_reference(item) for item in system_fragments] or None,
        attachments=[_attachment_value(item) for item in attachments] or None,
        attachment_types=[_typed_attachment(item) for item in attachment_types] or None,
        tools=list(tools) or None,
        functions=_functions(functions),
    )


def _pairs(values: Pairs) -> dict[str, Any]:
    return dict(values) if values is not None else {}


def _schema(schema: dict[str, Any] | str | None) -> dict[str, Any] | None:
    if schema is None or isinstance(schema, dict):
        return schema or None
    from llm.errors import SchemaError
    from llm.schemas import resolve_schema, schema_dsl

    text = schema.strip()
    try:
        if text.startswith("{"):
            return resolve_schema(text)
        return schema_dsl(text)
    except SchemaError as ex:
        raise TemplateError(f"Could not save the schema: {ex}") from ex


def _reference(value: str) -> str:
    """A fragment reference, with a relative path to an existing file made absolute."""
    if is_url(value):
        return value
    path = existing_path(value)
    if path is not None and path.is_file():
        return str(path.resolve())
    return value


def _attachment_value(item: str | Attachment) -> str:
    if isinstance(item, str):
        if is_url(item):
            return item
        if item == "-":
            raise TemplateError(_STDIN_ATTACHMENT)
        return str(Path(item).expanduser().resolve())
    if item.url:
        return item.url
    if item.path:
        return str(Path(item.path).expanduser().resolve())
    raise TemplateError(_STDIN_ATTACHMENT)


def _typed_attachment(item: tuple[str, str] | Attachment) -> AttachmentType:
    if isinstance(item, tuple):
        value, mimetype = item
        return AttachmentType(type=mimetype, value=_attachment_value(value))
    mimetype = item.type or item.resolve_type()
    return AttachmentType(type=mimetype, value=_attachment_value(item))


def _functions(functions: str | Iterable[str] | None) -> str | None:
    if functions is None:
        return None
    items = [functions] if isinstance(functions, str) else list(functions)
    blocks = []
    for item in items:
        path = Path(item)
        if item.strip().endswith(".py") and "\n" not in item and path.is_file():
            try:
                item = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as ex:
                raise TemplateError(
                    f"Could not read functions file {path}: {ex}"
                ) from ex
        if item.strip():
            blocks.append(item.strip("\n"))
    return "\n\n".join(blocks) + "\n" if blocks else None


_STDIN_ATTACHMENT = (
    "An attachment read from standard input cannot be saved in a template: "
    "save it to a file and pass its path instead"
)
