"""Models configured in ``extra-openai-models.yaml`` in the user directory.

Each entry is a mapping with at least ``model_id``. A broken file or entry
prints a warning naming the file on stderr; every valid entry still loads.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llm.paths import user_dir
from llm.utils import yaml_problem

FILENAME = "extra-openai-models.yaml"

_BOOLEAN_KEYS = (
    "completion",
    "responses",
    "reasoning",
    "can_stream",
    "supports_tools",
    "supports_schema",
    "vision",
    "audio",
    "service_tier",
    "verbosity",
    "allows_system_prompt",
)
_STRING_KEYS = (
    "model_id",
    "model_name",
    "api_base",
    "api_key_name",
    "api_type",
    "api_version",
    "api_engine",
)


def extra_models_path() -> Path:
    return user_dir() / FILENAME


def _warn(path: Path, message: str) -> None:
    print(f"Warning: {path} {message}", file=sys.stderr)


def load_extra_models(path: Path | None = None) -> list[dict[str, Any]]:
    """The valid entries of the YAML file (an empty list when it is missing)."""
    path = path or extra_models_path()
    if not path.exists():
        return []
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as ex:
        _warn(path, f"could not be read: {ex}")
        return []
    except yaml.YAMLError as ex:
        _warn(path, f"is not valid YAML ({yaml_problem(ex)}); no extra models loaded")
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        _warn(path, "should contain a list of models, each with a model_id")
        return []
    entries = []
    for position, entry in enumerate(data, start=1):
        problem = _entry_problem(entry)
        if problem:
            _warn(path, f"entry {position} skipped: {problem}")
            continue
        entries.append(_with_booleans(entry))
    return entries


_TRUE_WORDS = frozenset({"true", "yes", "on", "y", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "n", "0", ""})


def _as_boolean(value: Any) -> bool | None:
    """``value`` as a flag: any YAML truthy value (``1``, ``yes``...) counts; None if unclear."""
    if isinstance(value, (bool, int, float)):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


def _with_booleans(entry: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``entry`` whose flags are real booleans (``completion: 1`` is true)."""
    flags = {
        key: _as_boolean(entry[key])
        for key in _BOOLEAN_KEYS
        if entry.get(key) is not None
    }
    return {**entry, **flags}


def _entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "each entry must be a mapping with a model_id"
    if not entry.get("model_id") or not isinstance(entry["model_id"], str):
        return "model_id is required"
    for key in _STRING_KEYS:
        if entry.get(key) is not None and not isinstance(entry[key], str):
            return f"{key} must be a string"
    for key in _BOOLEAN_KEYS:
        if entry.get(key) is not None and _as_boolean(entry[key]) is None:
            return f"{key} must be true or false"
    aliases = entry.get("aliases")
    if aliases is not None and not (
        isinstance(aliases, list) and all(isinstance(a, (str, int)) for a in aliases)
    ):
        return "aliases must be a list of strings"
    headers = entry.get("headers")
    if headers is not None and not isinstance(headers, dict):
        return "headers must be a mapping of header names to values"
    retries = entry.get("retries")
    if retries is not None and (
        isinstance(retries, bool) or not isinstance(retries, int) or retries < 0
    ):
        return "retries must be a whole number of 0 or more"
    return _timeout_problem(entry.get("timeout"))


def _positive(value: Any) -> bool:
    from llm.model_reliability import check_timeout

    try:
        check_timeout(value)
    except ValueError:
        return False
    return True


def _timeout_problem(timeout: Any) -> str | None:
    if timeout is None or _positive(timeout):
        return None
    if isinstance(timeout, dict) and timeout:
        if set(timeout) - {"connect", "read"}:
            return "timeout may only have connect and read"
        if all(_positive(v) for v in timeout.values()):
            return None
    return "timeout must be seconds above 0 (a year at most), or a mapping with connect and read seconds"


def build_models(entry: dict[str, Any]) -> tuple[Any, Any, list[str]]:
    """(sync model, async model, aliases) for one valid entry."""
    from .chat import AsyncChat, Chat
    from .completion import AsyncCompletion, Completion
    from .responses import AsyncResponses, Responses

    if entry.get("completion"):
        classes: tuple[type, type] = (Completion, AsyncCompletion)
    elif entry.get("responses"):
        classes = (Responses, AsyncResponses)
    else:
        classes = (Chat, AsyncChat)
    api_base = entry.get("api_base")
    api_key_name = entry.get("api_key_name")
    kwargs: dict[str, Any] = {
        "model_name": entry.get("model_name"),
        "api_base": api_base,
        "api_type": entry.get("api_type"),
        "api_version": entry.get("api_version"),
        "api_engine": entry.get("api_engine"),
        "headers": {str(k): str(v) for k, v in (entry.get("headers") or {}).items()}
        or None,
        "can_stream": entry.get("can_stream", True),
        "vision": entry.get("vision", False),
        "audio": entry.get("audio", False),
        "reasoning": entry.get("reasoning", False),
        "supports_schema": entry.get("supports_schema", False),
        "supports_tools": entry.get("supports_tools", False),
        "allows_system_prompt": entry.get("allows_system_prompt", True),
        "service_tier": entry.get("service_tier", False),
        "verbosity": entry.get("verbosity", False),
        "retries": entry.get("retries"),
        "timeout": entry.get("timeout"),
    }
    models = []
    for cls in classes:
        model = cls(entry["model_id"], **kwargs)
        if api_key_name:
            model.needs_key = api_key_name
            if api_base and api_key_name != "openai":
                # A custom endpoint's key never falls back to OPENAI_API_KEY.
                model.key_env_var = None
        elif api_base:
            # A custom endpoint never receives the stored OpenAI key.
            model.needs_key = None
            model.key_env_var = None
        models.append(model)
    aliases = [str(a) for a in entry.get("aliases") or []]
    return models[0], models[1], aliases


def register_extra_models(register: Callable[..., Any]) -> None:
    """Register every model in ``extra-openai-models.yaml``."""
    path = extra_models_path()
    for entry in load_extra_models(path):
        try:
            sync_model, async_model, aliases = build_models(entry)
        except (TypeError, ValueError) as ex:
            _warn(path, f"model {entry.get('model_id')} skipped: {ex}")
            continue
        register(sync_model, async_model, aliases=aliases)
