"""Stopping a running prompt - Ctrl-C, SIGTERM, SIGHUP - without losing its log entry.

The first signal stops the response: Ctrl-C raises KeyboardInterrupt, SIGTERM
and SIGHUP raise ``Terminated``, and what arrived is logged as interrupted.
People press Ctrl-C twice; a repeat must not interrupt the log write that
the first one started. So while a log entry is being written (``shielded()``)
signals wait: a repeat is ignored, and a first signal is honoured as soon as
the entry is written. That wait is bounded - after an interrupt llm waits at
most INTERRUPTED_LOG_WAIT seconds for a locked database before spooling the
entry instead (see ``llm.logs.pending``). Outside a log write, a repeat that
comes GRACE_SECONDS or more after the first is honoured, so a plugin that
swallowed the first Ctrl-C can still be stopped.

Only signals still at their default action are taken over, so ``nohup``
(which ignores SIGHUP) and handlers set by the caller keep working.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from typing import Any, NoReturn

INTERRUPTED_EXIT_CODE = 130  # 128 + SIGINT, as a shell reports Ctrl-C
GRACE_SECONDS = 2.0
# How long the log write after an interrupt waits for a locked database.
INTERRUPTED_LOG_WAIT = 2.0
STOP_SIGNALS = ("SIGTERM", "SIGHUP")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: stop like Ctrl-C, then exit with 128 + its number.

    A KeyboardInterrupt so every place that keeps what arrived on Ctrl-C
    (core marking the response, the CLI logging it) does the same here.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _interrupt(signum: int) -> KeyboardInterrupt:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated(signum)


class InterruptGuard:
    """The signal handler for one running prompt (see the module docstring)."""

    def __init__(self) -> None:
        self.stopping_since: float | None = None
        self.deferred: int | None = None
        self.shielding = 0

    def handler(self, signum: int, frame: Any) -> None:
        now = time.monotonic()
        if self.stopping_since is None:
            self.stopping_since = now
            if self.shielding:
                self.deferred = signum  # honoured once the entry is written
                return
            raise _interrupt(signum)
        if self.shielding or now - self.stopping_since < GRACE_SECONDS:
            return  # a repeat: the first one is already being acted on
        raise _interrupt(signum)

    @property
    def stopping(self) -> bool:
        """True once a stop signal has arrived."""
        return self.stopping_since is not None

    @contextlib.contextmanager
    def shield(self) -> Iterator[None]:
        """Hold signals back while a log entry is written; a first one is raised after."""
        self.shielding += 1
        try:
            yield
        finally:
            self.shielding -= 1
        if not self.shielding and self.deferred is not None:
            signum, self.deferred = self.deferred, None
            raise _interrupt(signum)


class _Repeats:
    """After a stop, the signal's handler: repeats are ignored for a moment, then it acts as before.

    The second of a double Ctrl-C often lands after the prompt has already
    stopped - while ``llm`` exits, or once ``llm chat`` is back at its input
    line - and must not cause a traceback or end the chat.
    """

    def __init__(self, action: Any, since: float) -> None:
        self.action = action
        self.since = since

    def __call__(self, signum: int, frame: Any) -> None:
        if time.monotonic() - self.since < GRACE_SECONDS:
            return
        signal.signal(signum, self.action)
        if self.action is signal.default_int_handler:
            raise KeyboardInterrupt
        if self.action is signal.SIG_DFL:
            os.kill(os.getpid(), signum)  # the default action: usually, exit


_current: InterruptGuard | None = None


def _take_over(guard: InterruptGuard) -> dict[int, Any]:
    """Point SIGINT, SIGTERM and SIGHUP at ``guard``; returns the actions replaced."""
    previous: dict[int, Any] = {}
    wanted = [(signal.SIGINT, signal.default_int_handler)]
    for name in STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            wanted.append((number, signal.SIG_DFL))
    for number, default in wanted:
        action = signal.getsignal(number)
        if isinstance(action, _Repeats):
            action = action.action
        if action is not default:
            continue
        try:
            signal.signal(number, guard.handler)
        except ValueError:  # not the main thread: leave signals alone
            break
        previous[number] = action
    return previous


@contextlib.contextmanager
def guarding() -> Iterator[InterruptGuard]:
    """Install an InterruptGuard for SIGINT, SIGTERM and SIGHUP while a prompt runs."""
    global _current
    guard = InterruptGuard()
    previous = _take_over(guard)
    outer, _current = _current, guard
    try:
        yield guard
    finally:
        _current = outer
        stopped = guard.stopping_since is not None
        for number, action in previous.items():
            if stopped:
                action = _Repeats(action, time.monotonic())
            signal.signal(number, action)


def exit_stopped(code: int = INTERRUPTED_EXIT_CODE) -> NoReturn:
    """Exit after a stop signal with ``code``, ignoring any more of them on the way out.

    A repeated Ctrl-C landing while Python shuts down would otherwise kill
    the process by signal: Python hands signals back to their default action
    as it finishes.
    """
    for name in ("SIGINT", *STOP_SIGNALS):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError):  # not the main thread
                signal.signal(number, signal.SIG_IGN)
    raise SystemExit(code)


def shielded() -> contextlib.AbstractContextManager[None]:
    """``shield()`` of the running prompt's guard (nothing outside one)."""
    if _current is None:
        return contextlib.nullcontext()
    return _current.shield()


def holding_signals() -> contextlib.ExitStack:
    """``shielded()``, entered now: leaving the returned stack honours a held signal.

    For the moment a response has finished streaming: a Ctrl-C from then on
    waits until it is logged, with no gap before the log write starts.
    """
    stack = contextlib.ExitStack()
    stack.enter_context(shielded())
    return stack


def interrupted_wait() -> float | None:
    """How long a log write may wait for the database: capped once a stop signal arrived."""
    if _current is not None and _current.stopping:
        return INTERRUPTED_LOG_WAIT
    return None
