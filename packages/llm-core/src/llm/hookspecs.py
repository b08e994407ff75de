"""The plugin hooks llm offers; plugins implement them with ``@llm.hookimpl``."""

from __future__ import annotations

from typing import Any

from pluggy import HookimplMarker, HookspecMarker

hookspec = HookspecMarker("llm")
hookimpl = HookimplMarker("llm")


@hookspec
def register_commands(cli: Any) -> None:
    """Add commands (or command groups) to the ``llm`` CLI."""


@hookspec
def register_models(register: Any, model_aliases: Any) -> None:
    """Register models with ``register(model, async_model=None, aliases=None)``."""


@hookspec
def register_embedding_models(register: Any) -> None:
    """Register embedding models with ``register(model, aliases=None)``."""


@hookspec
def register_tools(register: Any) -> None:
    """Register tool functions or Toolbox classes with ``register(tool, name=None)``."""


@hookspec
def register_template_loaders(register: Any) -> None:
    """Register template loaders with ``register(prefix, loader)`` for ``-t prefix:name``."""


@hookspec
def register_fragment_loaders(register: Any) -> None:
    """Register fragment loaders with ``register(prefix, loader)`` for ``-f prefix:arg``."""


@hookspec
def register_vector_stores(register: Any) -> None:
    """Register vector stores for collections with ``register(scheme, opener)``."""


@hookspec
def register_prices(register: Any) -> None:
    """Declare model prices per million tokens with ``register(model_id, llm.Price(...))``."""


@hookspec
def register_batch_providers(register: Any) -> None:
    """Register provider batch APIs with ``register(provider)`` (an ``llm.BatchProvider``)."""
