"""Per-model default options (``llm models options``), kept in model_options.json.

Values are stored as the user typed them and validated against the model's
Options class whenever they are set or used. They apply to ``llm prompt`` and
``llm chat`` only, not to the Python API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def model_options_path() -> Path:
    from llm.paths import user_dir

    return user_dir() / "model_options.json"


def load_all() -> dict[str, dict[str, Any]]:
    """Every model's default options; ConfigError if the file is corrupt."""
    from llm.jsonfiles import read_json_object

    data = read_json_object(model_options_path())
    return {k: dict(v) for k, v in data.items() if isinstance(v, dict)}


def defaults_for(model_id: str) -> dict[str, Any]:
    """The default options stored for one model ID."""
    return load_all().get(model_id, {})


def _updating() -> Any:
    """The stored options, changed in place under the file's lock and written back."""
    from llm.jsonfiles import updating_json_object

    return updating_json_object(model_options_path())


def set_default(model: Any, key: str, value: Any) -> None:
    """Validate and store ``key=value`` as a default option for ``model``."""
    from llm.options import validate_options

    with _updating() as data:
        stored = data.get(model.model_id)
        options = dict(stored) if isinstance(stored, dict) else {}
        options[key] = value
        validate_options(model.Options, options)
        data[model.model_id] = options


def clear_defaults(model_id: str, key: str | None = None) -> list[str]:
    """Remove one default option (or all of them); the names removed, none if nothing was set."""
    with _updating() as data:
        options = data.get(model_id)
        if not isinstance(options, dict) or not options:
            return []
        if key is None:
            del data[model_id]
            return list(options)
        if key not in options:
            return []
        del options[key]
        if not options:
            del data[model_id]
    return [key]
