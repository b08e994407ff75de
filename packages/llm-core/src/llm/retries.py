"""Retrying transient failures with exponential backoff, for every model and embedding model.

One policy for all plugins: a call that fails with a transient error (see
``transient_wait``) before producing any output is tried again, up to
``retries`` more times, waiting with exponential backoff and jitter - or as
long as the service asked with ``Retry-After``. The waiting is done by
tenacity, imported only once a first attempt has failed, so a successful call
pays nothing for it.

How many retries: the ``retries=`` argument (``--retries`` on the command
line), else a surrounding ``retry_settings()`` block, else ``LLM_RETRIES``,
else what ``reliability.json`` stores for the model (``llm models
reliability set``), else the model's ``retries`` attribute, else 3. The same
order gives the timeout: ``timeout=``, ``retry_settings()``, ``LLM_TIMEOUT``,
``reliability.json``, the model's ``timeout``; plugins read it with
``requested_timeout()`` while they run.

Tests replace the clock with ``use_clock()`` so that nothing really sleeps.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import ConfigError, ModelError, TransientError
from .model_reliability import check_retries, check_timeout
from .model_reliability import configured as stored_setting

T = TypeVar("T")

DEFAULT_RETRIES = 3
# Exponential backoff: about 1, 2, 4, 8 ... seconds, at most MAX_BACKOFF, plus
# up to JITTER seconds so that many clients do not retry in step.
INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 30.0
JITTER = 1.0
# Longest Retry-After honoured; a service asking for more gets this much.
MAX_RETRY_AFTER = 120.0
# 529: Anthropic's "overloaded".
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})
# Exception classes (by name, anywhere in the MRO) of HTTP clients and SDKs
# that mean the connection failed or timed out: httpx, openai, anthropic; and a
# failed DNS lookup (socket.gaierror), which passes as often as not.
_TRANSIENT_CLASS_NAMES = frozenset(
    {
        "gaierror",
        "TimeoutException",
        "NetworkError",
        "RemoteProtocolError",
        "APIConnectionError",
        "APITimeoutError",
    }
)

_timeout: ContextVar[Any] = ContextVar("llm_requested_timeout", default=None)
_settings: ContextVar[tuple[int | None, float | None]] = ContextVar(
    "llm_retry_settings", default=(None, None)
)


@contextmanager
def retry_settings(
    retries: int | None = None, timeout: float | None = None
) -> Iterator[None]:
    """Retries and timeout for every model call inside the block that does not set its own.

    This is how they reach calls made deep inside other code, such as the
    batches of ``Collection.embed_multi()``.
    """
    if retries is not None:
        retries = check_retries(retries)
    if timeout is not None:
        timeout = check_timeout(timeout)
    token = _settings.set((retries, timeout))
    try:
        yield
    finally:
        _settings.reset(token)


def requested_timeout() -> Any:
    """The timeout, in seconds, the caller asked for the model call now running (or None).

    Plugins that make HTTP requests pass it to their client. A model may also
    be configured with a richer value (a mapping of phases, say), which is
    handed over as it is.
    """
    return _timeout.get()


@contextmanager
def timeout_scope(timeout: Any) -> Iterator[None]:
    """Make ``timeout`` what ``requested_timeout()`` returns inside the block."""
    token = _timeout.set(timeout)
    try:
        yield
    finally:
        _timeout.reset(token)


# --- settings ----------------------------------------------------------------


def _env(name: str, kind: type) -> Any:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    if kind is float and value:
        try:
            check_timeout(value)
        except ValueError as ex:
            raise ConfigError(f"{name}: {ex}") from None
    return value


RELIABILITY_ARGUMENTS = ("retries", "timeout", "fallbacks")


def pop_reliability(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Take ``retries``, ``timeout`` and ``fallbacks`` out of prompt keyword arguments.

    They are checked here so a bad value fails at ``prompt()``, not later.
    """
    taken = {name: kwargs.pop(name) for name in RELIABILITY_ARGUMENTS if name in kwargs}
    if taken.get("retries") is not None:
        check_retries(taken["retries"])
    if taken.get("timeout") is not None:
        check_timeout(taken["timeout"])
    fallbacks = taken.get("fallbacks")
    if fallbacks is not None:
        if isinstance(fallbacks, (str, bytes)) or not hasattr(fallbacks, "__iter__"):
            raise ValueError("fallbacks must be a list of models or model IDs")
        taken["fallbacks"] = list(fallbacks)
    return taken


def resolve_retries(explicit: int | None, model: Any) -> int:
    """How many times to retry a call to ``model`` (see the module docstring)."""
    if explicit is not None:
        return check_retries(explicit)
    scoped = _settings.get()[0]
    if scoped is not None:
        return scoped
    from_env = _env("LLM_RETRIES", int)
    if from_env is not None:
        return int(from_env)
    stored = stored_setting(model, "retries")
    if stored is not None:
        return int(stored)
    configured = getattr(model, "retries", None)
    if configured is not None:
        return check_retries(configured)
    return DEFAULT_RETRIES


def resolve_timeout(explicit: float | None, model: Any) -> Any:
    """The timeout for a call to ``model``: explicit, ``LLM_TIMEOUT``, the model's own, or None."""
    if explicit is not None:
        return check_timeout(explicit)
    scoped = _settings.get()[1]
    if scoped is not None:
        return scoped
    from_env = _env("LLM_TIMEOUT", float)
    if from_env:
        return from_env
    stored = stored_setting(model, "timeout")
    if stored is not None:
        return stored
    return getattr(model, "timeout", None)


# --- recognising transient failures ------------------------------------------


def _retry_after_header(headers: Any) -> float | None:
    if headers is None or not hasattr(headers, "get"):
        return None
    try:
        raw_ms = headers.get("retry-after-ms")
        raw = headers.get("retry-after")
    except Exception:  # an unusual headers object
        return None
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000, 0.0)
        except ValueError:
            pass
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(when.timestamp() - time.time(), 0.0)


def retry_after_seconds(headers: Any) -> float | None:
    """The wait in ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date), if any."""
    return _retry_after_header(headers)


def _status(ex: BaseException) -> int | None:
    for name in ("status_code", "status"):
        value = getattr(ex, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _one(ex: BaseException) -> tuple[bool, float | None] | None:
    """(transient, retry_after) when ``ex`` itself says, None when it does not."""
    if isinstance(ex, TransientError):
        return True, ex.retry_after
    status = _status(ex)
    if status is not None:
        if status not in TRANSIENT_STATUSES:
            return False, None
        wait = getattr(ex, "retry_after", None)
        if not isinstance(wait, (int, float)):
            response = getattr(ex, "response", None)
            wait = _retry_after_header(getattr(response, "headers", None))
        return True, wait
    if isinstance(ex, (ConnectionError, TimeoutError)):
        return True, None
    if any(cls.__name__ in _TRANSIENT_CLASS_NAMES for cls in type(ex).__mro__):
        return True, None
    return None


def transient_wait(ex: BaseException) -> tuple[bool, float | None]:
    """Whether ``ex`` is worth retrying, and the wait the service asked for.

    Recognised: ``llm.TransientError``; anything with a ``status_code`` (or
    ``status``) of 408, 429, 5xx - with ``Retry-After`` read from its
    ``response.headers``, as httpx, openai and anthropic errors carry it;
    ``ConnectionError`` and ``TimeoutError``; and the connection and timeout
    errors of httpx and the openai/anthropic SDKs. A plain ``ModelError``
    raised ``from`` one of these counts as well.
    """
    seen = 0
    current: BaseException | None = ex
    while current is not None and seen < 5:
        verdict = _one(current)
        if verdict is not None:
            return verdict
        current = current.__cause__
        seen += 1
    return False, None


def is_transient(ex: BaseException) -> bool:
    return transient_wait(ex)[0]


def is_rate_limit(ex: BaseException) -> bool:
    """True when ``ex`` (or an error it was raised from) is an HTTP 429."""
    current: BaseException | None = ex
    for _ in range(5):
        if current is None:
            return False
        if _status(current) == 429:
            return True
        current = current.__cause__
    return False


# --- notices and the clock -----------------------------------------------------


@dataclass(frozen=True)
class RetryNotice:
    """One wait before a retry, for whoever wants to tell the user."""

    model_id: str
    error: BaseException
    delay: float
    attempt: int  # the retry about to happen, from 1
    retries: int

    @property
    def rate_limited(self) -> bool:
        """True when the service said to slow down (HTTP 429)."""
        return is_rate_limit(self.error)

    @property
    def reason(self) -> str:
        status = _status(self.error)
        if status == 429:
            return "rate limited by"
        if (
            isinstance(self.error, TimeoutError)
            or "Timeout" in type(self.error).__name__
        ):
            return "no response from"
        if status is not None:
            return f"HTTP {status} from"
        return "could not reach"

    def message(self) -> str:
        return (
            f"{self.reason} {self.model_id}, retrying in {self.delay:.1f} s "
            f"({self.attempt}/{self.retries})"
        )


_listeners: list[Callable[[RetryNotice], Any]] = []


def add_retry_listener(listener: Callable[[RetryNotice], Any]) -> None:
    """Call ``listener(notice)`` before every wait (the CLI prints a line on stderr)."""
    if listener not in _listeners:
        _listeners.append(listener)


def remove_retry_listener(listener: Callable[[RetryNotice], Any]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio  # sync prompting never imports asyncio

    await asyncio.sleep(seconds)


@contextmanager
def notices_on_stderr(write: Callable[[str], Any] | None = None) -> Iterator[None]:
    """Inside the block, each wait before a retry prints one dim line on a terminal's stderr.

    Nothing is printed when stderr is not a terminal (a pipe, a log file).
    ``write``, if given, prints the finished line instead: a command drawing a
    progress bar on stderr uses it to keep the bar below the notices.
    """
    import sys

    def show(notice: RetryNotice) -> None:
        stream = sys.stderr
        if stream.isatty():
            line = f"\x1b[2m{notice.message()}\x1b[0m\n"
            if write is not None:
                write(line)
                return
            stream.write(line)
            stream.flush()

    add_retry_listener(show)
    try:
        yield
    finally:
        remove_retry_listener(show)


@dataclass
class Clock:
    """How retries wait, and the jitter added to each backoff.

    Tests swap in one that records the delays instead of sleeping and draws a
    fixed jitter, so the waits (and the notices naming them) are the same on
    every run.
    """

    sleep: Callable[[float], Any] = time.sleep
    async_sleep: Callable[[float], Awaitable[Any]] = _asyncio_sleep
    # A number in [0, 1): the share of JITTER added to an exponential backoff.
    jitter: Callable[[], float] = random.random


_clock = Clock()


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Wait with ``clock`` inside the block (for tests: no real sleeping)."""
    global _clock
    previous, _clock = _clock, clock
    try:
        yield clock
    finally:
        _clock = previous


async def wait_async(seconds: float) -> None:
    """Sleep on the retry clock (so tests that replace it never really wait)."""
    await _clock.async_sleep(seconds)


def wait(seconds: float) -> None:
    """Sleep on the retry clock, the sync twin of ``wait_async``."""
    _clock.sleep(seconds)


def backoff(retry: int, retry_after: float | None) -> float:
    """Seconds to wait before retry number ``retry`` (from 1)."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
    base = min(INITIAL_BACKOFF * 2 ** (retry - 1), MAX_BACKOFF)
    return base + JITTER * _clock.jitter()


# --- running with retries --------------------------------------------------------


def _tenacity_kwargs(retries: int, model_id: str) -> dict[str, Any]:
    import tenacity

    def wait(state: Any) -> float:
        error = state.outcome.exception()
        return backoff(state.attempt_number, transient_wait(error)[1])

    def before_sleep(state: Any) -> None:
        notice = RetryNotice(
            model_id=model_id,
            error=state.outcome.exception(),
            delay=state.upcoming_sleep,
            attempt=state.attempt_number,
            retries=retries,
        )
        for listener in list(_listeners):
            listener(notice)

    return {
        "stop": tenacity.stop_after_attempt(retries + 1),
        "retry": tenacity.retry_if_exception(is_transient),
        "wait": wait,
        "before_sleep": before_sleep,
        "reraise": True,
    }


def call_with_retries(attempt: Callable[[], T], *, retries: int, model_id: str) -> T:
    """``attempt()``, retried on transient failures up to ``retries`` more times."""
    try:
        return attempt()
    except Exception as ex:
        if not retries or not is_transient(ex):
            raise
        first: list[BaseException] = [ex]

    import tenacity

    def again() -> T:
        if first:  # let tenacity count, and wait after, the first failure
            raise first.pop()
        return attempt()

    retrying = tenacity.Retrying(
        sleep=lambda seconds: _clock.sleep(seconds),
        **_tenacity_kwargs(retries, model_id),
    )
    return retrying(again)


async def call_with_retries_async(
    attempt: Callable[[], Awaitable[T]], *, retries: int, model_id: str
) -> T:
    """The asyncio twin of ``call_with_retries``."""
    try:
        return await attempt()
    except Exception as ex:
        if not retries or not is_transient(ex):
            raise
        first: list[BaseException] = [ex]

    import tenacity

    async def again() -> T:
        if first:
            raise first.pop()
        return await attempt()

    async def sleep(seconds: float) -> None:
        await _clock.async_sleep(seconds)

    retrying = tenacity.AsyncRetrying(
        sleep=sleep, **_tenacity_kwargs(retries, model_id)
    )
    return await retrying(again)


def describe_failure(ex: BaseException) -> str:
    """A one-line account of why a call failed, for logs and fallback notes."""
    from .redaction import scrub_secrets

    text = str(ex) or type(ex).__name__
    if not isinstance(ex, ModelError) and str(ex):
        text = f"{type(ex).__name__}: {text}"
    return scrub_secrets(" ".join(text.split()))
