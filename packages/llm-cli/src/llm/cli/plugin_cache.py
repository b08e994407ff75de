"""A small cache of plugin command names and their one-line help.

``llm --help`` should list the commands plugins add without paying for loading
every plugin. The cache is keyed by a fingerprint of the installed entry points
in the ``llm`` and ``llm_default_plugins`` groups (distribution directory names
carry the versions) plus ``LLM_LOAD_PLUGINS``; any change gives a new
fingerprint, and a missing entry means the plugins get loaded once to rebuild it.
"""

from __future__ import annotations

import json
import os
import sys
import zlib

CACHE_FILENAME = "plugin-commands.json"
FORMAT = 1
KEEP_ENTRIES = 4  # fingerprints remembered, for users who switch environments
GROUPS = ("llm", "llm_default_plugins")


def _plugin_sections(text: str) -> str:
    """Just the lines of the llm / llm_default_plugins sections of an entry_points.txt."""
    kept = []
    keep = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            keep = stripped[1:-1].strip() in GROUPS
        if keep and stripped:
            kept.append(stripped)
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
    data = "\n\n".join(found).encode("utf-8")
    # Not a security boundary, just change detection: a CRC plus the length is plenty.
    return f"{zlib.crc32(data):08x}-{len(data)}"


def cache_path() -> str:
    from llm.paths import user_dir

    return os.path.join(user_dir(), CACHE_FILENAME)


def _read() -> dict:
    try:
        with open(cache_path(), encoding="utf-8") as fp:
            data = json.load(fp)
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
    tmp = os.path.join(os.path.dirname(path), f".{CACHE_FILENAME}.{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fp:
            json.dump({"format": FORMAT, "entries": entries}, fp, indent=1)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
