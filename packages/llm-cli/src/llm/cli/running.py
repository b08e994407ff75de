"""Running a prepared prompt: streaming output, reasoning, logging, usage and Ctrl-C.

Text goes to stdout as it arrives (flushed per chunk), or as rendered
Markdown when ``Display.render`` is set; reasoning, tool-call details, token
usage and cost go to stderr. Every response of a chain is logged, including
one that failed or was interrupted part way (with what arrived).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from .interrupts import holding_signals, interrupted_wait, shielded
from .printing import StreamPrinter
from .prompting import Session

if TYPE_CHECKING:
    from .inputs import Stdin


@dataclass
class Display:
    """How to present a response."""

    stream: bool = True
    extract: bool = False
    extract_last: bool = False
    usage: bool = False
    json: bool = False
    log: bool = True
    render: bool = False  # rendered Markdown (never with extract or json)

    @property
    def buffered(self) -> bool:
        return not self.stream or self.extract or self.extract_last or self.json


def log_responses(responses: list[Any], session: Session, display: Display) -> Any:
    """Log each started response; returns the database, or None if nothing was written.

    Stop signals wait until the entries are written (see ``interrupts``).
    Entries spooled earlier because the database was locked are written
    first. If the database stays locked past the busy timeout - or past a
    few seconds once the user has pressed Ctrl-C - the responses are spooled
    to the user directory instead, with a warning, and the next run that can
    write logs them: they were already shown, so they are never dropped.
    """
    if not display.log:
        return None
    # A response that never started (it failed while being built) has nothing to log;
    # one that stopped part way is logged with what arrived.
    started = [r for r in responses if r.started]
    if not started:
        return None
    from llm.logs.pending import is_locked, replay_pending, spool_response
    from llm.sqlite import busy_wait_at_most

    with shielded():
        try:
            db = session.logs.get()
            with busy_wait_at_most(db, interrupted_wait()):
                replay_pending(db)
                for response in started:
                    response.log_to_db(db)
            return db
        except Exception as ex:
            if not is_locked(ex):
                raise
        path = session.logs.file()
        for response in started:
            spool_response(path, response)
    warn_spooled(path, "the response was")
    return None


def warn_spooled(path: Any, what: str) -> None:
    """Say on stderr that ``what`` waits in ``logs-pending/`` for the locked ``path``."""
    from llm.logs.pending import pending_dir

    click.echo(
        f"Warning: {path} is locked by another process; {what} saved "
        f"in {pending_dir()} and will be logged by the next llm command that can "
        "write to it",
        err=True,
    )


def json_records(responses: list[Any], db: Any) -> list[dict[str, Any]]:
    """The ``llm logs --json`` records for these responses.

    They are read back from the logs database they were written to, or from a
    throwaway in-memory one when logging is off (or the entries were spooled).
    """
    if db is not None:
        return _read_records(responses, db)
    from llm.logs import memory_logs_db

    with memory_logs_db() as memory:
        for response in responses:
            response.log_to_db(memory)
        return _read_records(responses, memory)


def _read_records(responses: list[Any], db: Any) -> list[dict[str, Any]]:
    from llm.logs import LogFilter, iter_logs

    ids = {response.id for response in responses}
    conversation_ids = {
        response.conversation.id for response in responses if response.conversation
    }
    found: list[dict[str, Any]] = []
    for conversation_id in conversation_ids or {None}:
        filt = LogFilter(count=0, id_gte=min(ids), conversation_id=conversation_id)
        found.extend(record for record in iter_logs(db, filt) if record["id"] in ids)
    found.sort(key=lambda record: record["id"])
    return found


def usage_line(responses: list[Any]) -> str | None:
    """``Token usage: ...`` summed over the responses, or None if none reported any."""
    from llm.usage import token_usage_string

    inputs = [r.input_tokens for r in responses if r.input_tokens is not None]
    outputs = [r.output_tokens for r in responses if r.output_tokens is not None]
    details = None
    if len(responses) == 1:
        details = responses[0].token_details
    text = token_usage_string(
        sum(inputs) if inputs else None, sum(outputs) if outputs else None, details
    )
    return f"Token usage: {text}" if text else None


def fallback_lines(responses: list[Any]) -> list[str]:
    """``Answered by B after A failed: ...`` for each response that fell back."""
    lines = []
    for response in responses:
        failed = getattr(response, "failed_models", None)
        if failed:
            tried = "; ".join(f"{f.model_id} failed: {f.error}" for f in failed)
            lines.append(f"Answered by {response.model.model_id} after {tried}")
    return lines


def cost_line(responses: list[Any]) -> str:
    """``Cost: ...`` for the responses: the total and parts, or why it is unknown."""
    from llm.pricing import cost_summary

    entries = []
    for response in responses:
        record = response.record()
        has_usage = record.usage.input is not None or record.usage.output is not None
        entries.append((record.model_id, record.cost, has_usage))
    return "Cost: " + cost_summary(entries)


def finish_output(
    responses: list[Any], display: Display, db: Any, printer: StreamPrinter
) -> None:
    """Print what buffered modes held back, then usage."""
    import json

    from llm.utils import extract_fenced_code_block

    if display.json:
        click.echo(json.dumps(json_records(responses, db), indent=2))
    elif display.buffered:
        text = "".join(r.text_or_raise() for r in responses)
        if display.extract or display.extract_last:
            text = extract_fenced_code_block(text, last=display.extract_last) or text
        if display.render:
            from .render import print_markdown

            print_markdown(text)
        else:
            click.echo(text, nl=not text.endswith("\n"))
    else:
        printer.finish()
    if display.usage:
        for note in fallback_lines(responses):
            click.echo(click.style(note, fg="yellow"), err=True)
        for line in (usage_line(responses), cost_line(responses)):
            if line:
                click.echo(click.style(line, fg="yellow", bold=True), err=True)


@contextmanager
def _log_on_failure(
    responses: list[Any],
    session: Session,
    display: Display,
    printer: StreamPrinter,
    interrupts: tuple[type[BaseException], ...],
) -> Iterator[None]:
    """If the run stops early, end the output line and log what arrived, then re-raise.

    Core marks a response interrupted itself when the interrupt lands inside the
    model's generator; one that lands between chunks (in our printing code)
    leaves it open, so ``cancel()`` finishes it the same way.
    """
    try:
        yield
    except BrokenPipeError:
        # The reader went away (``llm ... | head``): writing anything more to
        # stdout would fail again, so keep what arrived and let main() exit.
        if responses:
            responses[-1].cancel()
        log_responses(responses, session, display)
        raise
    except interrupts:
        if responses:
            responses[-1].cancel()
        printer.finish(interrupted=True)
        log_responses(responses, session, display)
        raise
    except BaseException:
        printer.finish(interrupted=True)
        log_responses(responses, session, display)
        raise


def _printer(session: Session, display: Display) -> StreamPrinter:
    show_reasoning = not session.hide_reasoning and not display.json
    if display.render and not display.buffered:
        from .printing import MarkdownPrinter
        from .render import make_console, stdout_is_terminal

        return MarkdownPrinter(
            make_console(), show_reasoning=show_reasoning, live=stdout_is_terminal()
        )
    return StreamPrinter(show_text=not display.buffered, show_reasoning=show_reasoning)


def run_sync(
    session: Session, prompt: str | None, kwargs: dict[str, Any], display: Display
) -> list[Any]:
    """Run a chain on a sync model, printing as configured; returns its responses."""
    chain = session.conversation.chain(prompt, **kwargs)
    printer = _printer(session, display)
    responses: list[Any] = []
    with _log_on_failure(responses, session, display, printer, (KeyboardInterrupt,)):
        for response in chain.responses():
            responses.append(response)
            for event in response.stream_events():
                printer.event(event)
            # The chain runs tool calls (and the --td/--ta output) next.
            printer.end_response()
        # From here a stop signal waits until the responses are logged.
        logging = holding_signals()
    with logging:
        db = log_responses(responses, session, display)
    finish_output(responses, display, db, printer)
    return responses


async def _run_async(
    session: Session, prompt: str | None, kwargs: dict[str, Any], display: Display
) -> list[Any]:
    import asyncio

    chain = session.conversation.chain(prompt, **kwargs)
    printer = _printer(session, display)
    responses: list[Any] = []
    interrupts = (KeyboardInterrupt, asyncio.CancelledError)
    with _log_on_failure(responses, session, display, printer, interrupts):
        async for response in chain.responses():
            responses.append(response)
            async for event in response.astream_events():
                printer.event(event)
            printer.end_response()
        logging = holding_signals()
    with logging:
        db = log_responses(responses, session, display)
    finish_output(responses, display, db, printer)
    return responses


def run_async(
    session: Session, prompt: str | None, kwargs: dict[str, Any], display: Display
) -> list[Any]:
    """Run a chain on an async model with asyncio."""
    import asyncio

    return asyncio.run(_run_async(session, prompt, kwargs, display))


def run_input(
    session: Session,
    argument: str | None,
    stdin: Stdin,
    display: Display,
    *,
    wait_for_input: bool = False,
) -> list[Any]:
    """Run one prompt: ``argument`` and piped input, through the session's template.

    With nothing to send, an ``Error`` says so before any model is called; a
    logs database that cannot be used is reported before the model runs too.
    ``wait_for_input`` reads the prompt from the terminal when there is none.
    """
    from .inputs import combine_prompt
    from .prompting import check_has_input

    text = combine_prompt(argument, stdin, wait_for_input=wait_for_input)
    prompt_text, system = session.evaluate(text)
    check_has_input(session, prompt_text, system)
    if display.log:
        session.logs.get()
    # Output printed only at the end (-x, --xl, --json) is asked for whole.
    kwargs = session.prompt_kwargs(system, stream=not display.buffered)
    return run(session, prompt_text, kwargs, display)


def run(
    session: Session, prompt: str | None, kwargs: dict[str, Any], display: Display
) -> list[Any]:
    """Run the prompt with the session's (sync or async) model.

    SIGTERM and SIGHUP stop it the way Ctrl-C does (what arrived is logged as
    interrupted), then exit with the usual 128 + signal number; so does a
    closed output pipe (141, as for SIGPIPE).
    """
    from llm.models import AsyncKeyModel, AsyncModel
    from llm.retries import notices_on_stderr

    from .interrupts import Terminated, exit_stopped, guarding

    with guarding(), notices_on_stderr():
        try:
            if isinstance(session.model, (AsyncModel, AsyncKeyModel)):
                return run_async(session, prompt, kwargs, display)
            return run_sync(session, prompt, kwargs, display)
        except Terminated as ex:
            exit_stopped(ex.exit_code)
        except BrokenPipeError:
            # Click would report a closed pipe as status 1; exit as SIGPIPE would.
            from . import BROKEN_PIPE_EXIT_CODE, silence_stdout

            silence_stdout()
            raise SystemExit(BROKEN_PIPE_EXIT_CODE) from None
