"""Retries and timeout set per model in ``reliability.json``, for any model a plugin provides.

``llm models reliability set MODEL --retries N --timeout SECONDS`` writes
``{"MODEL": {"retries": N, "timeout": SECONDS}}`` to ``reliability.json`` in the
user directory; llm-core's retry layer reads it for every call (see
``llm.retries``), so a plugin model needs no setting of its own. The file is
ours alone: the original LLM's ``model_options.json`` only takes options the
model itself knows, and would reject these. The checks of a retry count and a
timeout, which every source of them shares, live here too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import ConfigError
from .jsonfiles import read_json_cached, updating_json_object
from .paths import user_dir

FILENAME = "reliability.json"
SETTINGS = ("retries", "timeout")
# Longer than any call should take, and short enough for the socket layer
# (which turns seconds into a 64-bit count of nanoseconds).
MAX_TIMEOUT = 365 * 24 * 3600


def check_retries(value: Any) -> int:
    """``value`` as a retry count, or a ValueError saying what is wrong."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"retries must be a whole number of 0 or more, got {value!r}")
    return value


def check_timeout(value: Any) -> float:
    """``value`` as a timeout in seconds, or a ValueError saying what is wrong."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 < value <= MAX_TIMEOUT
    ):
        raise ValueError(
            f"timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:,} "
            f"(a year), got {value!r}"
        )
    return float(value)


def reliability_path() -> Path:
    return user_dir() / FILENAME


def _checked(model_id: str, entry: Any, path: Path) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ConfigError(
            f"{path}: {model_id} should map to retries and timeout", path=path
        )
    checks = {"retries": check_retries, "timeout": check_timeout}
    settings = {}
    for name, value in entry.items():
        if name not in checks:
            raise ConfigError(
                f"{path}: unknown setting {name!r} for {model_id} "
                "(expected retries, timeout)",
                path=path,
            )
        try:
            settings[name] = checks[name](value)
        except ValueError as ex:
            raise ConfigError(f"{path}: {model_id}: {ex}", path=path) from None
    return settings


def get_model_reliability(model_id: str | None = None) -> dict[str, Any]:
    """The settings stored for ``model_id`` (``{"retries": 5}``), or every model's.

    The file is read again only when it changes (``read_json_cached``), so a
    long-running process sees edits while a prompt costs one ``stat``. A
    malformed entry raises ConfigError.
    """
    path = reliability_path()
    data = read_json_cached(path)
    if model_id is None:
        return {name: _checked(name, entry, path) for name, entry in data.items()}
    if model_id not in data:
        return {}
    return _checked(model_id, data[model_id], path)


def set_model_reliability(model_id: str, **settings: Any) -> dict[str, Any]:
    """Store ``retries`` and/or ``timeout`` for ``model_id`` (None leaves one as it is).

    Returns what is stored for the model afterwards.
    """
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r} (expected retries, timeout)")
    if settings.get("retries") is not None:
        settings["retries"] = check_retries(settings["retries"])
    if settings.get("timeout") is not None:
        settings["timeout"] = check_timeout(settings["timeout"])
    with updating_json_object(reliability_path()) as data:
        entry = dict(data.get(model_id) or {})
        entry.update(
            {name: value for name, value in settings.items() if value is not None}
        )
        if entry:
            data[model_id] = entry
        return dict(entry)


def clear_model_reliability(model_id: str | None = None) -> bool:
    """Remove the stored settings of ``model_id``, or of every model.

    Returns whether there was anything to remove. Entries are not checked, so
    this is how a malformed one is got rid of.
    """
    with updating_json_object(reliability_path()) as data:
        if model_id is None:
            had = bool(data)
            data.clear()
            return had
        return data.pop(model_id, None) is not None


def configured(model: Any, name: str) -> Any:
    """``retries`` or ``timeout`` stored for ``model`` in ``reliability.json``, or None."""
    model_id = getattr(model, "model_id", None)
    if not model_id:
        return None
    return get_model_reliability(model_id).get(name)
