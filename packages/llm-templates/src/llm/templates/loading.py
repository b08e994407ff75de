"""Finding a template from what the user typed after ``-t``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from llm.errors import TemplateError
from llm.paths import existing_path

from .parsing import parse_template, template_from_data
from .storage import (
    SUFFIX,
    read_template_file,
    templates_path,
    validate_template_name,
)
from .template import Template, is_url

_PREFIX = re.compile(r"^[A-Za-z0-9_.\-]+$")


def load_template(spec: str) -> Template:
    """Load a template from a saved name, a .yaml path, an http(s) URL or ``prefix:name``.

    Saved templates and local files are trusted to carry ``functions:`` code.
    A template from a URL or a plugin loader is marked untrusted: it loads
    and works, but its ``functions`` are ignored (``function_code()`` gives
    None and ``functions_ignored`` is True), so remote code never runs; and
    it may not reach local files (``check_references()``): one whose
    fragments or attachments name a local path raises TemplateError.
    """
    if not spec:
        raise TemplateError("No template name given")
    if is_url(spec):
        return _load_url(spec)
    return _load_local_or_plugin(spec)


def _load_local_or_plugin(spec: str) -> Template:
    prefix, sep, rest = spec.partition(":")
    if sep:
        from llm.registry import get_template_loaders

        loaders = get_template_loaders()
        if prefix in loaders:
            return _load_from_loader(spec, prefix, rest, loaders[prefix])
    saved = _saved_path(spec)
    if saved is not None and existing_path(saved) and saved.is_file():
        return read_template_file(saved, spec)
    found = existing_path(spec)
    if found is not None and found.is_file():
        return read_template_file(found)
    # One letter before ':' is more likely a Windows drive than a loader prefix.
    if sep and len(prefix) > 1 and _PREFIX.match(prefix):
        from llm.registry import get_template_loaders

        available = ", ".join(sorted(get_template_loaders())) or "none installed"
        raise TemplateError(
            f"Unknown template loader prefix {prefix!r} in {spec!r} "
            f"(available prefixes: {available})"
        )
    if Path(spec).suffix.lower() in (".yaml", ".yml") or "/" in spec or "\\" in spec:
        raise TemplateError(f"Template file not found: {spec}")
    # Starts as the original's message does, then says where we looked.
    raise TemplateError(
        f"Invalid template: {spec} (no template named {spec!r} in "
        f"{templates_path()}; run 'llm templates list' to see saved templates)"
    )


def _saved_path(spec: str) -> Path | None:
    """The saved template file ``spec`` would name, if it could name one.

    Looser than validate_template_name(): a file such as ``a:b.yaml`` written by
    hand or by another tool can still be used, as long as the name cannot
    reach outside the templates directory.
    """
    try:
        validate_template_name(spec.replace(":", "-"))
    except TemplateError:
        return None
    return templates_path() / f"{spec}{SUFFIX}"


def _load_from_loader(spec: str, prefix: str, rest: str, loader: Any) -> Template:
    try:
        result = loader(rest)
    except TemplateError:
        raise
    except Exception as ex:
        raise TemplateError(f"Could not load template {spec!r}: {ex}") from ex
    if isinstance(result, Template):
        template = result.model_copy(deep=True)
        if template.name is None:
            template.name = rest
    elif isinstance(result, dict):
        template = template_from_data(
            result, name=rest, source=f"Template {spec!r} from the {prefix}: loader"
        )
    else:
        raise TemplateError(
            f"The {prefix}: template loader returned {type(result).__name__} "
            f"for {spec!r}, not an llm.Template"
        )
    template._functions_trusted = False
    template._remote_source = f"{spec!r} (from the {prefix}: template loader)"
    template.check_references()
    return template


def _load_url(url: str) -> Template:
    from llm.errors import AttachmentError
    from llm.http import fetch_url

    try:
        body, _ = fetch_url(url)
    except AttachmentError as ex:
        raise TemplateError(f"Could not load template: {ex}") from ex
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as ex:
        raise TemplateError(f"Template at {url} is not UTF-8 text") from ex
    stem = Path(urlparse(url).path).stem or url
    template = parse_template(text, name=stem, source=f"Template {url}")
    template._functions_trusted = False
    template._remote_source = url
    template.check_references()
    return template
