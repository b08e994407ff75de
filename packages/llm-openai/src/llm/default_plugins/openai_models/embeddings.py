"""OpenAI embedding models, including truncated variants that pass ``dimensions``."""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable, Iterator
from typing import Any

from llm.embedding_model import EmbeddingModel
from llm.errors import ModelError

from .client import NO_KEY_PLACEHOLDER, configured_retries


def _vector(embedding: Any) -> list[float]:
    """A vector sent as base64 little-endian float32 (what we ask for) or as a list."""
    if isinstance(embedding, str):
        raw = base64.b64decode(embedding)
        return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    return [float(v) for v in embedding]


class OpenAIEmbeddingModel(EmbeddingModel):
    """An embedding model served by ``/v1/embeddings``; batches of up to 100 inputs."""

    needs_key = "openai"
    key_env_var = "OPENAI_API_KEY"
    batch_size = 100
    _retries: int | None = None

    def __init__(
        self,
        model_id: str,
        openai_model_id: str,
        dimensions: int | None = None,
        *,
        api_base: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.model_id = model_id
        self.openai_model_id = openai_model_id
        self.dimensions = dimensions
        self.api_base = api_base
        self.headers = headers

    @property
    def retries(self) -> int | None:
        """The retry count llm-core uses unless told otherwise (``LLM_OPENAI_MAX_RETRIES``)."""
        return configured_retries(self._retries)

    @retries.setter
    def retries(self, value: int | None) -> None:
        self._retries = value

    def embed_batch(self, items: Iterable[str | bytes]) -> Iterator[list[float]]:
        from .transport import endpoint, send

        inputs = [i.decode("utf-8") if isinstance(i, bytes) else i for i in items]
        # base64 float32 is a quarter of the size of JSON numbers on the wire.
        body: dict[str, Any] = {
            "model": self.openai_model_id,
            "input": inputs,
            "encoding_format": "base64",
        }
        if self.dimensions:
            body["dimensions"] = self.dimensions
        key = (self.get_key() if self.needs_key else self.key) or NO_KEY_PLACEHOLDER
        target = endpoint(api_key=key, base_url=self.api_base, headers=self.headers)
        [(_, result)] = list(send(target, "embeddings", body, stream=False))
        data = result.get("data") if isinstance(result, dict) else None
        if not data:
            raise ModelError(f"No embedding data received from {self.openai_model_id}")
        data = sorted(data, key=lambda item: item.get("index", 0))
        if len(data) != len(inputs):
            raise ModelError(
                f"Expected {len(inputs)} embeddings from {self.openai_model_id}, got {len(data)}"
            )
        return iter([_vector(item["embedding"]) for item in data])
