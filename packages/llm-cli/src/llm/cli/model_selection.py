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
    """The model with the shortest ID containing every query (case-insensitive).

    This is how ``llm -q`` picks a model: ``-q gpt -q nano`` finds the briefest
    matching ID, so adding a longer variant later does not change the choice.
    Equal lengths go to the model registered first. UnknownModelError if none.
    """
    from llm import UnknownModelError, get_models_with_aliases

    terms = [query.lower() for query in queries]
    best = None
    for entry in get_models_with_aliases():
        model = entry.async_model if async_ else entry.model
        if model is None:
            continue
        model_id = model.model_id.lower()
        if not all(term in model_id for term in terms):
            continue
        if best is None or len(model_id) < len(best[0]):
            best = (model_id, entry)
    if best is None:
        raise UnknownModelError(
            "No model found matching " + ", ".join(repr(q) for q in queries)
        )
    return best[1]


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
