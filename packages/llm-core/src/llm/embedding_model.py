"""EmbeddingModel: the base class for plugins that turn text or bytes into vectors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from .keys import KeyedMixin


def _as_floats(vector: Any) -> list[float]:
    """A plugin's vector as a list of Python floats (NumPy arrays convert in one call)."""
    if isinstance(vector, list):
        return vector
    tolist = getattr(vector, "tolist", None)
    if tolist is not None:
        return tolist()
    return [float(value) for value in vector]


class EmbeddingModel(KeyedMixin):
    """Subclasses set ``model_id`` and implement ``embed_batch(items)``."""

    model_id: str
    supports_text: bool = True
    supports_binary: bool = False
    batch_size: int | None = None

    def _check(self, item: str | bytes) -> None:
        if isinstance(item, (bytes, bytearray)):
            if not self.supports_binary:
                raise ValueError(
                    f"Embedding model {self.model_id} does not support binary content"
                )
        elif not self.supports_text:
            raise ValueError(
                f"Embedding model {self.model_id} does not support text content"
            )

    def embed(
        self,
        item: str | bytes,
        *,
        retries: int | None = None,
        timeout: float | None = None,
    ) -> list[float]:
        """Embed one string (or bytes, for binary models) and return its vector."""
        return next(iter(self.embed_multi([item], retries=retries, timeout=timeout)))

    def embed_multi(
        self,
        items: Iterable[str | bytes],
        batch_size: int | None = None,
        *,
        retries: int | None = None,
        timeout: float | None = None,
    ) -> Iterator[list[float]]:
        """Embed many items, in batches of ``batch_size`` (or the model's own batch size).

        With neither set, all items go to the model in a single batch. A batch
        that fails with a transient error is retried (see ``llm.retries``).
        """
        from .retries import (
            call_with_retries,
            resolve_retries,
            resolve_timeout,
            timeout_scope,
        )

        size = batch_size or self.batch_size
        iterator = iter(items)
        attempts = resolve_retries(retries, self)
        limit = resolve_timeout(timeout, self)
        while True:
            batch = list(islice(iterator, size))
            if not batch:
                return
            for item in batch:
                self._check(item)

            def attempt(batch: list[str | bytes] = batch) -> list[list[float]]:
                with timeout_scope(limit):
                    return [_as_floats(vector) for vector in self.embed_batch(batch)]

            yield from call_with_retries(
                attempt, retries=attempts, model_id=self.model_id
            )

    def embed_batch(self, items: Iterable[str | bytes]) -> Iterator[list[float]]:
        """Embed a batch; plugins implement this."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement embed_batch()"
        )

    def __str__(self) -> str:
        return f"{type(self).__name__}: {self.model_id}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.model_id}'>"
