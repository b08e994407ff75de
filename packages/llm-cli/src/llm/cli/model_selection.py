"""Choosing a model from ``-m``, ``-q`` search terms, ``LLM_MODEL`` or the default."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any


def default_model_id() -> str:
    """``LLM_MODEL`` for this session if set, else the configured default model."""
    from llm import get_default_model

    return os.environ.get("LLM_MODEL") or get_default_model()


def matches_all(entry: Any, queries: Iterable[str]) -> bool:
    """True when a ModelWithAliases matches every query (case-insensitive substrings)."""
    return all(entry.matches(query) for query in queries)


def find_model_entry(queries: list[str], *, async_: bool = False) -> Any:
    """The first registered model matching all queries; UnknownModelError if none."""
    from llm import UnknownModelError, get_models_with_aliases

    for entry in get_models_with_aliases():
        if async_ and entry.async_model is None:
            continue
        if not async_ and entry.model is None:
            continue
        if matches_all(entry, queries):
            return entry
    raise UnknownModelError(
        "No model found matching " + ", ".join(repr(q) for q in queries)
    )


def get_model(model_id: str | None, *, async_: bool = False) -> Any:
    """The sync or async model for an ID or alias (default model when None)."""
    import llm

    model_id = model_id or default_model_id()
    if async_:
        return llm.get_async_model(model_id)
    return llm.get_model(model_id)


def select_model(
    model_id: str | None, queries: Iterable[str] = (), *, async_: bool = False
) -> Any | None:
    """The model named by ``-m`` or found by ``-q``; None when neither was given."""
    queries = [q for q in queries if q]
    if model_id:
        return get_model(model_id, async_=async_)
    if queries:
        entry = find_model_entry(queries, async_=async_)
        return entry.async_model if async_ else entry.model
    return None
