"""EmbeddingModel: batching and the vectors plugins return."""

from __future__ import annotations

import pytest

import llm


class CountingModel(llm.EmbeddingModel):
    model_id = "counting"

    def __init__(self, batch_size=None):
        self.batch_size = batch_size
        self.batches: list[int] = []

    def embed_batch(self, items):
        items = list(items)
        self.batches.append(len(items))
        return ([float(len(item))] for item in items)


def test_embed_multi_without_batch_size_sends_one_batch():
    model = CountingModel()
    vectors = list(model.embed_multi(f"item {i}" for i in range(250)))
    assert len(vectors) == 250
    assert model.batches == [250]


def test_embed_multi_uses_model_batch_size_then_explicit_one():
    model = CountingModel(batch_size=40)
    list(model.embed_multi(["x"] * 100))
    assert model.batches == [40, 40, 20]
    model.batches.clear()
    list(model.embed_multi(["x"] * 100, batch_size=60))
    assert model.batches == [60, 40]


class ArrayModel(llm.EmbeddingModel):
    """Returns vectors the way NumPy-based plugins do."""

    model_id = "arrays"

    def embed_batch(self, items):
        import numpy as np

        return (np.array([0.5, 0.25], dtype=np.float32) for _ in items)


class TupleModel(llm.EmbeddingModel):
    model_id = "tuples"

    def embed_batch(self, items):
        return ((1, 2.5) for _ in items)


def test_vectors_come_back_as_plain_float_lists():
    import json

    pytest.importorskip("numpy")  # NumPy-based plugins are the case under test

    for model, expected in ((ArrayModel(), [0.5, 0.25]), (TupleModel(), [1.0, 2.5])):
        vector = model.embed("hello")
        assert vector == expected
        assert all(type(value) is float for value in vector)
        json.dumps(vector)  # serialisable, unlike NumPy scalars
