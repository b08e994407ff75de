"""Running many prompts against one model at once: ``llm.batch()``, ``llm.abatch()`` and ``Batch``.

At most ``parallel`` prompts run at a time: as asyncio tasks for an async
model, on worker threads for a sync one. Results come back in input order, each
as soon as it and every earlier one have finished. Prompts are taken from the
input only as far ahead as that needs (a window of a few times ``parallel``),
so a batch of a million rows runs in flat memory.

Each prompt runs as a chain in a conversation of its own, so with ``tools=``
the tools the model asks for are run and answered, as ``model.chain()`` does.

Plugins may reuse one HTTP client for every call of a batch (see
``llm.http.sharing_clients``), so prompts share connections.

Rate limits slow the whole batch down rather than failing rows: the call that
hit one is retried by llm-core's retry layer (``llm.retries``, honouring
``Retry-After``), and meanwhile no new prompt starts until the wait is over
and the number running at once is halved; it grows back by one for each
stretch of successes. A prompt still rate limited after its retries goes back
to the front of the queue (up to ``RATE_LIMIT_REQUEUES`` times).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PARALLEL = 4
# How many times a prompt that is still rate limited after its retries is queued again.
RATE_LIMIT_REQUEUES = 3
# Halving the concurrency again within this many seconds of the last cut is
# the same burst of rate limits, not a new one.
MIN_CUT_INTERVAL = 1.0


@dataclass
class BatchPrompt:
    """One prompt of a batch: its text and the keyword arguments for ``conversation.chain()``.

    ``tag`` is carried through to the ``BatchResult`` unchanged, for the caller
    to say which input row this was. ``error`` marks a prompt that could not
    be built (an input row that could not be read): it is reported as failed
    in its place, without running.
    """

    prompt: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    tag: Any = None
    error: BaseException | None = None


@dataclass
class BatchResult:
    """How one prompt of a batch ended.

    ``responses`` holds every response of its chain in order (one without
    tools; none when the prompt could not even be built). ``error`` is the
    exception that stopped it, or None.
    """

    index: int
    prompt: BatchPrompt
    responses: list[Any] = field(default_factory=list)
    error: BaseException | None = None
    #: The batch was stopped (Ctrl-C, an error elsewhere) while this prompt ran.
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.interrupted

    @property
    def response(self) -> Any:
        """The last response of the chain (the answer), or None."""
        return self.responses[-1] if self.responses else None

    @property
    def tag(self) -> Any:
        return self.prompt.tag


def _is_async_model(model: Any) -> bool:
    from .models import AsyncKeyModel, AsyncModel

    return isinstance(model, (AsyncModel, AsyncKeyModel))


def as_batch_prompt(item: Any, shared: dict[str, Any]) -> BatchPrompt:
    """A BatchPrompt from a prompt string, a dict of prompt arguments, or a BatchPrompt.

    A dict's ``prompt`` key is the text and its other keys override ``shared``.
    """
    if isinstance(item, BatchPrompt):
        return item
    if item is None or isinstance(item, str):
        return BatchPrompt(item, dict(shared))
    if isinstance(item, dict):
        own = dict(item)
        text = own.pop("prompt", None)
        return BatchPrompt(text, {**shared, **own})
    raise TypeError(
        f"A batch prompt must be a string, a dict or a BatchPrompt, not {type(item).__name__}"
    )


def _row_kwargs(item: BatchPrompt) -> dict[str, Any]:
    kwargs = dict(item.kwargs)
    kwargs.setdefault("stream", False)
    return kwargs


async def _run_async_row(model: Any, index: int, item: BatchPrompt) -> BatchResult:
    import asyncio

    result = BatchResult(index, item)
    try:
        chain = model.conversation().chain(item.prompt, **_row_kwargs(item))
        async for response in chain.responses():
            result.responses.append(response)
            await response
    except asyncio.CancelledError:
        for response in result.responses:
            if not response._done:
                response.cancel()
        result.interrupted = True
    except Exception as ex:
        result.error = ex
    return result


def _run_sync_row(model: Any, index: int, item: BatchPrompt) -> BatchResult:
    result = BatchResult(index, item)
    try:
        chain = model.conversation().chain(item.prompt, **_row_kwargs(item))
        for response in chain.responses():
            result.responses.append(response)
            response.text()
    except Exception as ex:
        result.error = ex
    return result


class _Gate:
    """How many prompts may run now: rate limits halve it and pause new starts."""

    def __init__(self, parallel: int) -> None:
        self.parallel = parallel
        self.limit = parallel
        self.pause = 0.0
        self._successes = 0
        self._last_cut = float("-inf")

    def slow_down(self, delay: float) -> None:
        now = time.monotonic()
        if now - self._last_cut >= max(delay, MIN_CUT_INTERVAL):
            self.limit = max(1, self.limit // 2)
            self._last_cut = now
        self.pause = max(self.pause, delay)
        self._successes = 0

    def succeeded(self) -> None:
        if self.limit >= self.parallel:
            return
        self._successes += 1
        if self._successes >= self.limit:
            self.limit += 1
            self._successes = 0


class _Run:
    """The moving parts of one ``Batch.results()`` call.

    Prompts are numbered as they are taken from the input; each is running,
    queued again after a rate limit, finished (waiting for its turn to be
    yielded), or already yielded.
    """

    def __init__(self, batch: Batch, prompts: Iterable[BatchPrompt | BatchResult]):
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        self.batch = batch
        self.loop = asyncio.get_running_loop()
        self.source = iter(prompts)
        self.exhausted = False
        self.next_in = self.next_out = 0
        self.running: dict[Any, tuple[int, BatchPrompt, int]] = {}
        self.requeued: deque[tuple[int, BatchPrompt, int]] = deque()
        self.finished: dict[int, BatchResult] = {}
        self.executor = None
        if not _is_async_model(batch.model):
            self.executor = ThreadPoolExecutor(
                max_workers=batch.parallel, thread_name_prefix="llm-batch"
            )

    @property
    def over(self) -> bool:
        return (
            self.exhausted
            and not self.running
            and not self.requeued
            and not self.finished
        )

    def on_notice(self, notice: Any) -> None:
        """A retry is about to wait (any thread): a rate limit slows everyone down."""
        if notice.rate_limited:
            self.loop.call_soon_threadsafe(self.batch._gate.slow_down, notice.delay)

    def _start(self, index: int, item: BatchPrompt, tries: int) -> None:
        import asyncio
        import contextvars

        model = self.batch.model
        if self.executor is None:
            future: Any = asyncio.ensure_future(_run_async_row(model, index, item))
        else:
            context = contextvars.copy_context()
            future = self.loop.run_in_executor(
                self.executor, context.run, _run_sync_row, model, index, item
            )
        self.running[future] = (index, item, tries)

    def _complete(self, result: BatchResult) -> None:
        if self.batch.on_result is not None:
            self.batch.on_result(result)
        self.finished[result.index] = result

    def _take(self) -> tuple[int, BatchPrompt, int] | None:
        """The next prompt to start (a requeued one first), or None for now."""
        while True:
            if self.requeued:
                return self.requeued.popleft()
            window_full = self.next_in >= self.next_out + self.batch.window
            if self.exhausted or window_full:
                return None
            try:
                taken = next(self.source)
            except StopIteration:
                self.exhausted = True
                return None
            index = self.next_in
            self.next_in += 1
            if isinstance(taken, BatchResult):  # answered by an earlier run
                taken.index = index
                self.finished[index] = taken
            elif taken.error is not None:
                self._complete(BatchResult(index, taken, error=taken.error))
            else:
                return index, taken, 0

    def fill(self) -> None:
        """Start prompts until as many run as the gate allows."""
        while len(self.running) < self.batch._gate.limit:
            taken = self._take()
            if taken is None:
                break
            self._start(*taken)
        self.batch._running = len(self.running)

    async def harvest(self) -> None:
        """Wait for at least one running prompt to finish and deal with it."""
        import asyncio

        if not self.running:
            return
        done, _ = await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            index, item, tries = self.running.pop(future)
            result = future.result()
            if self.batch._requeue(result, tries):
                self.requeued.appendleft((index, item, tries + 1))
                continue
            if result.ok:
                self.batch._gate.succeeded()
            self.batch._running = len(self.running)
            self._complete(result)

    def ready(self) -> Iterator[BatchResult]:
        """Finished results whose turn has come, in input order."""
        while self.next_out in self.finished:
            yield self.finished.pop(self.next_out)
            self.next_out += 1

    async def stop(self) -> None:
        """Cancel what still runs; report prompts cut short, so they can be logged."""
        import asyncio

        if self.running:
            for future in self.running:
                future.cancel()
            outcomes = await asyncio.gather(*self.running, return_exceptions=True)
            self.running.clear()
            for outcome in outcomes:
                if isinstance(outcome, BatchResult) and outcome.responses:
                    outcome.interrupted = True
                    if self.batch.on_result is not None:
                        self.batch.on_result(outcome)
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)


class Batch:
    """Runs prompts against one model, at most ``parallel`` at a time, results in input order.

    ``on_result(result)`` is called for each prompt as soon as it finishes (in
    the order they finish), for work that should not wait its turn, such as
    logging. ``window`` caps how far past the oldest unfinished prompt new
    ones may start (default eight times ``parallel``).
    """

    def __init__(
        self,
        model: Any,
        *,
        parallel: int = DEFAULT_PARALLEL,
        on_result: Callable[[BatchResult], Any] | None = None,
        window: int | None = None,
    ) -> None:
        if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
            raise ValueError(
                f"parallel must be a whole number of 1 or more, got {parallel!r}"
            )
        self.model = model
        self.parallel = parallel
        self.on_result = on_result
        self.window = window or max(64, parallel * 8)
        self._gate = _Gate(parallel)
        self._running = 0

    @property
    def limit(self) -> int:
        """How many prompts may run at once right now (lower after rate limits)."""
        return self._gate.limit

    @property
    def running(self) -> int:
        """How many prompts are running now."""
        return self._running

    async def results(
        self, prompts: Iterable[BatchPrompt | BatchResult]
    ) -> AsyncGenerator[BatchResult, None]:
        """Run ``prompts``, yielding a BatchResult for each in input order.

        A BatchPrompt with ``error`` set becomes a failed result in its place,
        without stopping the others; a BatchResult (a prompt answered by an
        earlier run) is passed through as it is.
        """
        from .http import sharing_clients_async
        from .retries import add_retry_listener, remove_retry_listener, wait_async

        run = _Run(self, prompts)
        add_retry_listener(run.on_notice)
        try:
            async with sharing_clients_async():
                try:
                    while not run.over:
                        if self._gate.pause:
                            pause, self._gate.pause = self._gate.pause, 0.0
                            await wait_async(pause)
                        run.fill()
                        await run.harvest()
                        for result in run.ready():
                            yield result
                finally:
                    await run.stop()
        finally:
            remove_retry_listener(run.on_notice)

    def _requeue(self, result: BatchResult, tries: int) -> bool:
        """Whether a prompt that failed for a rate limit should be run again later."""
        from .retries import is_rate_limit

        if result.error is None or tries >= RATE_LIMIT_REQUEUES:
            return False
        if not is_rate_limit(result.error):
            return False
        self._gate.slow_down(0.0)
        return True


def _settle(result: BatchResult) -> Any:
    """The response to hand back for ``result``, marked failed if it never got to."""
    response = result.response
    if response is None:
        if result.error is not None:
            raise result.error
        return None
    if result.error is not None and not response._done:
        response._abort(result.error)
    return response


async def abatch(
    model: Any,
    prompts: Iterable[Any],
    *,
    parallel: int = DEFAULT_PARALLEL,
    **kwargs: Any,
) -> AsyncIterator[Any]:
    """Run every prompt against ``model``, ``parallel`` at a time; yield responses in input order.

    ``prompts`` are strings, dicts of prompt arguments (``{"prompt": ...,
    "system": ...}``) or BatchPrompts; ``kwargs`` (system, options, schema,
    tools, key ...) apply to all of them. A prompt that failed still comes
    back in its place with ``response.error`` set. An async model's prompts
    run as tasks, a sync model's on threads (their responses are sync).
    """
    from contextlib import aclosing

    items = (as_batch_prompt(item, kwargs) for item in prompts)
    runner = Batch(model, parallel=parallel)
    async with aclosing(runner.results(items)) as results:
        async for result in results:
            yield _settle(result)


def batch(
    model: Any,
    prompts: Iterable[Any],
    *,
    parallel: int = DEFAULT_PARALLEL,
    **kwargs: Any,
) -> Iterator[Any]:
    """Run every prompt against ``model``, ``parallel`` at a time; yield responses in input order.

    The sync twin of ``abatch``: takes the same arguments and yields sync
    ``Response`` objects, each complete. With an async model the prompts run
    concurrently on an event loop in a helper thread; with a sync model, on
    ``parallel`` worker threads.
    """
    import asyncio
    import queue
    import threading

    items = (as_batch_prompt(item, kwargs) for item in prompts)
    handoff: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(64, parallel * 8))
    stop = threading.Event()
    runner = Batch(model, parallel=parallel)
    running: dict[str, Any] = {}

    async def produce() -> None:
        from contextlib import aclosing

        running["loop"] = asyncio.get_running_loop()
        running["task"] = asyncio.current_task()
        convert = _is_async_model(model)
        async with aclosing(runner.results(items)) as results:
            async for result in results:
                if stop.is_set():
                    return
                if convert and result.response is not None:
                    _settle(result)
                    result.responses = [
                        await response.to_sync_response()
                        for response in result.responses
                    ]
                await asyncio.to_thread(handoff.put, ("result", result))

    def run() -> None:
        try:
            asyncio.run(produce())
        except BaseException as ex:  # handed to the consumer, which raises it
            handoff.put(("error", ex))
        else:
            handoff.put(("end", None))

    thread = threading.Thread(target=run, name="llm-batch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield _settle(value)
    finally:
        stop.set()
        if "task" in running:  # stop what still runs, rather than wait for it
            try:
                running["loop"].call_soon_threadsafe(running["task"].cancel)
            except RuntimeError:  # the loop has already finished
                pass
        while thread.is_alive():
            try:
                handoff.get(timeout=0.05)
            except queue.Empty:
                pass
