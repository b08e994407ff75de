"""OpenAI embedding models: batching, dimensions, base64 and float responses, errors."""

from __future__ import annotations

import pytest

import llm
from llm.errors import ModelError

from .fake_server import Reply, embeddings_reply, error_reply, fake_vector


def test_embed_single(server):
    model = llm.get_embedding_model("3-small")
    vector = model.embed("hello world")
    assert vector == fake_vector("hello world", 8)
    request = server.last
    assert request.path == "/v1/embeddings"
    assert request.authorization == "Bearer sk-test"
    assert request.body == {
        "model": "text-embedding-3-small",
        "input": ["hello world"],
        "encoding_format": "base64",
    }


@pytest.mark.parametrize(
    "alias,openai_name,dimensions",
    [
        ("3-small-512", "text-embedding-3-small", 512),
        ("3-large-256", "text-embedding-3-large", 256),
        ("3-large-1024", "text-embedding-3-large", 1024),
    ],
)
def test_truncated_variants_pass_dimensions(server, alias, openai_name, dimensions):
    vector = llm.get_embedding_model(alias).embed("x")
    assert len(vector) == dimensions
    assert server.last_body["dimensions"] == dimensions
    assert server.last_body["model"] == openai_name


def test_full_size_models_send_no_dimensions(server):
    llm.get_embedding_model("ada").embed("x")
    assert "dimensions" not in server.last_body
    assert server.last_body["model"] == "text-embedding-ada-002"


def test_batching_and_order(server):
    texts = [f"item {i}" for i in range(250)]
    vectors = list(llm.get_embedding_model("3-large").embed_multi(texts))
    assert vectors == [fake_vector(t, 8) for t in texts]
    sizes = [len(r.body["input"]) for r in server.requests_to("embeddings")]
    assert sizes == [100, 100, 50]


def test_custom_batch_size(server):
    list(llm.get_embedding_model("3-small").embed_multi(["a", "b", "c"], batch_size=2))
    assert [len(r.body["input"]) for r in server.requests_to("embeddings")] == [2, 1]


def test_float_responses_from_compatible_servers(server):
    server.embeddings(embeddings_reply(force_float=True))
    assert llm.get_embedding_model("3-small").embed("hi") == fake_vector("hi", 8)


def test_embedding_errors(server):
    server.embeddings(error_reply(401, "Invalid key for embeddings"))
    with pytest.raises(ModelError, match=r"Invalid key for embeddings \(HTTP 401\)"):
        llm.get_embedding_model("3-small").embed("hi")
    server.embeddings(Reply(json={"object": "list", "data": [], "model": "x"}))
    with pytest.raises(ModelError, match="No embedding data"):
        llm.get_embedding_model("3-small").embed("hi")


def test_embedding_needs_key(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(llm.NeedsKeyException):
        llm.get_embedding_model("3-small").embed("hi")
    assert server.requests == []


def test_third_party_embedding_subclass(server):
    from llm.default_plugins.openai_models import OpenAIEmbeddingModel

    class LocalEmbed(OpenAIEmbeddingModel):
        needs_key = None

        def __init__(self):
            super().__init__(
                "local-embed", openai_model_id="nomic", api_base=server.base_url
            )

    LocalEmbed().embed("hi")
    assert server.last_body["model"] == "nomic"
    assert server.last.authorization == "Bearer DUMMY_KEY"
