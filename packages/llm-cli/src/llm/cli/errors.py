"""Turning expected failures into ``Error: ...`` messages with exit code 1.

Commands wrap their work in ``handle_errors()``; any ordinary exception (ours,
a plugin's or its SDK's) becomes a click error. Set ``LLM_RAISE_ERRORS=1`` to see the original traceback instead.
"""

from __future__ import annotations

import contextlib
import os
from types import TracebackType
from typing import Literal

import click


def raise_errors() -> bool:
    """True when LLM_RAISE_ERRORS asks for real tracebacks."""
    return bool(os.environ.get("LLM_RAISE_ERRORS"))


def error_message(ex: BaseException) -> str:
    """The user-facing text for an exception (KeyError without its quotes), API keys masked."""
    from llm.redaction import scrub_secrets

    return scrub_secrets(_message(ex))


def _message(ex: BaseException) -> str:
    if isinstance(ex, KeyError) and type(ex).__str__ is KeyError.__str__:
        return str(ex.args[0]) if ex.args else "Not found"
    if isinstance(ex, OSError) and ex.strerror:
        where = f": {ex.filename}" if ex.filename else ""
        return f"{ex.strerror}{where}"
    text = str(ex)
    return text or type(ex).__name__


def _expected(ex: BaseException) -> bool:
    """Every ordinary exception is reported as ``Error: ...``.

    Plugins raise their SDKs' own exceptions (authentication, rate limits,
    network failures), and a user should never face a traceback for those;
    ``LLM_RAISE_ERRORS=1`` shows it when debugging.
    """
    return isinstance(ex, Exception)


class handle_errors(contextlib.ContextDecorator):
    """Context manager and decorator: expected exceptions become ``Error: message``."""

    def __enter__(self) -> handle_errors:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc is None or isinstance(
            exc, (click.exceptions.Exit, click.ClickException)
        ):
            return False
        if isinstance(
            exc, (click.Abort, KeyboardInterrupt, SystemExit, BrokenPipeError)
        ):
            return False
        if raise_errors() or not _expected(exc):
            return False
        raise click.ClickException(error_message(exc)) from exc
