"""Model options: a pydantic model each model subclasses to declare what it accepts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import OptionsError


class Options(BaseModel):
    """Base class for model options; unknown option names are rejected."""

    # defer_build: plugins define many option classes at import; build validators on first use
    model_config = ConfigDict(extra="forbid", protected_namespaces=(), defer_build=True)


def options_error_message(ex: ValidationError) -> str:
    """Turn a pydantic ValidationError into one readable line per problem."""
    lines = []
    for error in ex.errors():
        location = ".".join(str(part) for part in error.get("loc", ()))
        message = error.get("msg", "invalid")
        if error.get("type") == "extra_forbidden":
            message = "Extra inputs are not permitted (unknown option)"
        lines.append(f"{location}: {message}" if location else message)
    return "\n".join(lines)


def validate_options(options_class: type[Options], values: dict[str, Any]) -> Options:
    """Build an Options instance, raising OptionsError with a readable message."""
    try:
        return options_class(**values)
    except ValidationError as ex:
        raise OptionsError(options_error_message(ex), errors=ex.errors()) from ex


def describe_options(options_class: type[Options]) -> list[tuple[str, str, str]]:
    """(name, type, description) for each field, for ``llm models --options``."""
    rows = []
    for name, field in options_class.model_fields.items():
        annotation = field.annotation
        type_name = _type_name(annotation)
        rows.append((name, type_name, field.description or ""))
    return rows


def _type_name(annotation: Any) -> str:
    import typing

    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin is typing.Union or (
        origin is not None and type(None) in typing.get_args(annotation)
    ):
        if len(args) == 1:
            return _type_name(args[0])
        return " | ".join(_type_name(a) for a in args)
    if origin is not None:
        inner = ", ".join(_type_name(a) for a in typing.get_args(annotation))
        return (
            f"{getattr(origin, '__name__', str(origin))}[{inner}]"
            if inner
            else str(origin)
        )
    return getattr(annotation, "__name__", str(annotation))
