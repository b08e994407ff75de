"""OpenAI embedding models, including truncated variants that pass ``dimensions``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from llm.embedding_model import EmbeddingModel
from llm.errors import ModelError

from .client import NO_KEY_PLACEHOLDER, make_client
from .errors import translate_errors


class OpenAIEmbeddingModel(EmbeddingModel):
    """An embedding model served by ``/v1/embeddings``; batches of up to 100 inputs."""

    needs_key = "openai"
    key_env_var = "OPENAI_API_KEY"
    batch_size = 100

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

    def embed_batch(self, items: Iterable[str | bytes]) -> Iterator[list[float]]:
        inputs = [i.decode("utf-8") if isinstance(i, bytes) else i for i in items]
        kwargs: dict[str, Any] = {"input": inputs, "model": self.openai_model_id}
        if self.dimensions:
            kwargs["dimensions"] = self.dimensions
        key = (self.get_key() if self.needs_key else self.key) or NO_KEY_PLACEHOLDER
        with translate_errors():
            with make_client(
                api_key=key, base_url=self.api_base, headers=self.headers
            ) as client:
                try:
                    result = client.embeddings.create(**kwargs)
                except ValueError as ex:  # the SDK's "No embedding data received"
                    raise ModelError(str(ex)) from ex
        data = sorted(result.data, key=lambda item: item.index)
        if len(data) != len(inputs):
            raise ModelError(
                f"Expected {len(inputs)} embeddings from {self.openai_model_id}, got {len(data)}"
            )
        return iter([[float(v) for v in item.embedding] for item in data])
