"""Prompt templates for llm: the Template model, saved templates and template loaders.

``llm.Template`` resolves to :class:`Template` here. Templates are YAML files in
``<user dir>/templates/NAME.yaml``; ``load_template()`` also reads .yaml paths,
http(s) URLs and ``prefix:name`` specs handled by ``register_template_loaders``
plugins.
"""

from __future__ import annotations

from llm.errors import TemplateError

from .from_options import template_from_options
from .loading import load_template
from .parsing import TEMPLATE_KEYS, parse_template, template_to_yaml
from .storage import (
    SavedTemplate,
    list_templates,
    replace_template,
    save_template,
    scan_templates,
    template_path,
    templates_path,
    validate_template_name,
)
from .template import AttachmentType, Template

__all__ = [
    "TEMPLATE_KEYS",
    "AttachmentType",
    "SavedTemplate",
    "Template",
    "TemplateError",
    "list_templates",
    "load_template",
    "parse_template",
    "replace_template",
    "save_template",
    "scan_templates",
    "template_from_options",
    "template_path",
    "template_to_yaml",
    "templates_path",
    "validate_template_name",
]
