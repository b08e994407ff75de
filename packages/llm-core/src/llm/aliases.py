"""User-defined model aliases, stored in aliases.json.

``llm.set_alias`` lives in ``llm.registry``: it resolves its target among the
registered models before writing here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import ConfigError
from .files import locked
from .jsonfiles import read_json_object, updating_json_object, write_json_object
from .paths import user_dir


def aliases_path() -> Path:
    """Path of aliases.json in the user directory."""
    return user_dir() / "aliases.json"


def load_aliases() -> dict[str, str]:
    """Aliases from aliases.json; an unreadable file warns and counts as empty."""
    try:
        data = read_json_object(aliases_path())
    except ConfigError as ex:
        print(f"Warning: ignoring aliases: {ex}", file=sys.stderr)
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)}


def store_alias(alias: str, model_id: str) -> None:
    """Point ``alias`` at ``model_id`` in aliases.json, keeping every other alias.

    Holds the file's lock from reading to writing, so aliases set by parallel
    processes are all kept. An aliases.json that is not valid JSON raises
    ConfigError and is left as it is: the user's aliases are never thrown away.
    """
    with updating_json_object(aliases_path()) as data:
        data[alias] = model_id


def remove_alias(alias: str) -> None:
    """Remove ``alias`` from aliases.json; KeyError if it is not there."""
    path = aliases_path()
    with locked(path):
        try:
            data = read_json_object(path)
        except ConfigError as ex:
            # Nothing can be removed from a file that cannot be read: still a
            # KeyError, as callers expect, saying why.
            raise KeyError(f"No such alias: {alias} ({ex})") from ex
        if alias not in data:
            raise KeyError(f"No such alias: {alias}")
        del data[alias]
        write_json_object(path, data)
