"""Finding models, embedding models, tools and loaders that plugins registered.

Each registry is built once and reused while nothing it could depend on has
changed: the set of plugins, the user directory (``LLM_USER_PATH``) and the
configuration files in it (``extra-openai-models.yaml``, ``keys.json`` and any
other ``.yaml``/``.json``/``.txt`` a plugin reads). A notebook or web app that
edits one of them sees the change on its next lookup. User aliases from
aliases.json are layered on top at lookup time.

Models handed to callers are shallow copies of the registered ones, so
attributes one caller sets (``model.key = ...``) never reach the next caller.
Within one call the same model is the same object under every name.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .aliases import load_aliases, store_alias
from .defaults import get_default_embedding_model, get_default_model
from .errors import UnknownModelError
from .paths import user_dir
from .plugins import call_hook, load_plugins, pm
from .registrations import EmbeddingModelWithAliases, ModelWithAliases

if TYPE_CHECKING:
    from .embedding_model import EmbeddingModel
    from .models import AsyncKeyModel, AsyncModel, KeyModel, Model

_CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".txt")

_cache: dict[str, tuple[tuple[Any, ...], Any]] = {}


def _config_state() -> tuple[Any, ...]:
    """The user directory and the identity of each configuration file in it."""
    directory = user_dir()
    files = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                if not entry.name.endswith(_CONFIG_SUFFIXES):
                    continue
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                files.append((entry.name, stat.st_mtime_ns, stat.st_size, stat.st_ino))
    except OSError:
        pass
    return (str(directory), tuple(sorted(files)))


def _cached(name: str, build: Callable[[], Any]) -> Any:
    load_plugins()
    entry = _cache.get(name)
    if entry is not None and entry[0] == (pm.generation, _config_state()):
        return entry[1]
    value = build()
    # Taken after building: a plugin that writes its own cache file while
    # registering (llm-openrouter's model list) should not force a second build.
    _cache[name] = ((pm.generation, _config_state()), value)
    return value


def _own_copy(model: Any) -> Any:
    """A shallow copy of a registered model for one caller."""
    if model is None:
        return None
    try:
        return copy.copy(model)
    except Exception:  # a model that refuses copying is shared, as before
        return model


def clear_registry_cache() -> None:
    """Forget cached registries (they rebuild on next use)."""
    _cache.clear()


# --- chat models -----------------------------------------------------------


def _build_models() -> list[Any]:
    registered: list[ModelWithAliases] = []

    def register(model: Any, async_model: Any = None, aliases: Any = None) -> None:
        registered.append(ModelWithAliases(model, async_model, list(aliases or [])))

    call_hook("register_models", register=register, model_aliases=registered)
    return registered


def get_models_with_aliases() -> list[ModelWithAliases]:
    """Every registered model with its plugin aliases plus user aliases."""
    return [
        ModelWithAliases(_own_copy(e.model), _own_copy(e.async_model), e.aliases)
        for e in _entries()
    ]


def _entries() -> list[Any]:
    """The registered models (not copied) with plugin and user aliases."""
    registered = _cached("models", _build_models)
    user_aliases = load_aliases()
    result = []
    for entry in registered:
        extra = [a for a, target in user_aliases.items() if target == entry.model_id]
        result.append(
            ModelWithAliases(
                entry.model,
                entry.async_model,
                entry.aliases + [a for a in extra if a not in entry.aliases],
            )
        )
    return result


def _lookup(name: str) -> Any:
    """The ModelWithAliases for an ID or alias (user aliases win), or None."""
    entries = _entries()
    for entry in entries:
        if entry.model_id == name:
            return entry
    target = load_aliases().get(name)
    if target is not None:
        for entry in entries:
            if entry.model_id == target:
                return entry
    for entry in entries:
        if name in entry.aliases:
            return entry
    lowered = name.lower()
    for entry in entries:
        if entry.model_id.lower() == lowered:
            return entry
    return None


def get_model_aliases() -> dict[str, Model | KeyModel]:
    """Map of every model ID and alias to its sync model."""
    mapping: dict[str, Any] = {}
    for entry in get_models_with_aliases():
        if entry.model is None:
            continue
        mapping[entry.model_id] = entry.model
        for alias in entry.aliases:
            mapping[alias] = entry.model
    return mapping


def get_async_model_aliases() -> dict[str, AsyncModel | AsyncKeyModel]:
    """Map of every model ID and alias to its async model."""
    mapping: dict[str, Any] = {}
    for entry in get_models_with_aliases():
        if entry.async_model is None:
            continue
        mapping[entry.model_id] = entry.async_model
        for alias in entry.aliases:
            mapping[alias] = entry.async_model
    return mapping


def get_model(name: str | None = None, _skip_async: bool = False) -> Model | KeyModel:
    """The sync model for an ID or alias (the default model when omitted)."""
    name = name or get_default_model()
    entry = _lookup(name)
    if entry is not None and entry.model is not None:
        return _own_copy(entry.model)
    if entry is not None and not _skip_async:
        raise UnknownModelError(
            f"Unknown model (async model exists, use get_async_model() instead): {name}",
            name,
        )
    raise UnknownModelError(f"Unknown model: {name}", name)


def get_async_model(name: str | None = None) -> AsyncModel | AsyncKeyModel:
    """The async model for an ID or alias (the default model when omitted)."""
    name = name or get_default_model()
    entry = _lookup(name)
    if entry is not None and entry.async_model is not None:
        return _own_copy(entry.async_model)
    if entry is not None:
        raise UnknownModelError(
            f"Unknown async model (sync model exists): {name}", name
        )
    raise UnknownModelError(f"Unknown model: {name}", name)


def get_models() -> list[Model | KeyModel]:
    """All sync models."""
    return [e.model for e in get_models_with_aliases() if e.model is not None]


def get_async_models() -> list[AsyncModel | AsyncKeyModel]:
    """All async models."""
    return [
        e.async_model for e in get_models_with_aliases() if e.async_model is not None
    ]


def resolve_model_id(name: str) -> str:
    """The model ID an ID or alias points at (chat or embedding model);
    unknown names are returned unchanged."""
    entry = _lookup(name)
    if entry is not None:
        return entry.model_id
    embedding = get_embedding_model_aliases().get(name)
    return embedding.model_id if embedding is not None else name


def set_alias(alias: str, model_id_or_alias: str) -> None:
    """Point ``alias`` at a model ID, resolving the target if it is itself an alias."""
    store_alias(alias, resolve_model_id(model_id_or_alias))


# --- embedding models ------------------------------------------------------


def _build_embedding_models() -> list[Any]:
    registered: list[EmbeddingModelWithAliases] = []

    def register(model: Any, aliases: Any = None) -> None:
        registered.append(EmbeddingModelWithAliases(model, list(aliases or [])))

    call_hook("register_embedding_models", register=register)
    return registered


def get_embedding_models_with_aliases() -> list[EmbeddingModelWithAliases]:
    """Every registered embedding model with its aliases (user aliases included)."""
    user_aliases = load_aliases()
    result = []
    for entry in _cached("embedding_models", _build_embedding_models):
        extra = [
            a
            for a, t in user_aliases.items()
            if t == entry.model.model_id and a not in entry.aliases
        ]
        result.append(
            EmbeddingModelWithAliases(_own_copy(entry.model), entry.aliases + extra)
        )
    return result


def get_embedding_models() -> list[EmbeddingModel]:
    """All embedding models."""
    return [e.model for e in get_embedding_models_with_aliases()]


def get_embedding_model_aliases() -> dict[str, EmbeddingModel]:
    """Map of every embedding model ID and alias to its model."""
    mapping: dict[str, Any] = {}
    for entry in get_embedding_models_with_aliases():
        mapping[entry.model.model_id] = entry.model
        for alias in entry.aliases:
            mapping[alias] = entry.model
    return mapping


def get_embedding_model(name: str | None = None) -> EmbeddingModel:
    """The embedding model for an ID or alias (the default when omitted)."""
    if name is None:
        name = get_default_embedding_model()
        if name is None:
            raise UnknownModelError("No default embedding model has been set")
    mapping = get_embedding_model_aliases()
    if name in mapping:
        return mapping[name]
    target = load_aliases().get(name)
    if target in mapping:
        return mapping[target]
    raise UnknownModelError(f"Unknown model: {name}", name)


# --- tools and loaders -----------------------------------------------------


def _plugin_name_of(function: Any) -> str | None:
    module = getattr(function, "__module__", None)
    for plugin in pm.get_plugins():
        if getattr(plugin, "__name__", None) == module:
            return pm.get_name(plugin)
    return None


def _build_tools() -> dict[str, Any]:
    from .tools import Tool, Toolbox

    tools: dict[str, Any] = {}

    def register(tool_or_function: Any, name: str | None = None) -> None:
        if isinstance(tool_or_function, type) and issubclass(tool_or_function, Toolbox):
            key = name or tool_or_function.toolbox_name()
            tools[key] = tool_or_function
            return
        if isinstance(tool_or_function, Tool):
            tool = tool_or_function
            if name:
                tool.name = name
        else:
            tool = Tool.function(tool_or_function, name=name)
        if tool.plugin is None:
            tool.plugin = _plugin_name_of(tool.implementation)
        if tool.name in tools:
            print(
                f"Warning: tool {tool.name} registered more than once", file=sys.stderr
            )
        tools[tool.name] = tool

    call_hook("register_tools", register=register)
    return tools


def get_tools() -> dict[str, Any]:
    """Registered tools by name: Tool instances, or Toolbox classes for toolboxes."""
    return dict(_cached("tools", _build_tools))


def _build_loaders(hook: str) -> dict[str, Callable[..., Any]]:
    loaders: dict[str, Callable[..., Any]] = {}

    def register(prefix: str, loader: Callable[..., Any]) -> None:
        # A clash keeps both loaders: the later one becomes prefix_1, prefix_2 ...
        key, counter = prefix, 0
        while key in loaders:
            counter += 1
            key = f"{prefix}_{counter}"
        if key != prefix:
            print(
                f"Warning: loader prefix {prefix!r} registered more than once, "
                f"also available as {key!r}",
                file=sys.stderr,
            )
        loaders[key] = loader

    call_hook(hook, register=register)
    return loaders


def get_template_loaders() -> dict[str, Callable[..., Any]]:
    """Template loaders by prefix (``-t prefix:name``)."""
    return dict(
        _cached("template_loaders", lambda: _build_loaders("register_template_loaders"))
    )


def get_fragment_loaders() -> dict[str, Callable[..., Any]]:
    """Fragment loaders by prefix (``-f prefix:argument``)."""
    return dict(
        _cached("fragment_loaders", lambda: _build_loaders("register_fragment_loaders"))
    )
