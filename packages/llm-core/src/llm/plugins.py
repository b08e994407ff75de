"""The plugin manager: loads entry points once, calls hooks, and isolates plugin failures.

Our own packages register through the ``llm_default_plugins`` entry-point group,
third-party plugins through ``llm``. A plugin that fails to import or whose hook
raises is reported on stderr and skipped; set ``LLM_RAISE_ERRORS=1`` to make
such failures fatal while developing a plugin.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pluggy

from . import hookspecs
from .errors import PluginError

ENTRY_POINT_GROUP = "llm"
DEFAULT_ENTRY_POINT_GROUP = "llm_default_plugins"


class PluginManager(pluggy.PluginManager):
    """A pluggy manager that counts registrations so caches know when to rebuild."""

    generation = 0

    def register(self, plugin: Any, name: str | None = None) -> str | None:
        result = super().register(plugin, name=name)
        self.generation += 1
        return result

    def unregister(self, plugin: Any = None, name: str | None = None) -> Any:
        result = super().unregister(plugin=plugin, name=name)
        self.generation += 1
        return result


pm = PluginManager("llm")
pm.add_hookspecs(hookspecs)

_loaded = False
# plugin name -> (distribution name, version, is_default)
_plugin_sources: dict[str, tuple[str | None, str | None, bool]] = {}


def _raise_errors() -> bool:
    return bool(os.environ.get("LLM_RAISE_ERRORS"))


def report_plugin_error(plugin: str, what: str, ex: BaseException) -> None:
    """Warn about a failing plugin on stderr, or raise if LLM_RAISE_ERRORS is set."""
    if _raise_errors():
        raise PluginError(f"Plugin {plugin} failed {what}: {ex}", plugin=plugin) from ex
    print(f"Warning: plugin {plugin} failed {what}: {ex}", file=sys.stderr)


def _load_group(
    points: list[Any], group: str, only: set[str] | None, default: bool
) -> None:
    for entry_point in (p for p in points if p.group == group):
        dist = entry_point.dist
        dist_name = dist.name if dist is not None else None
        if only is not None and dist_name not in only and entry_point.name not in only:
            continue
        if pm.get_plugin(entry_point.name) is not None or pm.is_blocked(
            entry_point.name
        ):
            continue
        label = dist_name or entry_point.name
        try:
            plugin = entry_point.load()
        except Exception as ex:
            report_plugin_error(label, "to load", ex)
            continue
        name = (
            plugin.__name__
            if default and hasattr(plugin, "__name__")
            else entry_point.name
        )
        try:
            pm.register(plugin, name=name)
        except ValueError as ex:  # already registered under another name
            report_plugin_error(label, "to register", ex)
            continue
        _plugin_sources[name] = (
            dist_name,
            dist.version if dist is not None else None,
            default,
        )


def plugins_loaded() -> bool:
    """True once ``load_plugins()`` has run in this process (for code that can use a
    cache instead of loading every plugin, such as ``llm --help``)."""
    return _loaded


def load_plugins() -> None:
    """Load default plugins and the installed (or LLM_LOAD_PLUGINS-selected) ones, once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    selection = os.environ.get("LLM_LOAD_PLUGINS")
    only = None
    if selection is not None:
        only = {name.strip() for name in selection.split(",") if name.strip()}
    from .entrypoints import entry_points

    points = entry_points(ENTRY_POINT_GROUP, DEFAULT_ENTRY_POINT_GROUP)
    _load_group(points, ENTRY_POINT_GROUP, only, default=False)
    # Registered last, so pluggy calls them first: built-in models come before
    # plugin models in listings and win first-match lookups such as ``-q``.
    _load_group(points, DEFAULT_ENTRY_POINT_GROUP, None, default=True)


def _display_name(plugin_name: str) -> str:
    """The distribution name for an installed plugin (as in load errors), else its name."""
    dist_name = _plugin_sources.get(plugin_name, (None, None, False))[0]
    return dist_name or plugin_name


def call_hook(name: str, **kwargs: Any) -> None:
    """Call every implementation of a hook, isolating failures plugin by plugin."""
    load_plugins()
    hook = getattr(pm.hook, name)
    for impl in reversed(hook.get_hookimpls()):
        if getattr(impl, "hookwrapper", False) or getattr(impl, "wrapper", False):
            continue
        try:
            impl.function(*[kwargs[arg] for arg in impl.argnames])
        except PluginError:
            raise
        except Exception as ex:
            report_plugin_error(_display_name(impl.plugin_name), f"in {name}", ex)


def get_plugins(all: bool = False) -> list[dict[str, Any]]:
    """Installed plugins as dicts of name, hooks and version (default plugins with all=True)."""
    load_plugins()
    plugins = []
    for plugin in pm.get_plugins():
        plugin_name = pm.get_name(plugin) or repr(plugin)
        dist_name, version, default = _plugin_sources.get(
            plugin_name, (None, None, False)
        )
        if default and not all:
            continue
        info: dict[str, Any] = {
            "name": plugin_name if default else (dist_name or plugin_name),
            "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or []),
        }
        if version and not default:
            info["version"] = version
        plugins.append(info)
    plugins.sort(key=lambda p: p["name"])
    return plugins
