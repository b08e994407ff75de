"""A test server for the OpenAI models the docs use, shared by every example."""

from __future__ import annotations

import pytest

from ..openai.fake_server import FakeOpenAIServer


@pytest.fixture(scope="session")
def docs_server():
    server = FakeOpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()
