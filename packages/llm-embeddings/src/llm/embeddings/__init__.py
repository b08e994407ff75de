"""Embeddings for llm: collections of vectors in pluggable stores, similarity search, commands.

Names are imported on first use: the ``llm`` CLI imports this package at start-up
(to register the embedding commands) and must not pay for NumPy or sqlite-utils.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llm.lazy import lazy_exports

# name -> module (within llm.embeddings) that defines it
_EXPORTS: dict[str, str] = {
    "Collection": "collection",
    "Entry": "collection",
    "list_collections": "collection",
    "copy_collection": "collection",
    "embeddings_db_path": "db",
    "open_embeddings_db": "db",
    "migrate": "migrations",
    "cosine_similarity": "similarity",
    "CollectionInfo": "store",
    "CollectionStats": "store",
    "ItemState": "store",
    "ItemUpdate": "store",
    "Match": "store",
    "StoredItem": "store",
    "VectorStore": "store",
    "SQLiteStore": "sqlite_store",
    "mask_location": "stores",
    "open_store": "stores",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .collection import Collection, Entry, copy_collection, list_collections
    from .db import embeddings_db_path, open_embeddings_db
    from .migrations import migrate
    from .similarity import cosine_similarity
    from .sqlite_store import SQLiteStore
    from .store import (
        CollectionInfo,
        CollectionStats,
        ItemState,
        ItemUpdate,
        Match,
        StoredItem,
        VectorStore,
    )
    from .stores import mask_location, open_store
