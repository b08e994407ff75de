"""Fixtures and helpers for the OpenAI plugin tests: a fake OpenAI server, a clean environment, a sample tool."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from llm.registry import clear_registry_cache

from .fake_server import FakeOpenAIServer

_HERMETIC_ENV = (
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_CUSTOM_HEADERS",
    "OPENAI_ADMIN_KEY",
    "LLM_OPENAI_MAX_RETRIES",
    "LLM_OPENAI_TIMEOUT",
    "LLM_MODEL",
)


@pytest.fixture(autouse=True)
def clean_openai_env(monkeypatch, user_path):
    """No ambient OpenAI settings; registries rebuilt so each test's YAML is read."""
    for name in _HERMETIC_ENV:
        monkeypatch.delenv(name, raising=False)
    clear_registry_cache()
    yield
    clear_registry_cache()


@pytest.fixture
def server(monkeypatch):
    """A running fake OpenAI server; built-in models talk to it with key ``sk-test``.

    OpenAI models do not retry (``LLM_OPENAI_MAX_RETRIES=0``), so a scripted
    error is the answer; tests of retries ask for them with ``retries=``.
    """
    fake = FakeOpenAIServer().start()
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "0")
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 with nothing listening."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def write_extra_models(user_path):
    """Write ``extra-openai-models.yaml`` (a list of dicts, or raw text)."""

    def write(content):
        path = user_path / "extra-openai-models.yaml"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content), encoding="utf-8")  # JSON is YAML
        clear_registry_cache()
        return path

    return write


@pytest.fixture
def store_keys(user_path):
    """Write keys.json with the given name -> key pairs."""

    def store(**keys):
        (user_path / "keys.json").write_text(json.dumps(keys), encoding="utf-8")

    return store


def needs_embeddings() -> None:
    """Skip the test where llm-embeddings, which adds ``llm embed``, is not installed."""
    pytest.importorskip("llm.embeddings")


def run_async(coroutine):
    return asyncio.run(coroutine)


def add(a: int, b: int) -> int:
    "Add two numbers"
    return a + b
