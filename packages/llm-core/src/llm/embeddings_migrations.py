"""``llm.embeddings_migrations.embeddings_migrations.apply(db)``, as in the original's docs.

The migrations themselves live in llm-embeddings; this keeps the old import path.
"""

from __future__ import annotations

from typing import Any


class EmbeddingsMigrations:
    """The embeddings database migrations (requires the llm-embeddings package)."""

    def apply(self, db: Any) -> list[str]:
        """Create or upgrade the embeddings schema in ``db``; returns what was applied."""
        try:
            from llm.embeddings.migrations import migrate
        except ImportError as ex:  # pragma: no cover - depends on installation
            raise ImportError(
                "llm.embeddings_migrations needs the llm-embeddings package: "
                "pip install llm-embeddings"
            ) from ex
        return migrate(db)


embeddings_migrations = EmbeddingsMigrations()
