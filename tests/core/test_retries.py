"""Retries, timeouts and fallbacks for plugin models, through the Python API (sync and async)."""

from __future__ import annotations

import asyncio
import socket

import pytest

import llm
from llm.errors import ConfigError, ModelError, TransientError
from llm.fallbacks import FailedModel, get_fallbacks, set_fallbacks
from llm.retries import (
    add_retry_listener,
    remove_retry_listener,
    requested_timeout,
    retry_settings,
    transient_wait,
)


class _Headers(dict):
    pass


class StatusError(Exception):
    """Shaped like an httpx/openai/anthropic status error."""

    def __init__(self, status_code, retry_after=None):
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code
        headers = _Headers()
        if retry_after is not None:
            headers["retry-after"] = retry_after
        self.response = type("R", (), {"headers": headers})()


class APIConnectionError(Exception):
    """Named like the openai/anthropic SDK class."""


@pytest.mark.parametrize(
    "error,expected",
    [
        (TransientError("busy", retry_after=4), (True, 4)),
        (StatusError(429, "7"), (True, 7.0)),
        (StatusError(503), (True, None)),
        (StatusError(401), (False, None)),
        (StatusError(400), (False, None)),
        (ConnectionRefusedError(), (True, None)),
        (socket.gaierror(-3, "Temporary failure in name resolution"), (True, None)),
        (TimeoutError(), (True, None)),
        (APIConnectionError(), (True, None)),
        (ModelError("bad request"), (False, None)),
        (ValueError("nope"), (False, None)),
    ],
)
def test_transient_recognition(error, expected):
    assert transient_wait(error) == expected


def test_model_error_raised_from_a_transient_one():
    try:
        try:
            raise StatusError(502)
        except StatusError as inner:
            raise ModelError("Upstream failed") from inner
    except ModelError as ex:
        assert transient_wait(ex) == (True, None)


def test_status_attribute_and_http_date():
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    error = StatusError(
        429, format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30))
    )
    error.status = error.status_code
    del error.status_code
    transient, wait = transient_wait(error)
    assert transient and 25 < wait <= 30


def test_plugin_transient_error_is_retried_honouring_retry_after(
    mock_model, retry_waits
):
    mock_model.enqueue(TransientError("busy", retry_after=2))
    mock_model.enqueue("finally")
    response = mock_model.prompt("hi")
    assert response.text() == "finally"
    assert retry_waits == [2]
    assert len(type(mock_model).prompts) == 2


def test_exponential_backoff_then_the_error(mock_model, retry_waits):
    for _ in range(4):
        mock_model.enqueue(ConnectionResetError("reset by peer"))
    with pytest.raises(ConnectionResetError):
        mock_model.prompt("hi").text()
    assert len(type(mock_model).prompts) == 4  # 1 + the default 3 retries
    assert [int(w) for w in retry_waits] == [1, 2, 4]


def test_retries_zero_and_permanent_errors(mock_model, retry_waits):
    mock_model.enqueue(TransientError("busy"))
    with pytest.raises(TransientError):
        mock_model.prompt("hi", retries=0).text()
    mock_model.enqueue(StatusError(401))
    with pytest.raises(StatusError):
        mock_model.prompt("hi").text()
    assert retry_waits == []
    assert len(type(mock_model).prompts) == 2


def test_failure_after_output_is_not_retried(mock_model, retry_waits):
    mock_model.enqueue("partial ", TransientError("dropped"))
    response = mock_model.prompt("hi")
    with pytest.raises(TransientError):
        response.text()
    assert response.text_or_raise() == "partial "
    assert retry_waits == []
    assert len(type(mock_model).prompts) == 1


def test_retries_from_environment_and_model(mock_model, monkeypatch, retry_waits):
    monkeypatch.setenv("LLM_RETRIES", "1")
    mock_model.enqueue(TransientError("a"))
    mock_model.enqueue(TransientError("b"))
    with pytest.raises(TransientError, match="b"):
        mock_model.prompt("hi").text()
    assert len(retry_waits) == 1
    monkeypatch.setenv("LLM_RETRIES", "lots")
    with pytest.raises(ConfigError, match="LLM_RETRIES must be a number"):
        mock_model.prompt("hi").text()
    monkeypatch.delenv("LLM_RETRIES")
    monkeypatch.setattr(type(mock_model), "retries", 0, raising=False)
    mock_model.enqueue(TransientError("c"))
    with pytest.raises(TransientError, match="c"):
        mock_model.prompt("hi").text()
    assert len(retry_waits) == 1


def test_bad_arguments_fail_at_prompt(mock_model):
    with pytest.raises(ValueError, match="retries must be"):
        mock_model.prompt("hi", retries=-1)
    with pytest.raises(ValueError, match="timeout must be"):
        mock_model.prompt("hi", timeout=0)
    with pytest.raises(ValueError, match="fallbacks must be a list"):
        mock_model.prompt("hi", fallbacks="echo")


def test_retry_notices(mock_model, retry_waits):
    notices = []
    add_retry_listener(notices.append)
    try:
        mock_model.enqueue(TransientError("slow", status_code=429, retry_after=4))
        mock_model.enqueue(TransientError("down", status_code=503))
        mock_model.enqueue("ok")
        assert mock_model.prompt("hi").text() == "ok"
    finally:
        remove_retry_listener(notices.append)
    assert notices[0].message() == "rate limited by mock, retrying in 4.0 s (1/3)"
    assert notices[1].message() == "HTTP 503 from mock, retrying in 2.5 s (2/3)"
    assert retry_waits == [4, 2.5]


def test_backoff_jitter_comes_from_the_clock():
    from llm.retries import Clock, backoff, use_clock

    with use_clock(Clock(jitter=lambda: 0.0)):
        assert [backoff(n, None) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    with use_clock(Clock(jitter=lambda: 0.999)):
        assert backoff(2, None) == pytest.approx(2.999)
    assert backoff(2, 500) == 120.0  # Retry-After is capped


class TimeoutEcho(llm.Model):
    model_id = "timeout-echo"
    timeout = 42

    def execute(self, prompt, stream, response, conversation=None):
        yield f"{requested_timeout()}"
        yield f" {requested_timeout()}"


def test_timeout_reaches_the_plugin(monkeypatch):
    model = TimeoutEcho()
    assert model.prompt("hi", timeout=7).text() == "7.0 7.0"
    assert model.prompt("hi").text() == "42 42"
    monkeypatch.setenv("LLM_TIMEOUT", "3")
    assert model.prompt("hi").text() == "3.0 3.0"
    with retry_settings(timeout=9):
        assert model.prompt("hi").text() == "9.0 9.0"
    assert requested_timeout() is None


def test_fallback_answers_and_is_recorded(mock_model, retry_waits):
    mock_model.enqueue(TransientError("overloaded", status_code=529))
    response = mock_model.prompt(
        '{"x": 1}', fallbacks=["echo"], retries=0, temperature=0.5
    )
    assert '"prompt": "{\\"x\\": 1}"' in response.text()
    assert response.model.model_id == "echo"
    assert response.prompt.model is response.model
    assert response.prompt.options.temperature == 0.5
    assert response.failed_models == [FailedModel("mock", "overloaded")]


def test_fallback_on_missing_key_and_not_on_bad_requests(mock_model):
    keyed = llm.get_model("keyed")
    response = keyed.prompt("hi", fallbacks=["mock"])
    mock_model.enqueue("from mock")
    assert response.text() == "from mock"
    assert response.failed_models[0].model_id == "keyed"
    assert "llm keys set testkey" in response.failed_models[0].error
    mock_model.enqueue(ModelError("Your prompt is invalid"))
    with pytest.raises(ModelError, match="invalid"):
        mock_model.prompt("hi", fallbacks=["echo"]).text()


def test_unusable_fallbacks_are_skipped(mock_model):
    mock_model.enqueue(TransientError("down"))
    response = mock_model.prompt(
        "hi",
        fallbacks=["legacy", "no-such-model", "echo"],
        retries=0,
        schema={"type": "object"},
    )
    response.text()
    assert response.model.model_id == "echo"
    assert [f.model_id for f in response.failed_models] == [
        "mock",
        "legacy",
        "no-such-model",
    ]
    assert "does not support schemas" in response.failed_models[1].error


def test_configured_fallbacks(mock_model, user_path):
    set_fallbacks("mock", ["echo"])
    assert get_fallbacks() == {"mock": ["echo"]}
    mock_model.enqueue(TransientError("down"))
    assert mock_model.prompt("hi", retries=0).model.model_id == "mock"  # lazy
    response = mock_model.prompt("hi", retries=0)
    mock_model.enqueue(TransientError("down"))
    response.text()
    assert response.model.model_id == "echo"
    mock_model.enqueue(TransientError("down again"))
    with pytest.raises(TransientError):
        mock_model.prompt("hi", retries=0, fallbacks=[]).text()


def test_all_fail_raises_the_last_error(mock_model):
    mock_model.enqueue(TransientError("first down"))
    response = mock_model.prompt("hi", retries=0, fallbacks=["keyed"])
    with pytest.raises(llm.NeedsKeyException):
        response.text()
    assert [f.model_id for f in response.failed_models] == ["mock"]
    assert response.model.model_id == "keyed"


def test_chain_carries_the_settings(mock_model, retry_waits):
    mock_model.enqueue(TransientError("busy", retry_after=1))
    mock_model.enqueue("done")
    chain = mock_model.chain("hi", retries=1, timeout=5)
    assert chain.text() == "done"
    assert retry_waits == [1]


def test_async_retries_and_fallbacks(async_mock_model, retry_waits):
    async def go():
        type(async_mock_model).enqueue(TransientError("busy", retry_after=3))
        type(async_mock_model).enqueue("async ok")
        first = await async_mock_model.prompt("hi").text()
        type(async_mock_model).enqueue(TransientError("down"))
        response = async_mock_model.prompt("hi", retries=0, fallbacks=["echo"])
        await response.text()
        return first, response

    first, response = asyncio.run(go())
    assert first == "async ok"
    assert retry_waits == [3]
    assert response.model.model_id == "echo"
    assert isinstance(response.model, llm.AsyncModel)
    assert response.failed_models == [FailedModel("mock", "down")]


class Flaky(llm.EmbeddingModel):
    model_id = "flaky-embed"
    batch_size = 2

    def __init__(self, failures):
        self.failures = list(failures)
        self.calls = []

    def embed_batch(self, items):
        self.calls.append(list(items))
        if self.failures:
            raise self.failures.pop(0)
        return [[float(len(item)), 1.0] for item in items]


def test_embedding_batches_are_retried(retry_waits):
    model = Flaky([StatusError(503, "1")])
    assert list(model.embed_multi(["a", "bb", "ccc"])) == [
        [1.0, 1.0],
        [2.0, 1.0],
        [3.0, 1.0],
    ]
    assert model.calls == [["a", "bb"], ["a", "bb"], ["ccc"]]
    assert retry_waits == [1.0]
    model = Flaky([TransientError("x")] * 2)
    with pytest.raises(TransientError):
        model.embed("a", retries=1)
    with retry_settings(retries=0):
        with pytest.raises(TransientError):
            Flaky([TransientError("y")]).embed("a")


class _Terminal:
    def __init__(self, tty):
        self.tty = tty
        self.written = []

    def isatty(self):
        return self.tty

    def write(self, text):
        self.written.append(text)

    def flush(self):
        pass


@pytest.mark.parametrize("tty", [True, False])
def test_waits_shown_dim_on_a_terminal_only(mock_model, monkeypatch, tty):
    from llm.retries import notices_on_stderr

    terminal = _Terminal(tty)
    monkeypatch.setattr("sys.stderr", terminal)
    mock_model.enqueue(TransientError("slow", status_code=429, retry_after=4))
    with notices_on_stderr():
        assert mock_model.prompt("hi").text() == "no reply queued"
    expected = ["\x1b[2mrate limited by mock, retrying in 4.0 s (1/3)\x1b[0m\n"]
    assert terminal.written == (expected if tty else [])


def test_reliability_json_sets_retries_and_timeout_for_any_model(
    mock_model, retry_waits, user_path, monkeypatch
):
    from llm.model_reliability import get_model_reliability, set_model_reliability

    set_model_reliability("mock", retries=1, timeout=7)
    assert get_model_reliability("mock") == {"retries": 1, "timeout": 7.0}
    for _ in range(3):
        mock_model.enqueue(TransientError("busy"))
    with pytest.raises(TransientError):
        mock_model.prompt("hi").text()
    assert len(type(mock_model).prompts) == 2  # 1 + the stored 1 retry
    model = TimeoutEcho()
    set_model_reliability("timeout-echo", timeout=12)
    assert model.prompt("hi").text() == "12.0 12.0"  # over the model's own 42
    # Edits to the file are seen at once; the environment and arguments win.
    (user_path / "reliability.json").write_text('{"timeout-echo": {"timeout": 5}}')
    assert model.prompt("hi").text() == "5.0 5.0"
    assert model.prompt("hi", timeout=3).text() == "3.0 3.0"
    monkeypatch.setenv("LLM_TIMEOUT", "4")
    assert model.prompt("hi").text() == "4.0 4.0"


def test_reliability_json_mistakes_are_config_errors(mock_model, user_path):
    (user_path / "reliability.json").write_text('{"mock": {"retries": -1}}')
    with pytest.raises(ConfigError, match="retries must be a whole number"):
        mock_model.prompt("hi").text()
    (user_path / "reliability.json").write_text('{"mock": {"tries": 2}}')
    with pytest.raises(ConfigError, match="unknown setting 'tries'"):
        mock_model.prompt("hi").text()
