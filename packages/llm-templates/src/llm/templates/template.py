"""The Template model: a reusable prompt, system prompt, model and settings.

Prompt and system text use :class:`string.Template` syntax: ``$input`` is the
user's input, ``$name`` / ``${name}`` are parameters and ``$$`` is a literal
dollar sign.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, field_validator

from llm.errors import TemplateError

if TYPE_CHECKING:
    from llm.attachments import Attachment

_URL = re.compile(r"^https?://", re.IGNORECASE)


def is_url(value: str) -> bool:
    """True for http:// and https:// addresses (any case)."""
    return _URL.match(value) is not None


class AttachmentType(BaseModel):
    """An attachment with an explicit MIME type (``--at value type``)."""

    model_config = ConfigDict(extra="forbid")

    type: str
    value: str


class Template(BaseModel):
    """A saved prompt: text with ``$variables`` plus the model, options and extras to use.

    Build one directly, load one with :func:`llm.templates.load_template`, or
    return one from a ``register_template_loaders`` plugin loader.
    """

    model_config = ConfigDict(
        extra="forbid", protected_namespaces=(), validate_assignment=True
    )

    name: str | None = None
    prompt: str | None = None
    system: str | None = None
    attachments: list[str] | None = None
    attachment_types: list[AttachmentType] | None = None
    model: str | None = None
    defaults: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    extract: bool | None = None
    extract_last: bool | None = None
    schema_object: dict[str, Any] | None = None
    fragments: list[str] | None = None
    system_fragments: list[str] | None = None
    tools: list[str] | None = None
    functions: str | None = None

    # Only templates read from this machine (saved ones and local files) may run
    # the Python code in ``functions``; load_template() sets this.
    _functions_trusted: bool = PrivateAttr(default=False)
    # Where a template that did not come from this machine's disk came from
    # (its URL, or ``prefix:argument`` for a plugin loader); None otherwise.
    # Such a template may not reach local files: see check_references().
    _remote_source: str | None = PrivateAttr(default=None)

    # Older code catches Template.MissingVariables; it is the TemplateError it raises.
    MissingVariables: ClassVar[type[TemplateError]] = TemplateError

    @field_validator("prompt", "system", "model", "functions", mode="before")
    @classmethod
    def _scalar_to_text(cls, value: Any) -> Any:
        # YAML turns ``prompt: 42`` into an int; it is still meant as text.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator(
        "attachments", "fragments", "system_fragments", "tools", mode="before"
    )
    @classmethod
    def _single_to_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("defaults", "options", mode="before")
    @classmethod
    def _keys_to_text(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(key): item for key, item in value.items()}
        return value

    # --- evaluation ---------------------------------------------------------

    def vars(self) -> set[str]:
        """Names of the variables used by the prompt and system (including ``input``)."""
        names: set[str] = set()
        for text in (self.prompt, self.system):
            if text:
                names.update(_placeholders(text))
        return names

    def evaluate(
        self, input: str | None, params: Mapping[str, Any] | None = None
    ) -> tuple[str | None, str | None]:
        """Fill in the template; returns ``(prompt, system)``.

        ``params`` override ``defaults``; ``$input`` is ``input``. A template
        with no prompt uses the input as the prompt. Nothing else is added: the
        ``llm`` command appends input the template does not use itself (see
        :meth:`prompt_with_input`). A variable with no value raises
        TemplateError (``Template.MissingVariables``) naming it.
        """
        values = {key: _as_text(value) for key, value in (self.defaults or {}).items()}
        values.update({key: _as_text(value) for key, value in (params or {}).items()})
        values["input"] = input or ""
        self._check_missing(values)
        system = self._fill(self.system, values, "system") if self.system else None
        if not self.prompt:
            return input, system
        return self._fill(self.prompt, values, "prompt"), system

    def prompt_with_input(
        self, input: str | None, params: Mapping[str, Any] | None = None
    ) -> tuple[str | None, str | None]:
        """``evaluate()``, then the input on a line of its own after a prompt
        that does not use ``$input`` - what ``llm -t NAME INPUT`` sends."""
        prompt, system = self.evaluate(input, params)
        if input and self.prompt and "input" not in self.vars():
            prompt = f"{prompt}\n{input}"
        return prompt, system

    def _label(self) -> str:
        return f"Template {self.name!r}" if self.name else "Template"

    def _check_missing(self, values: Mapping[str, str]) -> None:
        missing: list[str] = []
        for text, field in ((self.system, "system"), (self.prompt, "prompt")):
            if not text:
                continue
            check_placeholders(text, f"{self._label()} {field}")
            for name in _placeholders(text):
                if name not in values and name not in missing:
                    missing.append(name)
        if missing:
            usage = " ".join(f"-p {name} VALUE" for name in missing)
            # The original's wording first; scripts may look for it.
            raise TemplateError(
                f"Missing variables: {', '.join(missing)} "
                f"(pass {usage}, or set defaults: in the template)"
            )

    def _fill(self, text: str, values: Mapping[str, str], field: str) -> str:
        check_placeholders(text, f"{self._label()} {field}")
        return string.Template(text).substitute(values)

    # --- pieces the CLI turns into prompt inputs ----------------------------

    def attachment_objects(self) -> list[Attachment]:
        """The template's ``attachments`` and ``attachment_types`` as llm.Attachment objects."""
        from llm.attachments import Attachment

        result = []
        for value in self.attachments or []:
            result.append(_attachment(Attachment, value, None))
        for item in self.attachment_types or []:
            result.append(_attachment(Attachment, item.value, item.type))
        return result

    @property
    def remote_source(self) -> str | None:
        """The URL or ``prefix:argument`` a template came from, if not from this machine's disk."""
        return self._remote_source

    def check_references(self) -> None:
        """Refuse local files in a template that did not come from this machine's disk.

        A template fetched from a URL or returned by a plugin loader may
        reference fragments by http(s) URL or through a fragment loader
        (``prefix:argument``), and attachments by URL; a local path, a
        ``file:`` URL, a stored fragment alias or hash would let it read what
        is on this machine and send it to the model, so they raise
        TemplateError naming the template and the reference. Templates from
        this machine (and ones built in code) may use anything.
        """
        if self._remote_source is None:
            return
        from llm.registry import get_fragment_loaders

        loaders = get_fragment_loaders()
        references = [("fragments", value, True) for value in self.fragments or []] + [
            ("system_fragments", value, True) for value in self.system_fragments or []
        ]
        references += [
            ("attachments", value, False) for value in self.attachments or []
        ]
        references += [
            ("attachment_types", item.value, False)
            for item in self.attachment_types or []
        ]
        for key, value, loaders_allowed in references:
            if _remote_may_use(value, loaders if loaders_allowed else {}):
                continue
            allowed = (
                "http(s) URLs and fragment loaders (prefix:argument)"
                if loaders_allowed
                else "http(s) URLs"
            )
            raise TemplateError(
                f"Template {self._remote_source} may not use {value!r} in {key}: "
                "a template that did not come from your own disk cannot read local "
                f"files; it may only use {allowed}. To use it as your own, check "
                "it and save a copy on your disk"
            )

    def function_code(self) -> str | None:
        """The ``functions`` code, or None if there is none or it must be ignored.

        load_template() trusts saved templates and local files only. The
        ``functions`` of anything else (a URL, a plugin loader, a Template built
        in code without setting ``_functions_trusted``) are ignored, so code that
        did not come from this machine never runs; see ``functions_ignored``.
        """
        if not self.functions or not self._functions_trusted:
            return None
        return self.functions

    @property
    def functions_ignored(self) -> bool:
        """True if this template has ``functions`` code that function_code() withholds."""
        return bool(self.functions) and not self._functions_trusted

    def to_dict(self, *, include_name: bool = False) -> dict[str, Any]:
        """The template as plain data, leaving out keys that are unset or empty."""
        data = self.model_dump(mode="json", exclude_none=True)
        if not include_name:
            data.pop("name", None)
        return {
            key: value
            for key, value in data.items()
            if value not in ("", [], {})
            and not (key in ("extract", "extract_last") and value is False)
        }


def _remote_may_use(value: str, loaders: Mapping[str, Any]) -> bool:
    """Whether a remote template may use this fragment or attachment reference."""
    if is_url(value):
        return True
    prefix, sep, _ = value.partition(":")
    # file: would be a loader's way back to the local disk.
    return bool(sep) and prefix in loaders and prefix.lower() != "file"


def _attachment(cls: type[Attachment], value: str, type_: str | None) -> Attachment:
    if is_url(value):
        return cls(type=type_, url=value)
    return cls(type=type_, path=value)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _placeholders(text: str) -> list[str]:
    """Variable names in ``text``, in order of first use, ignoring ``$$`` and stray ``$``."""
    names: list[str] = []
    for match in string.Template.pattern.finditer(text):
        name = match.group("named") or match.group("braced")
        if name and name not in names:
            names.append(name)
    return names


def check_placeholders(text: str, where: str) -> None:
    """Reject a ``$`` that starts no variable, pointing at where it is."""
    for match in string.Template.pattern.finditer(text):
        if match.group("invalid") is not None:
            offset = match.start()
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            raise TemplateError(
                f"{where} has a '$' that does not start a variable name "
                f"(line {line}, column {column}): write $$ for a literal dollar sign"
            )
