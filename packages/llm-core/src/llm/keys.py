"""API keys: stored in keys.json (mode 0600), looked up by name or environment variable;
``KeyedMixin`` gives chat and embedding models their ``get_key()``.

A name can also point at the system keychain or a command (see
``llm.key_sources``); those are resolved here too, when a key is needed.
"""

from __future__ import annotations

import os

from .errors import NeedsKeyException
from .files import PRIVATE_MODE
from .jsonfiles import read_json_cached, updating_json_object
from .paths import keys_path
from .redaction import remember_secret

KEYS_NOTE_KEY = "// Note"
KEYS_NOTE = "This file stores secret API credentials. Do not share!"


def load_keys() -> dict[str, str]:
    """All stored keys by name (the explanatory note entry is left out)."""
    data = read_json_cached(keys_path())
    return {k: v for k, v in data.items() if k != KEYS_NOTE_KEY and isinstance(v, str)}


def set_key(name: str, value: str) -> None:
    """Store ``value`` under ``name`` in keys.json, keeping every other entry.

    A keychain or command recorded for ``name`` is forgotten: this key replaces it.
    """
    from .key_sources import forget_key_source

    with updating_json_object(keys_path(), mode=PRIVATE_MODE) as data:
        if not data:
            data[KEYS_NOTE_KEY] = KEYS_NOTE
        data[name] = value
    forget_key_source(name)


def remove_stored_key(name: str) -> bool:
    """Take ``name`` out of keys.json (when a keychain or command replaces it)."""
    with updating_json_object(keys_path(), mode=PRIVATE_MODE) as data:
        if name not in data or name == KEYS_NOTE_KEY:
            return False
        del data[name]
    return True


def key_names() -> list[str]:
    """Names of every stored key: in keys.json, the keychain or a command."""
    from .key_sources import load_key_sources

    return sorted(set(load_keys()) | set(load_key_sources()))


def stored_key(name: str) -> str | None:
    """The key stored as ``name``, wherever it lives, or None if there is none.

    A keychain entry or command recorded for ``name`` wins over keys.json.
    Raises KeySourceError when the keychain or the command fails.
    """
    from .key_sources import key_sources_path, load_key_sources, read_key_source

    if key_sources_path().exists():
        source = load_key_sources().get(name)
        if source is not None:
            return read_key_source(source)
    return load_keys().get(name)


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
    key = _resolve(input, alias, env)
    # A key in use is masked wherever an error message could echo it.
    remember_secret(key)
    return key


def _resolve(input: str | None, alias: str | None, env: str | None) -> str | None:
    if input:
        found = stored_key(input)
        return input if found is None else found
    if alias:
        found = stored_key(alias)
        if found is not None:
            return found
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
            remember_secret(explicit_key or self.key)
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
