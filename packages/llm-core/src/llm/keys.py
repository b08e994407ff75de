"""API keys: stored in keys.json (mode 0600), looked up by name or environment variable;
``KeyedMixin`` gives chat and embedding models their ``get_key()``."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import NeedsKeyException
from .jsonfiles import read_json_object, write_json_object
from .paths import user_dir

KEYS_NOTE_KEY = "// Note"
KEYS_NOTE = "This file stores secret API credentials. Do not share!"


def keys_path() -> Path:
    """Path of keys.json; ``LLM_USER_PATH`` applies as for everything else."""
    return user_dir() / "keys.json"


def load_keys() -> dict[str, str]:
    """All stored keys by name (the explanatory note entry is left out)."""
    data = read_json_object(keys_path())
    return {k: v for k, v in data.items() if k != KEYS_NOTE_KEY and isinstance(v, str)}


def set_key(name: str, value: str) -> None:
    """Store ``value`` under ``name`` in keys.json, keeping every other entry."""
    path = keys_path()
    data = read_json_object(path)
    if not data:
        data = {KEYS_NOTE_KEY: KEYS_NOTE}
    data[name] = value
    write_json_object(path, data, mode=0o600)


def get_key(
    input: str | None = None,
    alias: str | None = None,
    env: str | None = None,
    *,
    explicit_key: str | None = None,
    key_alias: str | None = None,
    env_var: str | None = None,
) -> str | None:
    """Resolve an API key, or return None.

    Order: ``input`` (which may itself name a stored key), the stored key called
    ``alias``, then the ``env`` environment variable. The positional order also
    matches the older ``get_key(explicit_key, key_alias, env_var)`` signature.
    """
    input = input if input is not None else explicit_key
    alias = alias if alias is not None else key_alias
    env = env if env is not None else env_var
    stored = load_keys()
    if input:
        return stored.get(input, input)
    if alias and alias in stored:
        return stored[alias]
    if env and os.environ.get(env):
        return os.environ[env]
    return None


class KeyedMixin:
    """API key lookup shared by chat and embedding models."""

    key: str | None = None
    needs_key: str | None = None
    key_env_var: str | None = None
    model_id: str

    def get_key(self, explicit_key: str | None = None) -> str | None:
        """The key to use: explicit, ``model.key``, stored under ``needs_key``, or env var."""
        if self.needs_key is None:
            return explicit_key or self.key
        key = get_key(
            input=explicit_key or self.key, alias=self.needs_key, env=self.key_env_var
        )
        if key:
            return key
        message = f"No key found - add one using 'llm keys set {self.needs_key}'"
        if self.key_env_var:
            message += f" or set the {self.key_env_var} environment variable"
        raise NeedsKeyException(message)
