"""Running ``llm batch`` here: rows in, prompts run ``--parallel`` at a time, JSON lines out.

The model's async version is used when it has one (asyncio tasks), otherwise
its sync version on worker threads (llm-core's ``llm.batching``). Input is read
as it is needed and each output line is written as soon as it and every
earlier one are done, so memory stays flat. Responses are logged as they
finish by a background writer (``llm.logs.background``), tagged with the
batch ID, along with each row's outcome; ``--resume`` reads those outcomes to
skip rows that already succeeded.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import IO, Any

import click

from .batch_output import (
    Progress,
    Tally,
    check_output,
    count_rows,
    open_output,
    row_output,
    write_line,
)
from .batch_rows import RowInfo, RowPrompts
from .interrupts import INTERRUPTED_EXIT_CODE
from .prompting import PromptRequest, Session
from .running import warn_spooled


@dataclass
class BatchOptions:
    """The ``llm batch`` options that are not prompt options."""

    input: str
    format: str | None = None
    column: str | None = None
    parallel: int = 4
    output: str | None = None
    resume: bool = False
    log: bool = True

    @property
    def input_source(self) -> str:
        """The input as recorded with the batch: ``-``, or the file's absolute path.

        Absolute, so ``llm batch fetch`` run from another directory still
        knows which file it was.
        """
        return self.input if self.input == "-" else os.path.abspath(self.input)


def prepare_batch_session(request: PromptRequest, options: BatchOptions) -> Session:
    """The session every row shares: model, options, template, schema, fragments, tools."""
    from llm.errors import UnknownModelError

    from .inputs import Stdin, claims_stdin
    from .prompting import prepare_session

    stdin = Stdin()
    if options.input == "-":
        if claims_stdin(
            request.attachments,
            request.attachment_types,
            request.fragments,
            request.system_fragments,
        ):
            raise click.ClickException(
                "Standard input is the batch input, so -a - and -f - cannot read it"
            )
        stdin.claimed = True
    try:
        session = prepare_session(request, stdin)
    except UnknownModelError as first:
        try:  # a model that only has an async version
            session = prepare_session(replace(request, async_=True), stdin)
        except UnknownModelError:
            raise first from None
    resolve_key_once(session)
    return session


def resolve_key_once(session: Session) -> None:
    """Look the model's key up once for the whole batch, not once per row.

    keys.json (or the keychain) is then read once, not a thousand times. With
    no key at all the batch stops here, before any row runs (a thousand rows
    failing alike would say it a thousand times), unless the model has
    fallbacks to answer instead.
    """
    from llm.errors import NeedsKeyException
    from llm.fallbacks import resolve_fallbacks

    model = session.model
    if not getattr(model, "needs_key", None):
        return
    try:
        session.key = model.get_key(session.key) or session.key
    except NeedsKeyException:
        if not resolve_fallbacks(session.fallbacks, model):
            raise


def concurrent_model(model: Any) -> Any:
    """The model's async version when it has one: it runs prompts without threads."""
    import llm
    from llm.errors import UnknownModelError
    from llm.models import AsyncKeyModel, AsyncModel

    if isinstance(model, (AsyncModel, AsyncKeyModel)):
        return model
    try:
        return llm.get_async_model(model.model_id)
    except UnknownModelError:
        return model


def fingerprint(request: PromptRequest, options: BatchOptions, model_id: str) -> str:
    """What makes two runs "the same command" for ``--resume``."""
    import hashlib

    settings = {
        "model": model_id,
        "input": options.input_source,
        "format": options.format,
        "column": options.column,
        "system": request.system,
        "options": sorted(request.options),
        "template": request.template,
        "params": sorted(request.params),
        "schema": request.schema,
        "schema_multi": request.schema_multi,
        "fragments": list(request.fragments),
        "system_fragments": list(request.system_fragments),
        "attachments": list(request.attachments),
        "attachment_types": sorted(request.attachment_types),
        "tools": list(request.tools),
        "functions": list(request.functions),
        "chain_limit": request.chain_limit,
    }
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@contextmanager
def input_stream(path: str) -> Iterator[Any]:
    """The input as a binary stream: a file, or standard input for ``-``."""
    if path == "-":
        yield getattr(sys.stdin, "buffer", sys.stdin)
        return
    with open(path, "rb") as fp:
        yield fp


def _rows(options: BatchOptions, stream: Any, template: bool) -> Iterator[Any]:
    from llm.rows import read_rows

    columns = {options.column or "prompt"} | ({"input"} if template else set())
    for row in read_rows(stream, options.format, plain_lines=True, columns=columns):
        if options.column and row.format == "lines":
            # Plain lines have no columns: --column would be silently ignored.
            raise click.ClickException(
                f"--column {options.column}: the input was read as plain lines "
                "(one prompt per line), which have no columns; give CSV or TSV "
                f"with a '{options.column}' header, or JSON with that field"
            )
        yield row


def check_column(options: BatchOptions, template: bool) -> None:
    """Refuse ``--column`` for an input file read as plain lines, before anything is logged."""
    if not options.column or options.input == "-":
        return
    with input_stream(options.input) as stream:
        next(_rows(options, stream, template), None)


def read_input_rows(
    options: BatchOptions, prompts: RowPrompts, template: bool
) -> Iterator[tuple[Any, RowInfo]]:
    """(row, info) for every row of the input, streamed."""
    with input_stream(options.input) as stream:
        for row in _rows(options, stream, template):
            yield row, prompts.info(row)


def report_failure(info: RowInfo, output: dict[str, Any], progress: Progress) -> None:
    """``Error: CSV line 7: ...`` on stderr for a row that failed."""
    message = output["error"]
    if info.location and not info.bad_input:
        message = f"{info.location}: {message}"
    progress.finish()
    click.echo(f"Error: {message}", err=True)


class LocalBatch:
    """One ``llm batch`` run: reads rows, runs them, writes output, logs, tallies."""

    def __init__(
        self,
        session: Session,
        options: BatchOptions,
        *,
        batch_id: str | None,
        db: Any = None,
        resuming: bool = False,
    ) -> None:
        self.session = session
        self.options = options
        self.model = concurrent_model(session.model)
        self.batch_id = batch_id
        self.db = db
        self.resuming = resuming
        self.schema = session.schema is not None
        self.tally = Tally()
        self.writer: Any = None
        self.spooled = 0  # writes saved to logs-pending/ while logs.db was locked
        # Earlier entries (the batch, or an earlier run's) wait in logs-pending/:
        # this run's rows are spooled after them, never written ahead of them.
        self.behind = False
        self.progress = Progress()
        self.runner: Any = None

    def items(self) -> Iterator[Any]:
        """The batch's prompts; rows an earlier run answered come back as results."""
        from llm.batching import BatchPrompt, BatchResult
        from llm.logs.batches import DONE, get_row

        prompts = RowPrompts(self.session, self.options.column)
        template = self.session.template is not None
        for row, info in read_input_rows(self.options, prompts, template):
            if (
                self.resuming
                and self.batch_id is not None
                and info.duplicate_of is None
            ):
                earlier = get_row(self.db, self.batch_id, info.key)
                if earlier is not None and earlier.status == DONE and earlier.output:
                    info.output, info.skipped = earlier.output, True
                    yield BatchResult(0, BatchPrompt(tag=info))
                    continue
            yield prompts(row, info)

    def on_result(self, result: Any) -> None:
        """A row finished (in any order): work out its output line and log it."""
        from llm.logs.batches import DONE, ERROR, BatchRow
        from llm.logs.pending import BatchRowEntry

        info: RowInfo = result.tag
        records = [
            response.record() for response in result.responses if response.started
        ]
        error = result.error
        if error is None and result.interrupted:
            error = "Interrupted before it finished"
        output = row_output(info, records, error, self.schema)
        info.output = output
        if self.writer is None or self.batch_id is None:
            return
        if info.duplicate_of is not None:  # its id belongs to an earlier row
            return
        row = BatchRow(
            key=info.key,
            line=info.line,
            status=ERROR if output["error"] else DONE,
            error=output["error"],
            response_id=records[-1].id if records else None,
            output=output,
        )
        self.writer.submit(BatchRowEntry(self.batch_id, records, row))

    async def _drive(self, out: IO[str]) -> None:
        from contextlib import aclosing

        from llm.batching import Batch

        parallel = self.options.parallel
        self.runner = Batch(self.model, parallel=parallel, on_result=self.on_result)
        async with aclosing(self.runner.results(self.items())) as results:
            async for result in results:
                info: RowInfo = result.tag
                output = info.output or {}
                write_line(out, output)
                self.tally.add(output, skipped=info.skipped)
                if output.get("error") and not info.skipped:
                    report_failure(info, output, self.progress)
                limit = self.runner.limit
                note = f"rate limited: {limit} at a time" if limit < parallel else ""
                self.progress.update(self.tally, self.runner.running, note)

    def run(self) -> str:
        """Run every row; returns how the batch ended: done, failed or interrupted."""
        import asyncio

        options = self.options
        if self.progress.enabled and options.input != "-":
            self.progress.total = count_rows(options.input, options.format or "lines")
        if self.db is not None and self.batch_id is not None:
            from llm.logs.background import BackgroundWriter

            self.writer = BackgroundWriter(
                self.db.path, spool=True, spooling=self.behind
            )
        out = open_output(options.output)
        ending = "interrupted"
        try:
            asyncio.run(self._drive(out))
            ending = "failed" if self.tally.failed else "done"
        except KeyboardInterrupt:
            pass
        finally:
            self.progress.finish()
            try:
                out.flush()
            finally:
                if out is not sys.stdout:
                    out.close()
                if self.writer is not None:
                    try:
                        self.writer.close()
                    finally:
                        self.spooled += self.writer.spooled
        return ending


def run_local_batch(request: PromptRequest, options: BatchOptions) -> None:
    """``llm batch INPUT``: run every row, write JSON lines, log; exit 1 if any row failed.

    While another process holds the logs database past the busy timeout, what
    the batch would log - the batch itself, each row, its final status - is
    spooled to ``logs-pending/`` and written by the next run that can.
    """
    from llm.ids import monotonic_ulid
    from llm.logs.batches import BatchInfo, create_batch, latest_batch, update_batch
    from llm.logs.pending import (
        is_locked,
        replay_pending,
        spool_batch,
        spool_batch_status,
        write_or_spool,
    )

    from .inputs import open_command_logs_db

    check_output(options.output, options.input)
    session = prepare_batch_session(request, options)
    check_column(options, session.template is not None)
    db = open_command_logs_db(request.database) if options.log else None
    if options.resume and db is None:
        raise click.ClickException(
            "--resume needs logging: it reads what an earlier run logged"
        )
    spooled = 0
    # Once an entry waits in logs-pending/, the later ones follow it there, so
    # the next run replays them in order (a status written directly before
    # the spooled batch exists would be lost, and the batch left "running").
    behind = False

    def record(write: Any, spool: Any) -> None:
        nonlocal spooled, behind
        if behind:
            spool(db.path)
            spooled += 1
        elif write_or_spool(db, write, spool):
            spooled += 1
            behind = True

    def set_status(batch_id: str, status: str) -> None:
        record(
            lambda d: update_batch(d, batch_id, status=status),
            lambda path: spool_batch_status(path, batch_id, status),
        )

    batch = None
    if db is not None:
        try:
            replay_pending(db)
        except Exception as ex:  # still locked: they wait for a later run
            if not is_locked(ex):
                raise
            behind = True
        key = fingerprint(request, options, session.model.model_id)
        if options.resume:
            batch = latest_batch(db, key)
            if batch is None:
                click.echo("No earlier run of this batch to resume: starting", err=True)
        if batch is None:
            batch = BatchInfo(
                id=monotonic_ulid(),
                model=session.model.model_id,
                datetime_utc="",
                fingerprint=key,
                input=options.input_source,
                status="running",
            )
            new = batch
            record(
                lambda d: create_batch(d, new),
                lambda path: spool_batch(path, new),
            )
        else:
            set_status(batch.id, "running")
    run = LocalBatch(
        session,
        options,
        batch_id=batch.id if batch else None,
        db=db,
        resuming=options.resume and batch is not None,
    )
    run.behind = behind
    started = time.monotonic()
    ending = "failed"  # unless it ends: unreadable input, an unusable database
    try:
        ending = run.run()
    finally:
        spooled += run.spooled
        behind = behind or run.spooled > 0
        if db is not None and batch is not None:
            set_status(batch.id, ending)
        if spooled:
            warn_spooled(db.path, "this batch's log entries were")
    summary = run.tally.summary(
        batch.id if batch else None,
        time.monotonic() - started,
        session.model.model_id,
    )
    if ending == "interrupted":
        summary += " (interrupted: run again with --resume to finish)"
    click.echo(summary, err=True)
    if ending == "interrupted":
        raise SystemExit(INTERRUPTED_EXIT_CODE)
    if run.tally.failed:
        raise SystemExit(1)
