"""``llm logs``: browse, search and export logged prompts and responses; manage logging."""

from __future__ import annotations

import collections
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click

from ..errors import handle_errors
from ..groups import DefaultGroup
from ..options import render_option


@click.group(cls=DefaultGroup, default="list", default_if_no_args=True)
def logs() -> None:
    """Tools for exploring logged prompts and responses"""


@logs.command()
def path() -> None:
    """Output the path to the logs.db file"""
    from llm.logs import logs_db_path

    with handle_errors():
        click.echo(logs_db_path())


@logs.command()
def status() -> None:
    """Show current status of database logging"""
    from llm.logs import logs_db_path, logs_on
    from llm.logs.maintenance import logs_status
    from llm.utils import human_size

    # Worded as the original words it: "ON for all prompts", or just "OFF"
    # (--log still logs one); with no database, only where it would be.
    with handle_errors():
        db_path = logs_db_path()
        found = logs_status(db_path)
        if not found.exists:
            click.echo(f"No log database found at {db_path}")
            return
        click.echo("Logging is ON for all prompts" if logs_on() else "Logging is OFF")
        click.echo(f"Found log database at {db_path}")
        figures = [
            ("Number of conversations logged:", found.conversations),
            ("Number of responses logged:", found.responses),
            ("Number of threads logged:", found.threads),
            ("Number of turns logged:", found.turns),
            ("Rows from before version 0.5:", found.legacy),
        ]
        for label, value in figures:
            if value is not None:
                click.echo(f"{label:<32}{value}")
        click.echo(f"{'Database file size:':<32}{human_size(found.size_bytes)}")


@logs.command()
def on() -> None:
    """Turn on logging for all prompts"""
    from llm.logs import set_logs_on

    with handle_errors():
        set_logs_on(True)


@logs.command()
def off() -> None:
    """Turn off logging for all prompts"""
    from llm.logs import set_logs_on

    with handle_errors():
        set_logs_on(False)


@logs.command()
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path: str) -> None:
    """Backup your logs database to this file"""
    from llm.logs import logs_db_path
    from llm.logs.maintenance import backup_logs
    from llm.utils import human_size

    with handle_errors():
        destination = Path(path)
        size = backup_logs(logs_db_path(), destination)
        click.echo(f"Backed up {human_size(size)} to {destination}")


# Output is written in pieces of about this many characters: one write per
# record costs more than producing a small record.
EMIT_BUFFER = 64 * 1024


def _emit(chunks: Iterable[str]) -> None:
    """Write output as it is produced; a closed pipe (``| head``) ends quietly."""
    try:
        pending: list[str] = []
        size = 0
        for chunk in chunks:
            pending.append(chunk)
            size += len(chunk)
            if size >= EMIT_BUFFER:
                click.echo("".join(pending), nl=False)
                pending, size = [], 0
        if pending:
            click.echo("".join(pending), nl=False)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise click.exceptions.Exit(0) from None


def _emit_markdown(
    chunks: Iterable[str], option: bool | None, *, code: bool = False
) -> None:
    """Markdown output: rendered on a terminal (see ``should_render``), else as text.

    Extracted code (``code``) is never rendered.
    """
    from ..render import print_markdown, should_render

    if code or not should_render(option):
        _emit(chunks)
        return
    print_markdown("".join(chunks))


# Characters that PyYAML's pure-Python emitter and libyaml both print as
# themselves. Strings with any other (control characters, emoji and other
# characters beyond the BMP...) come out escaped or wrapped differently by
# libyaml, so records holding them go through the Python emitter.
_SAME_IN_LIBYAML = re.compile("[\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")
# Records dumped per yaml.dump() call: a top-level sequence dumped in pieces is
# the same text as dumped whole, and each call has a fixed cost.
YAML_BATCH = 200


def _same_in_libyaml(value: Any) -> bool:
    """True when libyaml would print ``value`` exactly as the Python emitter does."""
    kind = type(value)
    if kind is str:
        return _SAME_IN_LIBYAML.fullmatch(value) is not None
    if kind is dict:
        # Keys are measured in characters by one emitter and bytes by the other.
        return all(
            type(key) is str
            and key.isascii()
            and key != ""
            and _SAME_IN_LIBYAML.fullmatch(key) is not None
            and _same_in_libyaml(item)
            for key, item in value.items()
        )
    if kind is list:
        return all(_same_in_libyaml(item) for item in value)
    return value is None or kind in (int, float, bool)


def _line(text: str) -> str:
    """``text`` ending in exactly the newline it needs, as ``llm -x`` prints it."""
    return text if text.endswith("\n") else text + "\n"


def _short_yaml(records: Iterable[dict[str, Any]], usage: bool) -> Iterator[str]:
    """``--short`` YAML, one list item per record.

    The text is what ``yaml.dump`` gives, but produced by libyaml when that is
    installed and gives the same text (about six times faster), in batches.
    """
    import yaml

    from llm.logs.render import short_record

    fast = getattr(yaml, "CSafeDumper", None)
    dumper = fast or yaml.SafeDumper

    def dump(items: list[dict[str, Any]], dumper: Any) -> str:
        return yaml.dump(
            items, Dumper=dumper, sort_keys=False, allow_unicode=True, width=80
        )

    batch: list[dict[str, Any]] = []
    empty = True
    for record in records:
        empty = False
        short = short_record(record, usage=usage)
        if fast is None or _same_in_libyaml(short):
            batch.append(short)
            if len(batch) >= YAML_BATCH:
                yield dump(batch, dumper)
                batch = []
            continue
        if batch:
            yield dump(batch, dumper)
            batch = []
        yield dump([short], yaml.SafeDumper)
    if batch:
        yield dump(batch, dumper)
    if empty:
        yield "[]\n"


@logs.command(name="list")
@click.option(
    "-n",
    "--count",
    type=int,
    default=None,
    help="Number of entries to show - defaults to 3, use 0 for all",
)
@click.option(
    "-d",
    "--database",
    type=click.Path(),
    help="Path to log database",
)
@click.option(
    "-p",
    "--path",
    "path_option",
    type=click.Path(),
    metavar="FILE",
    help="Path to log database (same as -d/--database)",
)
@click.option("-m", "--model", help="Filter by model or model alias")
@click.option("-q", "--query", help="Search for logs matching this string")
@click.option(
    "fragments",
    "-f",
    "--fragment",
    multiple=True,
    help="Filter for prompts using these fragments",
)
@click.option(
    "tools",
    "-T",
    "--tool",
    multiple=True,
    help="Filter for prompts with results from these tools",
)
@click.option(
    "any_tools",
    "--tools",
    is_flag=True,
    help="Filter for prompts with results from any tools",
)
@click.option("--schema", help="JSON schema, filepath or ID")
@click.option("--schema-multi", help="JSON schema used for multiple results")
@click.option(
    "-l", "--latest", is_flag=True, help="Return latest results matching search query"
)
@click.option(
    "--data", is_flag=True, help="Output newline-delimited JSON data for schema"
)
@click.option("--data-array", is_flag=True, help="Output JSON array of data for schema")
@click.option("--data-key", help="Return JSON objects from array in this key")
@click.option(
    "--data-ids", is_flag=True, help="Attach corresponding IDs to JSON objects"
)
@click.option("-t", "--truncate", is_flag=True, help="Truncate long strings in output")
@click.option(
    "-s", "--short", is_flag=True, help="Shorter YAML output with truncated prompts"
)
@click.option("-u", "--usage", is_flag=True, help="Include token usage")
@click.option("-r", "--response", is_flag=True, help="Just output the last response")
@click.option("-x", "--extract", is_flag=True, help="Extract first fenced code block")
@click.option(
    "extract_last",
    "--xl",
    "--extract-last",
    is_flag=True,
    help="Extract last fenced code block",
)
@click.option(
    "current_conversation",
    "-c",
    "--current",
    is_flag=True,
    help="Show logs from the current conversation",
)
@click.option(
    "conversation_id",
    "--cid",
    "--conversation",
    help="Show logs for this conversation ID",
)
@click.option(
    "batch_id", "--batch", metavar="ID", help="Show responses of this llm batch run"
)
@click.option("id_gt", "--id-gt", help="Return responses with ID > this")
@click.option("id_gte", "--id-gte", help="Return responses with ID >= this")
@click.option(
    "json_output",
    "--json",
    is_flag=True,
    help="Output logs as JSON",
)
@click.option(
    "--expand", "-e", is_flag=True, help="Expand fragments to show their content"
)
@render_option("render_markdown")
def list_logs(**options: Any) -> None:
    """Show logged prompts and their responses

    On a terminal the Markdown is shown rendered (--no-render for the text).
    """
    from llm.logs import iter_logs, latest_conversation_id, render

    from ..inputs import open_reading_logs_db

    request = ListRequest(**options)
    with handle_errors():
        request.check()
        # Reading never creates a database: without a logs.db yet an empty one
        # in memory stands in (a -d path that does not exist is an error).
        db = open_reading_logs_db(request.database)
        if db.path is None and request.plain_markdown:
            click.echo("No logs yet", err=True)
            return
        if request.current_conversation and not request.conversation_id:
            request.conversation_id = latest_conversation_id(db)
            if request.conversation_id is None:
                _emit(render.json_array([]) if request.json_output else [])
                return
        _print_records(iter_logs(db, _log_filter(db, request)), request)


@dataclass
class ListRequest:
    """The options of ``llm logs list``, as typed."""

    count: int | None
    database: str | None
    path_option: str | None
    model: str | None
    query: str | None
    fragments: tuple[str, ...]
    tools: tuple[str, ...]
    any_tools: bool
    schema: str | None
    schema_multi: str | None
    latest: bool
    data: bool
    data_array: bool
    data_key: str | None
    data_ids: bool
    truncate: bool
    short: bool
    usage: bool
    response: bool
    extract: bool
    extract_last: bool
    current_conversation: bool
    conversation_id: str | None
    batch_id: str | None
    id_gt: str | None
    id_gte: str | None
    json_output: bool
    expand: bool
    render_markdown: bool | None = None

    def __post_init__(self) -> None:
        self.database = self.database or self.path_option
        self.data = self.data or self.data_array or bool(self.data_key) or self.data_ids

    @property
    def plain_markdown(self) -> bool:
        """True when the records are shown as Markdown, not as data or extracts."""
        return not (
            self.json_output
            or self.data
            or self.short
            or self.response
            or self.extract
            or self.extract_last
        )

    def check(self) -> None:
        """Refuse combinations of options that make no sense together."""
        if self.count is not None and self.count < 0:
            raise click.ClickException("-n/--count must be 0 or more")
        if self.schema and self.schema_multi:
            raise click.ClickException("Use --schema or --schema-multi, not both")
        if self.short and self.json_output:
            raise click.ClickException("Cannot use --short and --json together")
        if self.short and self.response:
            raise click.ClickException("Cannot use --short and --response together")


def _log_filter(db: Any, request: ListRequest) -> Any:
    """The LogFilter for the request: the model and schema resolved, fragments hashed."""
    from llm.logs import LogFilter
    from llm.logs.fragments import fragment_hashes
    from llm.schemas import make_schema_id

    from ..schema_input import schema_from_option

    batch_id = None
    if request.batch_id:
        from llm.logs.batches import get_batch

        found = get_batch(db, request.batch_id)
        if found is None:
            raise click.ClickException(f"No batch found with ID {request.batch_id}")
        batch_id = found.id
    count = request.count
    if count is None:
        count = 0 if (request.conversation_id or request.data or batch_id) else 3
    model_id = None
    if request.model:
        from llm.registry import resolve_model_id

        model_id = resolve_model_id(request.model)
    schema_id = None
    reference = request.schema or request.schema_multi
    if reference:
        schema = schema_from_option(db, reference, multi=bool(request.schema_multi))
        schema_id, _ = make_schema_id(schema)
    fragments = request.fragments
    return LogFilter(
        count=count,
        model=model_id,
        query=request.query,
        latest=request.latest,
        fragment_hashes=fragment_hashes(db, fragments) if fragments else [],
        tools=list(request.tools),
        any_tools=request.any_tools,
        schema_id=schema_id,
        conversation_id=request.conversation_id,
        id_gt=request.id_gt,
        id_gte=request.id_gte,
        expand_fragments=request.expand,
        batch_id=batch_id,
    )


def _print_records(records: Iterator[dict[str, Any]], request: ListRequest) -> None:
    """Print in the requested form: data, one response, code blocks, YAML, JSON or Markdown."""
    from llm.logs import render

    last_block = request.extract_last
    if request.data:
        items = render.data_items(records, key=request.data_key, ids=request.data_ids)
        array = request.data_array
        _emit(render.compact_json_array(items) if array else render.ndjson(items))
    elif request.response:
        last = collections.deque(records, maxlen=1)
        if last:
            record = last[0]
            text = None
            if request.extract or last_block:
                text = render.extract_code(record, last_block)
            code = text is not None
            if not code:  # no code block: the whole response, as ``llm -x`` gives
                text = record.get("response") or ""
            _emit_markdown([_line(text)], request.render_markdown, code=code)
    elif request.extract or last_block:
        # One block in total: from the first shown response that has one. When
        # none has, they are shown as if -x/--xl had not been given, as the
        # original does.
        seen = []
        for record in records:
            block = render.extract_code(record, last_block)
            if block is not None:
                _emit([_line(block)])
                return
            seen.append(record)
        _print_records(iter(seen), replace(request, extract=False, extract_last=False))
    elif request.short:
        _emit(_short_yaml(records, request.usage))
    elif request.json_output:
        if request.truncate:
            records = (render.truncate_record(r) for r in records)
        _emit(render.json_array(records))
    else:
        _emit_markdown(
            render.markdown(
                records,
                expand=request.expand,
                usage=request.usage,
                truncate=request.truncate,
            ),
            request.render_markdown,
        )


def _add_housekeeping_commands() -> None:
    """``llm logs usage``, ``prune`` and ``stats`` live in modules of their own."""
    from .logs_housekeeping import prune, stats
    from .logs_usage import usage

    for command in (usage, prune, stats):
        logs.add_command(command)


_add_housekeeping_commands()
