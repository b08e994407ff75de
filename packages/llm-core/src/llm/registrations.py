"""What plugins register: each model or embedding model with its aliases.

The registry (``llm.registry``) builds these from the ``register_models`` and
``register_embedding_models`` hooks; ``llm models`` and ``llm embed-models``
list them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .embedding_model import EmbeddingModel


@dataclass
class ModelWithAliases:
    """A registered model: its sync and/or async implementation and aliases."""

    model: Any
    async_model: Any
    aliases: list[str] = field(default_factory=list)

    @property
    def model_id(self) -> str:
        return (self.model or self.async_model).model_id

    def matches(self, query: str) -> bool:
        """Case-insensitive substring match against the ID, name and aliases."""
        query = query.lower()
        haystack = [str(self.model or self.async_model), self.model_id, *self.aliases]
        return any(query in value.lower() for value in haystack)


@dataclass
class EmbeddingModelWithAliases:
    """A registered embedding model and its aliases."""

    model: EmbeddingModel
    aliases: list[str] = field(default_factory=list)

    def matches(self, query: str) -> bool:
        """Case-insensitive substring match against the ID and aliases."""
        query = query.lower()
        return any(query in value.lower() for value in [str(self.model), *self.aliases])

    @property
    def model_id(self) -> str:
        return self.model.model_id

    def __iter__(self) -> Iterator[Any]:
        # Allows ``model, aliases = entry`` unpacking.
        return iter((self.model, self.aliases))
