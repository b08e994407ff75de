"""A small cache of plugin command names and their one-line help.

``llm --help`` should list the commands plugins add without paying for loading
every plugin. The cache is keyed by a fingerprint of the installed entry points
in the ``llm`` and ``llm_default_plugins`` groups (distribution directory names
carry the versions), the size and modification time of each plugin module's
source files (so editing an editable install, ``llm install -e``, counts as a
change even without a new version) and ``LLM_LOAD_PLUGINS``. Any change gives a
new fingerprint, and a missing entry means the plugins get loaded once to
rebuild it.
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


def fingerprint() -> str:
    """A hash of every installed distribution offering llm plugins, with versions
    and the state of the plugin modules' source files."""
    from llm.entrypoints import distributions

    found: list[str] = []
    for dist in distributions():
        points = dist.entry_points(*GROUPS)
        if points:
            found.append(
                f"{dist.path}\n"
                + "\n".join(f"[{ep.group}] {ep.name} = {ep.value}" for ep in points)
            )
            modules = sorted({ep.module for ep in points})
            found.extend(_source_state(module) for module in modules)
    found.append(f"LLM_LOAD_PLUGINS={os.environ.get('LLM_LOAD_PLUGINS')!r}")
    data = "\n\n".join(found).encode("utf-8")
    # Not a security boundary, just change detection: a CRC plus the length is plenty.
    return f"{zlib.crc32(data):08x}-{len(data)}"


def _source_state(module: str) -> str:
    """Path, size and mtime of the source files of ``module``, found without importing it.

    A module in a package stands for every ``.py`` file beside it, since a
    plugin's entry point usually imports its siblings; a lone top-level module
    is just its own file.
    """
    lines = [module]
    for path in _source_files(module):
        try:
            info = os.stat(path)
        except OSError:
            continue
        lines.append(f"{path} {info.st_size} {info.st_mtime_ns}")
    return "\n".join(lines)


def _source_files(module: str) -> list[str]:
    parts = module.split(".")
    locations, origin = _top_level(parts[0])
    for part in parts[1:]:
        locations, origin = _child(locations, part)
        if not locations and origin is None:
            return []
    if locations:  # a package: every module directly in it
        return [path for location in locations for path in _python_files(location)]
    if origin is None:
        return []
    if len(parts) > 1:
        return _python_files(os.path.dirname(origin))
    return [origin]


def _top_level(name: str) -> tuple[list[str], str | None]:
    """(package directories, module file) for a top-level module name.

    importlib.util.find_spec() only locates a top-level name (through the path
    and any editable-install finders); it does not import it.
    """
    loaded = sys.modules.get(name)
    if loaded is not None:
        return list(getattr(loaded, "__path__", None) or []), getattr(
            loaded, "__file__", None
        )
    from importlib.util import find_spec

    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        return [], None
    if spec is None:
        return [], None
    locations = list(spec.submodule_search_locations or [])
    return locations, spec.origin if spec.has_location else None


def _child(locations: list[str], name: str) -> tuple[list[str], str | None]:
    """Look ``name`` up in package directories the way the import system would."""
    namespace = []
    for location in locations:
        path = os.path.join(location, name)
        if os.path.isfile(os.path.join(path, "__init__.py")):
            return [path], os.path.join(path, "__init__.py")
        if os.path.isfile(path + ".py"):
            return [], path + ".py"
        if os.path.isdir(path):
            namespace.append(path)
    return namespace, None


def _python_files(directory: str) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [os.path.join(directory, name) for name in names if name.endswith(".py")]


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
