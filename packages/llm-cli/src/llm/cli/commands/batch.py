"""``llm batch``: run a prompt for every row of a file, many at once, or through a provider's batch API."""

from __future__ import annotations

from typing import Any

import click

from ..errors import handle_errors
from ..groups import DefaultGroup
from ..options import (
    SECONDS,
    attachment_options,
    database_option,
    fragment_options,
    key_option,
    model_option,
    option_option,
    query_option,
    retry_options,
    schema_options,
    system_option,
    template_options,
    tool_options,
)

INPUT_FORMATS = ("nl", "json", "csv", "tsv", "lines")


@click.group(cls=DefaultGroup, default="run", default_if_no_args=False)
def batch() -> None:
    """Run a prompt for every row of a file, several at a time

    \b
        llm batch prompts.txt -m gpt-4o-mini --parallel 8 > answers.jsonl
        llm batch people.csv -t summarize --output summaries.jsonl
        llm batch rows.jsonl --provider-batch     # OpenAI's Batch API
        llm batch fetch BATCH_ID --wait
    """


@batch.command(name="run")
@click.argument(
    "input_path",
    metavar="INPUT",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
)
@system_option()
@model_option()
@query_option()
@attachment_options()
@tool_options(interactive=False)
@option_option()
@schema_options()
@fragment_options()
@template_options()
@key_option()
@retry_options()
@click.option(
    "--column",
    metavar="NAME",
    help="The field holding each row's prompt (or the template's input); default prompt",
)
@click.option(
    "format_",
    "--format",
    type=click.Choice(INPUT_FORMATS),
    help="Input format (default: detected): nl is newline-delimited JSON",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="How many prompts to run at once",
)
@click.option(
    "--output",
    metavar="FILE",
    help="Write the JSON lines to FILE instead of standard output",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Skip rows the last run of this same command answered; retry the rest",
)
@click.option(
    "--provider-batch",
    is_flag=True,
    help="Submit the prompts to the provider's batch API and print its batch ID",
)
@database_option()
@click.option("no_log", "-n", "--no-log", is_flag=True, help="Do not log the prompts")
@click.option("log", "--log", is_flag=True, help="Log even if logging is off")
def run(
    input_path: str,
    column: str | None,
    format_: str | None,
    parallel: int,
    output: str | None,
    resume: bool,
    provider_batch: bool,
    no_log: bool,
    log: bool,
    **kwargs: Any,
) -> None:
    """Run the prompt of every row of INPUT (a file, or - for standard input)

    INPUT is newline-delimited JSON, a JSON array, CSV or TSV (with a header
    row), or plain text with one prompt per line; the format is detected
    unless --format says. Each row gives its prompt in the "prompt" field (or
    the field --column names), or, with -t, values for the template's
    variables; it may also give "system", "id" and "attachments".

    Every prompt option applies to all rows. One JSON line per row is written
    in input order: {"id", "response" (or "data" with --schema), "usage",
    "error"}. The exit code is 1 if any row failed.

    \b
        llm batch questions.txt -m gpt-4o-mini --parallel 16
        llm batch reviews.csv --column text -s 'Sentiment, one word'
        llm batch people.jsonl --schema 'name, age int' --output people.jsonl
    """
    from llm.logs import logs_on

    from ..batch_running import BatchOptions, run_local_batch
    from ..prompting import PromptRequest

    if no_log and log:
        raise click.ClickException("--log and --no-log cannot be used together")
    request = PromptRequest(**kwargs)
    options = BatchOptions(
        input=input_path,
        format=format_,
        column=column,
        parallel=parallel,
        output=output,
        resume=resume,
        log=(logs_on() or log) and not no_log,
    )
    with handle_errors():
        if provider_batch:
            from ..batch_provider import submit_provider_batch

            submit_provider_batch(request, options)
        else:
            run_local_batch(request, options)


@batch.command(name="status")
@click.argument("batch_id", metavar="ID")
@database_option()
@key_option()
def status(batch_id: str, database: str | None, key: str | None) -> None:
    """Show how far a batch has got (provider batches: ask the provider)"""
    from ..batch_provider import batch_status

    with handle_errors():
        batch_status(batch_id, database, key)


@batch.command(name="fetch")
@click.argument("batch_id", metavar="ID")
@click.option("--wait", is_flag=True, help="Wait until the batch has finished")
@click.option(
    "--interval",
    type=SECONDS,
    default=30.0,
    show_default=True,
    help="Seconds between checks with --wait",
)
@click.option("--output", metavar="FILE", help="Write the JSON lines to FILE")
@database_option()
@key_option()
@click.option("no_log", "-n", "--no-log", is_flag=True, help="Do not log the responses")
def fetch(
    batch_id: str,
    wait: bool,
    interval: float,
    output: str | None,
    database: str | None,
    key: str | None,
    no_log: bool,
) -> None:
    """Write a batch's results as JSON lines (provider batches: download and log them)"""
    from llm.logs import logs_on

    from ..batch_provider import fetch_batch

    with handle_errors():
        fetch_batch(
            batch_id,
            database=database,
            key=key,
            wait=wait,
            interval=interval,
            output=output,
            log=logs_on() and not no_log,
        )


@batch.command(name="list")
@click.option("-n", "--count", type=int, default=20, show_default=True)
@database_option()
def list_batches(count: int, database: str | None) -> None:
    """List recent batches, newest first"""
    from llm.logs.batches import list_batches as recent
    from llm.logs.batches import row_counts

    from ..inputs import open_reading_logs_db

    with handle_errors():
        db = open_reading_logs_db(database)
        for info in recent(db, count):
            counts = row_counts(db, info.id)
            rows = ", ".join(f"{n:,} {status}" for status, n in sorted(counts.items()))
            where = f" via {info.provider}" if info.provider else ""
            click.echo(
                f"{info.id}  {info.datetime_utc[:19]}  {info.model}{where}  "
                f"{info.status}  {rows}"
            )
