"""Saved templates: the templates directory, name rules, listing and saving."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from llm.errors import TemplateError
from llm.paths import user_dir

from .parsing import parse_template, template_from_data, template_to_yaml
from .template import Template

SUFFIX = ".yaml"


def templates_path() -> Path:
    """The directory holding saved templates (``<user dir>/templates``), created if needed."""
    path = user_dir() / "templates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def validate_template_name(name: str) -> str:
    """Return ``name`` if it can be a saved template's file name, else raise TemplateError."""
    problem = None
    if not name or not name.strip():
        problem = "it is empty"
    elif name != name.strip():
        problem = "it starts or ends with whitespace"
    elif "/" in name or "\\" in name or os.sep in name:
        problem = "it contains a path separator"
    elif ".." in name:
        problem = "it contains '..'"
    elif name.startswith("."):
        problem = "it starts with '.'"
    elif ":" in name:
        problem = "it contains ':', which -t reads as a loader prefix"
    elif any(ord(char) < 32 for char in name):
        problem = "it contains control characters"
    elif name.lower().endswith((".yaml", ".yml")):
        problem = "it ends with .yaml (leave the extension off)"
    if problem:
        raise TemplateError(f"Invalid template name {name!r}: {problem}")
    return name


def template_path(name: str) -> Path:
    """Where the saved template ``name`` lives (whether or not it exists yet)."""
    return templates_path() / f"{validate_template_name(name)}{SUFFIX}"


def describe_path(name: str, path: Path) -> str:
    """How error messages refer to a saved template."""
    return f"Template {name!r} ({path})"


def read_template_file(path: Path, name: str | None = None) -> Template:
    """Parse the YAML template at ``path``; the name defaults to the file's stem."""
    name = name if name is not None else path.stem
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as ex:
        raise TemplateError(f"Template file not found: {path}") from ex
    except UnicodeDecodeError as ex:
        raise TemplateError(f"Template file {path} is not UTF-8 text") from ex
    except OSError as ex:
        raise TemplateError(f"Could not read template file {path}: {ex}") from ex
    template = parse_template(text, name=name, source=describe_path(name, path))
    template._functions_trusted = True
    return template


def scan_templates() -> list[tuple[str, Template | TemplateError]]:
    """Every saved template by name, sorted, with the error for any that cannot be read."""
    results: list[tuple[str, Template | TemplateError]] = []
    for path in sorted(templates_path().glob(f"*{SUFFIX}")):
        # Hidden files are editor or sync leftovers, not templates.
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            results.append((path.stem, read_template_file(path)))
        except TemplateError as ex:
            results.append((path.stem, ex))
    return results


def list_templates() -> list[Template]:
    """The saved templates that can be read, sorted by name."""
    return [item for _, item in scan_templates() if isinstance(item, Template)]


class SavedTemplate(NamedTuple):
    """Where save_template() wrote a template, and where the text it replaced went."""

    path: Path
    backup: Path | None


def save_template(
    name: str, template: Template | Mapping[str, Any], *, overwrite: bool = True
) -> Path:
    """Write ``template`` to ``<templates dir>/NAME.yaml`` and return the path.

    With ``overwrite=False`` an existing template raises TemplateError. When an
    existing file with different content is replaced, its old text is kept
    next to it as ``NAME.yaml.bak`` (``.bak1``, ``.bak2`` ...) so nothing is
    lost; replace_template() says where.
    """
    path = template_path(name)
    if not overwrite and path.exists():
        raise TemplateError(
            f"Template {name!r} already exists at {path}: choose another name, "
            f"or change it with 'llm templates edit {name}'"
        )
    return replace_template(name, template).path


def replace_template(
    name: str, template: Template | Mapping[str, Any]
) -> SavedTemplate:
    """Write ``template`` as the saved template ``name``, keeping what it replaces.

    If ``NAME.yaml`` exists with different text, that text is copied to the
    first free ``NAME.yaml.bak``/``.bakN`` first, and the result names the copy
    (``backup`` is None when nothing was replaced or the text was identical).
    A replaced file keeps its permission bits.
    """
    path = template_path(name)
    if not isinstance(template, Template):
        template = template_from_data(
            dict(template), name=name, source=f"Template {name!r}"
        )
    text = template_to_yaml(template)
    mode = _mode(path)
    backup = None
    if mode is not None and _read_bytes(path) != text.encode("utf-8"):
        backup = _backup(path, mode)
    _write_atomic(path, text)
    return SavedTemplate(path, backup)


def _mode(path: Path) -> int | None:
    """The permission bits of ``path``, or None if it does not exist."""
    from llm.files import file_mode

    try:
        return file_mode(path)
    except OSError as ex:
        raise TemplateError(f"Could not read template file {path}: {ex}") from ex


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _backup(path: Path, mode: int) -> Path:
    from llm.jsonfiles import backup_file

    try:
        backup = backup_file(path)
        if backup is None:  # removed meanwhile: nothing left to keep
            raise FileNotFoundError(path)
        # A private template's old text stays as private as it was.
        os.chmod(backup, mode)
    except OSError as ex:
        raise TemplateError(
            f"Could not keep a backup of {path} before replacing it: {ex}"
        ) from ex
    return backup


def _write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` in one step; it keeps its permission bits (a new one gets the umask's)."""
    from llm.files import atomic_write

    try:
        atomic_write(path, text)
    except OSError as ex:
        raise TemplateError(f"Could not write template {path}: {ex}") from ex
