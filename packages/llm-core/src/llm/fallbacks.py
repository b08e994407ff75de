"""Fallback models: when a model fails for good, the next one in its list answers.

A model's fallbacks come from the ``fallbacks=`` argument of ``prompt()``
(``--fallback`` on the command line), else from ``fallbacks.json`` in the user
directory (``llm models fallbacks set MODEL FALLBACK...``). A model is passed
over when it fails with a transient error after its retries, or when it has no
key; any other failure (a bad request, a refused key) is the answer.

The prompt is rebuilt for each fallback: its options are kept where the
fallback model knows them, and a fallback that cannot take the prompt at all
(attachments, a schema or tools it does not support) is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import NeedsKeyException
from .jsonfiles import read_json_object, updating_json_object
from .paths import user_dir
from .retries import is_transient

if TYPE_CHECKING:
    from .prompt import Prompt

FILENAME = "fallbacks.json"


@dataclass(frozen=True)
class FailedModel:
    """A model that was tried before the one that answered, and why it failed."""

    model_id: str
    error: str


def fallbacks_path() -> Path:
    return user_dir() / FILENAME


def get_fallbacks(model_id: str | None = None) -> Any:
    """Configured fallbacks: the list for ``model_id``, or the whole mapping."""
    data = read_json_object(fallbacks_path())
    if model_id is None:
        listed = {k: _as_list(v) for k, v in data.items()}
        return {k: v for k, v in listed.items() if v}
    return _as_list(data.get(model_id))


def _as_list(value: Any) -> list[str]:
    # A hand-edited file may name a single fallback as a string.
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value] if isinstance(value, list) else []


def set_fallbacks(model_id: str, fallbacks: list[str]) -> None:
    """Store the fallback list for ``model_id`` (an empty list removes it)."""
    with updating_json_object(fallbacks_path()) as data:
        if fallbacks:
            data[model_id] = list(fallbacks)
        else:
            data.pop(model_id, None)


def clear_fallbacks(model_id: str | None = None) -> None:
    """Remove the fallbacks of ``model_id``, or of every model."""
    if model_id is not None:
        set_fallbacks(model_id, [])
        return
    with updating_json_object(fallbacks_path()) as data:
        data.clear()


def should_fall_back(ex: BaseException) -> bool:
    """Whether a failure (after retries) lets the next model try."""
    return isinstance(ex, NeedsKeyException) or is_transient(ex)


def resolve_fallbacks(explicit: list[Any] | None, model: Any) -> list[Any]:
    """The fallbacks for a call: ``explicit`` if given (even empty), else configured ones."""
    if explicit is not None:
        return list(explicit)
    try:
        return get_fallbacks(model.model_id)
    except Exception:  # an unreadable file must not break prompting
        return []


def fallback_model(item: Any, async_: bool) -> Any:
    """A fallback given by name (or alias) or as a model instance."""
    if not isinstance(item, str):
        return item
    from .registry import get_async_model, get_model

    return get_async_model(item) if async_ else get_model(item)


def prompt_for(model: Any, prompt: Prompt) -> Prompt:
    """``prompt`` rebuilt for ``model``; raises if the model cannot take it."""
    from .prompt import Prompt, validate_prompt

    options = _portable_options(model, prompt.options)
    rebuilt = Prompt(
        prompt._prompt,
        model,
        fragments=prompt.fragments,
        attachments=prompt.own_attachments,
        system=prompt._system,
        system_fragments=prompt.system_fragments,
        prompt_json=prompt.prompt_json,
        options=options,
        schema=prompt.schema,
        tools=prompt._raw_tools,
        tool_results=prompt.tool_results,
        messages=prompt.explicit_messages,
        hide_reasoning=prompt.hide_reasoning,
    )
    validate_prompt(model, rebuilt)
    rebuilt.history = prompt.history
    return rebuilt


def _portable_options(model: Any, options: Any) -> dict[str, Any]:
    """The options that were set, limited to those ``model`` knows."""
    if options is None:
        return {}
    if hasattr(options, "model_dump"):
        values = options.model_dump(exclude_unset=True)
    else:
        values = dict(options)
    options_class = getattr(model, "Options", None)
    fields = getattr(options_class, "model_fields", None)
    if fields is None:
        return values
    return {k: v for k, v in values.items() if k in fields}
