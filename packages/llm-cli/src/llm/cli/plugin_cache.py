"""A small cache of plugin command names and their one-line help.

``llm --help`` should list the commands plugins add without paying for loading
every plugin. The cache is keyed by a fingerprint of the installed entry points
in the ``llm`` and ``llm_default_plugins`` groups (distribution directory names
carry the versions) plus ``LLM_LOAD_PLUGINS``; any change gives a new
fingerprint, and a missing entry means the plugins get loaded once to rebuild it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

CACHE_FILENAME = "plugin-commands.json"
FORMAT = 1
KEEP_ENTRIES = 4  # fingerprints remembered, for users who switch environments
_GROUP_HEADER = re.compile(r"^\[\s*(llm|llm_default_plugins)\s*\]\s*$", re.MULTILINE)
_ANY_HEADER = re.compile(r"^\[.*\]\s*$", re.MULTILINE)


def _plugin_sections(text: str) -> str:
    """Just the llm / llm_default_plugins sections of an entry_points.txt."""
    kept = []
    for match in _GROUP_HEADER.finditer(text):
        following = _ANY_HEADER.search(text, match.end())
        end = following.start() if following else len(text)
        kept.append(text[match.start() : end].strip())
    return "\n".join(kept)


def fingerprint() -> str:
    """A hash of every installed distribution offering llm plugins, with versions."""
    found: list[str] = []
    for entry in sys.path:
        directory = entry or "."
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(
                    os.path.join(directory, name, "entry_points.txt"), encoding="utf-8"
                ) as fp:
                    text = fp.read()
            except OSError:
                continue
            sections = _plugin_sections(text)
            if sections:
                found.append(f"{directory}/{name}\n{sections}")
    found.append(f"LLM_LOAD_PLUGINS={os.environ.get('LLM_LOAD_PLUGINS')!r}")
    return hashlib.sha256("\n\n".join(found).encode("utf-8")).hexdigest()


def cache_path() -> Path:
    from llm.paths import user_dir

    return user_dir() / CACHE_FILENAME


def _read() -> dict:
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    entries = data.get("entries")
    return data if isinstance(entries, dict) else {}


def load(key: str) -> list[tuple[str, str]] | None:
    """Cached (name, short help) pairs for this fingerprint, or None if unknown."""
    entry = _read().get("entries", {}).get(key)
    if not isinstance(entry, list):
        return None
    try:
        return [(str(name), str(help)) for name, help in entry]
    except (TypeError, ValueError):
        return None


def save(key: str, commands: list[tuple[str, str]]) -> None:
    """Remember the plugin commands for this fingerprint (best effort)."""
    data = _read()
    entries = data.get("entries", {})
    value = [[name, help] for name, help in sorted(commands)]
    if entries.get(key) == value:
        return
    entries.pop(key, None)
    entries[key] = value
    while len(entries) > KEEP_ENTRIES:
        entries.pop(next(iter(entries)))
    path = cache_path()
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        tmp.write_text(
            json.dumps({"format": FORMAT, "entries": entries}, indent=1),
            encoding="utf-8",
        )
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
