"""Starting a response: retries, timeouts and fallback models around a plugin's ``execute()``.

A response starts by calling ``execute()`` and pulling its first item; that is
the part that may be repeated, because nothing has been shown yet. A transient
failure there is retried (``retries.py``); when a model still fails, or has no
key, the next fallback model gets the prompt (``fallbacks.py``). Once the first
item has arrived the response is committed: a stream that breaks later keeps
its partial output and is not restarted.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from .errors import (
    AttachmentError,
    OptionsError,
    UnknownModelError,
    UnsupportedFeatureError,
)
from .execution import execute_arguments
from .fallbacks import FailedModel, fallback_model, prompt_for, should_fall_back
from .redaction import scrub_exception
from .retries import (
    call_with_retries,
    call_with_retries_async,
    describe_failure,
    resolve_retries,
    resolve_timeout,
    timeout_scope,
)

END = object()  # execute() produced nothing at all

# Why a fallback model could not even be tried.
_UNUSABLE = (
    UnknownModelError,
    UnsupportedFeatureError,
    AttachmentError,
    OptionsError,
)


class StartFailed(Exception):
    """Carries the final failure and whether ``execute()`` had been called at all."""

    def __init__(self, error: BaseException, started: bool) -> None:
        # The message may quote a key the server echoed: masked before anyone sees it.
        error = scrub_exception(error)
        super().__init__(str(error))
        self.error = error
        self.started = started


def _switch_to_fallback(
    response: Any, remaining: Iterator[Any], ex: BaseException, async_: bool
) -> bool:
    """Point ``response`` at the next usable fallback, recording why each was passed over.

    The failed model is recorded only once another takes over: when none is
    left, its failure is the response's own error.
    """
    if not should_fall_back(ex):
        return False
    failed = response.model
    passed_over = [FailedModel(failed.model_id, describe_failure(ex))]
    for item in remaining:
        name = item if isinstance(item, str) else getattr(item, "model_id", str(item))
        try:
            model = fallback_model(item, async_)
            prompt = prompt_for(model, response.prompt)
        except _UNUSABLE as skip:
            passed_over.append(FailedModel(name, describe_failure(skip)))
            continue
        if getattr(model, "needs_key", None) != getattr(failed, "needs_key", None):
            response._key = None  # a key given for one provider is not for another
        response.failed_models.extend(passed_over)
        response.model = model
        response.prompt = prompt
        return True
    response.failed_models.extend(passed_over[1:])
    return False


def _fallbacks(response: Any) -> Iterator[Any]:
    """The response's fallbacks, looked up (fallbacks.json read) only once one is needed."""
    yield from response.fallback_models()


class _Attempt:
    """One try of a model: call ``execute()`` and pull the first item."""

    def __init__(self, response: Any, model: Any, timeout: Any) -> None:
        self.response = response
        self.model = model
        self.timeout = timeout
        self.started = False  # execute() was called and returned

    def __call__(self) -> tuple[Iterator[Any], Any]:
        self.response._reset_for_retry()
        self.started = False
        with timeout_scope(self.timeout):
            args, kwargs = execute_arguments(self.response)
            iterator = iter(self.model.execute(*args, **kwargs) or [])
            self.started = True
            try:
                first = next(iterator)
            except StopIteration:
                first = END
        return iterator, first

    async def run_async(self, items_class: Any) -> tuple[Any, Any]:
        self.response._reset_for_retry()
        self.started = False
        with timeout_scope(self.timeout):
            args, kwargs = execute_arguments(self.response)
            items = items_class(self.model.execute(*args, **kwargs))
            self.started = True
            try:
                first = await items.next()
            except StopAsyncIteration:
                first = END
        return items, first


def start(response: Any) -> tuple[Iterator[Any], Any]:
    """Call ``execute()`` and pull its first item (``END`` if none), retrying and falling back."""
    remaining = _fallbacks(response)
    while True:
        model = response.model
        attempt = _Attempt(response, model, resolve_timeout(response.timeout, model))
        try:
            retries = resolve_retries(response.retries, model)
            result = call_with_retries(
                attempt, retries=retries, model_id=model.model_id
            )
        except Exception as ex:
            if _switch_to_fallback(response, remaining, ex, async_=False):
                continue
            raise StartFailed(ex, attempt.started) from ex
        response.call_timeout = attempt.timeout
        return result


async def start_async(response: Any, items_class: Any) -> tuple[Any, Any]:
    """The asyncio twin of ``start``: returns the item source and its first item."""
    remaining = _fallbacks(response)
    while True:
        model = response.model
        attempt = _Attempt(response, model, resolve_timeout(response.timeout, model))
        try:
            retries = resolve_retries(response.retries, model)
            result = await call_with_retries_async(
                functools.partial(attempt.run_async, items_class),
                retries=retries,
                model_id=model.model_id,
            )
        except Exception as ex:
            if _switch_to_fallback(response, remaining, ex, async_=True):
                continue
            raise StartFailed(ex, attempt.started) from ex
        response.call_timeout = attempt.timeout
        return result
