"""``llm batch --provider-batch``, ``llm batch status`` and ``llm batch fetch``.

A provider batch is submitted through the ``BatchProvider`` a plugin
registered for the model (``llm.batch_providers``); the batch, and each row's
request, are kept in the logs database so ``fetch`` can later rebuild every
prompt, log each answer like a normal prompt and write the same output lines
as a local batch, in input order.
"""

from __future__ import annotations

import itertools
from typing import Any

import click

from .batch_output import (
    Progress,
    Tally,
    check_output,
    open_output,
    row_output,
    write_line,
)
from .batch_rows import RowInfo, RowPrompts
from .batch_running import (
    BatchOptions,
    check_column,
    fingerprint,
    prepare_batch_session,
    read_input_rows,
    report_failure,
)
from .prompting import PromptRequest

# Finished batches whose results have been fetched and logged.
FETCHED = "fetched"
# The prompt arguments a provider batch keeps for each row, as they are.
_STORED = ("system", "options", "schema", "hide_reasoning")


def stored_request(identifier: Any, text: str | None, kwargs: dict[str, Any]) -> dict:
    """A row's prompt as JSON, kept until its answer is fetched (see ``prompt_from``)."""
    data: dict[str, Any] = {"id": identifier, "prompt": text}
    data.update({name: kwargs[name] for name in _STORED if kwargs.get(name)})
    data["attachments"] = [a.to_dict() for a in kwargs.get("attachments") or []]
    for name in ("fragments", "system_fragments"):
        data[name] = [
            [str(fragment), getattr(fragment, "source", "")]
            for fragment in kwargs.get(name) or []
        ]
    return data


def prompt_from(model: Any, stored: dict[str, Any], key: str | None) -> Any:
    """An unexecuted response for a stored row: the request sent, and the one logged."""
    from llm.attachments import Attachment
    from llm.fragments import Fragment

    kwargs: dict[str, Any] = {name: stored[name] for name in _STORED if name in stored}
    kwargs["attachments"] = [Attachment.from_dict(a) for a in stored["attachments"]]
    for name in ("fragments", "system_fragments"):
        kwargs[name] = [Fragment(text, source) for text, source in stored[name]]
    return model.prompt(stored.get("prompt"), stream=False, key=key, **kwargs)


def submit_provider_batch(request: PromptRequest, options: BatchOptions) -> None:
    """Submit every row to the model provider's batch API and print the batch ID."""
    from llm.batch_providers import batch_provider_for
    from llm.errors import UnsupportedFeatureError
    from llm.ids import monotonic_ulid
    from llm.logs.batches import (
        ERROR,
        SUBMITTED,
        BatchInfo,
        BatchRow,
        create_batch,
        record_row,
        update_batch,
    )

    from .inputs import open_command_logs_db

    if options.resume:
        raise click.ClickException(
            "--resume is for local batches, not --provider-batch"
        )
    if options.output:
        # Nothing is answered yet: the output lines come from ``fetch``.
        raise click.ClickException(
            "--provider-batch writes no output lines yet: give --output to "
            "'llm batch fetch ID'"
        )
    session = prepare_batch_session(request, options)
    if session.tools:
        raise UnsupportedFeatureError(
            "--provider-batch cannot run tools: each tool call needs another "
            "round trip to the model"
        )
    check_column(options, session.template is not None)
    model = session.model
    provider = batch_provider_for(model)
    db = open_command_logs_db(request.database)
    batch = create_batch(
        db,
        BatchInfo(
            id=monotonic_ulid(),
            model=model.model_id,
            datetime_utc="",
            fingerprint=fingerprint(request, options, model.model_id),
            input=options.input_source,
            provider=provider.name,
            status="submitting",
            settings={"schema": session.schema is not None},
        ),
    )
    prompts = RowPrompts(session, options.column)
    progress = Progress()
    counts = {"sent": 0, "bad": 0}

    def requests() -> Any:
        template = session.template is not None
        for row, info in read_input_rows(options, prompts, template):
            item = prompts(row, info)
            if item.error is None:
                request = stored_request(info.id, item.prompt, item.kwargs)
                try:
                    response = prompt_from(model, request, session.key)
                except Exception as ex:
                    item.error = ex
            if item.error is not None:
                output = row_output(info, [], item.error, session.schema is not None)
                if info.duplicate_of is None:  # a repeated id belongs to an earlier row
                    row_record = BatchRow(
                        info.key, info.line, ERROR, error=output["error"], output=output
                    )
                    record_row(db, batch.id, row_record)
                report_failure(info, output, progress)
                counts["bad"] += 1
                continue
            record_row(
                db, batch.id, BatchRow(info.key, info.line, SUBMITTED, request=request)
            )
            counts["sent"] += 1
            yield info.key, response

    pending = requests()
    try:
        first = next(pending, None)
        if first is None:
            raise click.ClickException("No rows could be sent: nothing was submitted")
        provider_id = provider.submit(
            model, itertools.chain([first], pending), key=session.key
        )
    except BaseException:
        update_batch(db, batch.id, status="failed")
        raise
    update_batch(db, batch.id, status="submitted", provider_batch_id=provider_id)
    click.echo(batch.id)
    click.echo(
        f"Submitted {counts['sent']:,} prompts to {provider.name} as {provider_id}; "
        f"fetch the results with: llm batch fetch {batch.id} --wait",
        err=True,
    )
    if counts["bad"]:
        raise SystemExit(1)


def _find_batch(db: Any, batch_id: str) -> Any:
    from llm.logs.batches import get_batch

    found = get_batch(db, batch_id)
    if found is None:
        raise click.ClickException(f"No batch found with ID {batch_id}")
    return found


def _provider_and_model(info: Any) -> tuple[Any, Any]:
    import llm
    from llm.batch_providers import get_batch_provider

    return get_batch_provider(info.provider), llm.get_model(info.model)


def batch_status(batch_id: str, database: str | None, key: str | None) -> None:
    """``llm batch status ID``: where a batch stands."""
    from llm.logs.batches import row_counts

    from .inputs import open_reading_logs_db

    db = open_reading_logs_db(database)
    info = _find_batch(db, batch_id)
    counts = row_counts(db, info.id)
    label = f"Batch {info.id}"
    if info.provider:
        label += f" ({info.provider} {info.provider_batch_id or 'not submitted'})"
    click.echo(f"{label}, model {info.model}, started {info.datetime_utc}")
    rows = ", ".join(f"{count:,} {status}" for status, count in sorted(counts.items()))
    click.echo(f"Status: {info.status}" + (f"; rows: {rows}" if rows else ""))
    if info.provider and info.provider_batch_id and info.status != FETCHED:
        provider, model = _provider_and_model(info)
        status = provider.status(model, info.provider_batch_id, key=key)
        click.echo(f"Provider: {status.summary}")


def _wait_until_finished(
    provider: Any, model: Any, info: Any, key: str | None, wait: bool, interval: float
) -> Any:
    from llm.retries import wait as sleep

    progress = Progress()
    status = provider.status(model, info.provider_batch_id, key=key)
    shown = None
    while not status.finished:
        if not wait:
            raise click.ClickException(
                f"Batch {info.id} has not finished: {status.summary} "
                "(add --wait to wait for it)"
            )
        if progress.enabled:
            progress.show(f"Waiting: {status.summary}")
        elif status.summary != shown:
            click.echo(f"Waiting: {status.summary}", err=True)
        shown = status.summary
        sleep(interval)
        status = provider.status(model, info.provider_batch_id, key=key)
    progress.finish()
    return status


def _collect(db: Any, info: Any, key: str | None, log: bool, status: Any) -> None:
    """Fetch the provider's results, log each response and store each row's output."""
    from llm.batch_providers import provider_batch_results
    from llm.logs.batches import DONE, ERROR, SUBMITTED, BatchRow, batch_rows, get_row
    from llm.logs.pending import BatchRowEntry

    provider, model = _provider_and_model(info)
    schema = bool(info.settings.get("schema"))
    writer: Any = None
    if log:
        from llm.logs.background import BackgroundWriter

        # No spooling: the provider keeps the results, and fetching them
        # again after a spooled write would log every response twice.
        writer = BackgroundWriter(db.path)

    def save(row: BatchRow, records: list[Any]) -> None:
        if writer is not None:
            writer.submit(BatchRowEntry(info.id, records, row))
        else:
            from llm.logs.batches import record_row

            record_row(db, info.id, row)

    def response_for(custom_id: str) -> Any:
        stored = get_row(db, info.id, custom_id)
        if stored is None or stored.request is None:
            raise KeyError(f"The provider answered an unknown request {custom_id!r}")
        return prompt_from(model, stored.request, key)

    try:
        for custom_id, outcome in provider_batch_results(
            provider, model, info.provider_batch_id, response_for, key=key
        ):
            stored = get_row(db, info.id, custom_id)
            if stored is None or stored.request is None:
                continue
            row_info = RowInfo(custom_id, stored.line, stored.request.get("id"))
            failed = isinstance(outcome, BaseException)
            records = [] if failed else [outcome.record()]
            output = row_output(row_info, records, outcome if failed else None, schema)
            row = BatchRow(
                custom_id,
                stored.line,
                ERROR if output["error"] else DONE,
                error=output["error"],
                response_id=None if failed or writer is None else records[0].id,
                output=output,
                request=stored.request,
            )
            save(row, records)
    finally:
        if writer is not None:
            writer.close()
    from llm.logs.batches import record_row

    missing = f"No result from {info.provider} (the batch ended as {status.status})"
    for stored in list(batch_rows(db, info.id, status=SUBMITTED)):
        row_info = RowInfo(stored.key, stored.line, (stored.request or {}).get("id"))
        output = row_output(row_info, [], missing, schema)
        record_row(
            db,
            info.id,
            BatchRow(
                stored.key,
                stored.line,
                ERROR,
                error=missing,
                output=output,
                request=stored.request,
            ),
        )


def fetch_batch(
    batch_id: str,
    *,
    database: str | None,
    key: str | None,
    wait: bool,
    interval: float,
    output: str | None,
    log: bool,
) -> None:
    """``llm batch fetch ID``: results of a batch, as output lines in input order."""
    from llm.logs.batches import batch_rows, update_batch

    from .inputs import open_command_logs_db

    db = open_command_logs_db(database, create=False, logs_only=True)
    info = _find_batch(db, batch_id)
    check_output(output, info.input or "-")
    if info.provider and info.status != FETCHED:
        if not info.provider_batch_id:
            raise click.ClickException(f"Batch {info.id} was never submitted")
        provider, model = _provider_and_model(info)
        status = _wait_until_finished(provider, model, info, key, wait, interval)
        if status.error and not status.completed:
            update_batch(db, info.id, status="failed")
            raise click.ClickException(f"Batch {info.id} failed: {status.error}")
        _collect(db, info, key, log, status)
        update_batch(db, info.id, status=FETCHED)
    tally = Tally()
    out = open_output(output)
    try:
        for stored in batch_rows(db, info.id):
            if stored.output is None:
                continue
            write_line(out, stored.output)
            tally.add(stored.output)
    finally:
        out.flush()
        if output not in (None, "-"):
            out.close()
    click.echo(tally.summary(info.id, model_id=info.model), err=True)
    if tally.failed:
        raise SystemExit(1)
