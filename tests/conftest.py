"""Shared fixtures: an isolated user directory and the scripted test models."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PLUGINS_DIR = Path(__file__).parent / "plugins"
if str(PLUGINS_DIR) not in sys.path:
    sys.path.insert(0, str(PLUGINS_DIR))

import llm_test_plugin  # noqa: E402

from llm.plugins import load_plugins, pm  # noqa: E402

TEST_PLUGIN_NAME = "llm_test_plugin"


def pytest_configure(config: pytest.Config) -> None:
    """Let the processes the tests start be interrupted with Ctrl-C.

    A shell starts background commands with SIGINT ignored, and children
    inherit that; Python then installs no KeyboardInterrupt handler, so the
    tests sending SIGINT to ``llm`` would see it carry on. Handled here,
    SIGINT reaches every child at its default again.
    """
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _ensure_test_plugin() -> None:
    load_plugins()
    if pm.get_plugin(TEST_PLUGIN_NAME) is None:
        pm.register(llm_test_plugin, name=TEST_PLUGIN_NAME)


@pytest.fixture(autouse=True)
def user_path(tmp_path, monkeypatch):
    """Every test gets its own LLM_USER_PATH and no real API keys."""
    path = tmp_path / "llm-user"
    path.mkdir()
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    for name in (
        "OPENAI_API_KEY",
        "LLM_TEST_KEY",
        "LLM_RAISE_ERRORS",
        "LLM_OPENAI_SHOW_RESPONSES",
        "LLM_RETRIES",
        "LLM_TIMEOUT",
        "LLM_RENDER",
        "LLM_KEY_COMMAND_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    _ensure_test_plugin()
    llm_test_plugin.MockModel.reset()
    llm_test_plugin.DemoEmbeddingModel.batches.clear()
    return path


@pytest.fixture(autouse=True)
def retry_waits():
    """Retries never really sleep in tests: the delays they asked for are recorded here.

    The backoff's jitter is fixed at half of its range, so an exponential
    backoff waits 1.5, 2.5, 4.5 ... seconds on every run.
    """
    from llm.retries import Clock, use_clock

    waits: list[float] = []

    async def async_sleep(seconds: float) -> None:
        waits.append(seconds)

    with use_clock(
        Clock(sleep=waits.append, async_sleep=async_sleep, jitter=lambda: 0.5)
    ):
        yield waits


@pytest.fixture
def memory_keyring():
    """keyring's global backend replaced by an in-memory one for the test."""
    keyring = pytest.importorskip("keyring")
    from .memory_keyring import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def mock_model():
    """The scripted ``mock`` model; queue replies with ``mock_model.enqueue(...)``."""
    import llm

    return llm.get_model("mock")


@pytest.fixture
def async_mock_model():
    import llm

    return llm.get_async_model("mock")


@pytest.fixture
def subprocess_env(user_path):
    """Environment for running ``llm`` in a subprocess with the test plugin installed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(PLUGINS_DIR), env.get("PYTHONPATH")])
    )
    env["LLM_USER_PATH"] = str(user_path)
    return env
