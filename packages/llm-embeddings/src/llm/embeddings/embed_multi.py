"""``llm embed-multi``: store embeddings for many items from a file, a SQL query or files on disk."""

from __future__ import annotations

import codecs
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli_support import (
    collection_for_writing,
    command_errors,
    database_option,
    open_database,
    positive_integer,
    progress_enabled,
    reliability,
    retry_options,
)

if TYPE_CHECKING:
    from .store import VectorStore

DEFAULT_ENCODINGS = ("utf-8", "latin-1")


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_records(
    conn: sqlite3.Connection,
    sql: str,
    attach: Iterable[tuple[str, str]],
    binary: bool,
) -> list[tuple[str, str | bytes]]:
    """Rows of a query as ``(id, content)``: first column the ID, the rest the content.

    The rows are read in full before embedding starts so the query never holds
    a read lock while batches are written to the same database.
    """
    for alias, path in attach:
        try:
            conn.execute(f"ATTACH DATABASE ? AS {_quote_identifier(alias)}", [path])
        except sqlite3.Error as ex:
            raise click.ClickException(
                f"Could not attach {path} as {alias}: {ex}"
            ) from ex
    try:
        cursor = conn.execute(sql)
        rows = cursor.fetchall()
    except sqlite3.Error as ex:
        raise click.ClickException(f"SQL query failed: {ex}") from ex
    if cursor.description is None or len(cursor.description) < 2:
        raise click.ClickException(
            "The SQL query must return at least two columns: an ID, then content"
        )
    columns = [column[0] for column in cursor.description]
    return [
        _sql_record(row, columns, number, binary)
        for number, row in enumerate(rows, start=1)
    ]


def _sql_text(value: Any, where: str, column: str) -> str:
    """A SQL value as text; BLOBs only when they are UTF-8, never as a bytes repr."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise click.ClickException(
                f"{where}: column '{column}' holds binary data, not text "
                "(use --binary to embed it as bytes)"
            ) from None
    return str(value)


def _sql_record(
    row: tuple[Any, ...], columns: list[str], number: int, binary: bool
) -> tuple[str, str | bytes]:
    """``(id, content)`` for row ``number`` (counting from 1) of a ``--sql`` query."""
    where = f"SQL row {number}"
    if row[0] is None or row[0] == "" or row[0] == b"":
        raise click.ClickException(f"{where}: the ID is empty")
    item_id = _sql_text(row[0], where, columns[0])
    if binary:
        value = row[1]
        if isinstance(value, str):
            return item_id, value.encode("utf-8")
        if isinstance(value, bytes):
            return item_id, value
        return item_id, b"" if value is None else str(value).encode("utf-8")
    content = " ".join(
        _sql_text(value, where, column) for value, column in zip(row[1:], columns[1:])
    )
    return item_id, content


def _matching_files(files: Iterable[tuple[str, str]]) -> list[tuple[Path, Path]]:
    found: list[tuple[Path, Path]] = []
    for directory, pattern in files:
        root = Path(directory)
        matches = sorted(path for path in root.glob(pattern) if path.is_file())
        if not matches:
            raise click.ClickException(f"No files in {directory} match {pattern}")
        found.extend((root, path) for path in matches)
    return found


def _read_file(
    path: Path, binary: bool, encodings: tuple[str, ...]
) -> str | bytes | None:
    """The file's content, or None after reporting why it could not be read."""
    try:
        data = path.read_bytes()
    except OSError as ex:
        click.echo(f"Could not read {path}: {ex.strerror or ex}", err=True)
        return None
    if binary:
        return data
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    click.echo(
        f"Could not decode {path} using {', '.join(encodings)}; skipping it", err=True
    )
    return None


def file_records(
    matches: list[tuple[Path, Path]], binary: bool, encodings: tuple[str, ...]
) -> Iterator[tuple[str, str | bytes]]:
    """``(relative path, content)`` for each file, reading lazily; unreadable files are skipped."""
    for root, path in matches:
        content = _read_file(path, binary, encodings)
        if content is not None:
            yield path.relative_to(root).as_posix(), content


def _read_input(input_path: str) -> bytes:
    with click.open_file(input_path, "rb") as fp:
        return fp.read()


class Progress:
    """The progress bar on stderr (when it is a terminal), with retry notices printed above it."""

    def __init__(self) -> None:
        self.bar: Any = None

    def records(
        self, records: Iterable[tuple[str, str | bytes, Any]], total: int | None
    ) -> Iterator[tuple[str, str | bytes, Any]]:
        """Pass records through, advancing the bar."""
        import sys

        if not progress_enabled() or not total:
            yield from records
            return
        with click.progressbar(length=total, label="Embedding", file=sys.stderr) as bar:
            self.bar = bar
            done = 0
            try:
                for record in records:
                    yield record
                    done += 1
                    if done == 100:  # redrawing per item would cost more than embedding
                        bar.update(done)
                        done = 0
                bar.update(done)
            finally:
                self.bar = None

    def write_above(self, line: str) -> None:
        """Print ``line`` where the bar is, and draw the bar again under it."""
        import sys

        if self.bar is None:
            sys.stderr.write(line)
        else:
            sys.stderr.write("\r\x1b[2K" + line)
            self.bar.render_progress()
        sys.stderr.flush()


@click.command(name="embed-multi")
@click.argument("collection")
@click.argument(
    "input_path",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True),
    required=False,
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["json", "csv", "tsv", "nl"]),
    help="Format of input file - defaults to auto-detect",
)
@click.option(
    "--files",
    type=(click.Path(file_okay=False, dir_okay=True, exists=True), str),
    multiple=True,
    help="Embed files in this directory - specify directory and glob pattern",
)
@click.option(
    "encodings",
    "--encoding",
    multiple=True,
    help="Encodings to try when reading --files",
)
@click.option("--binary", is_flag=True, help="Treat --files as binary data")
@click.option("--sql", help="Read input using this SQL query")
@click.option(
    "--attach",
    type=(str, click.Path(file_okay=True, dir_okay=False, exists=True)),
    multiple=True,
    help="Additional databases to attach - specify alias and file path",
)
@click.option(
    "--batch-size",
    type=int,
    callback=positive_integer,
    help="Batch size to use when running embeddings",
)
@click.option("--prefix", default="", help="Prefix to add to the IDs")
@click.option("-m", "--model", help="Embedding model to use")
@click.option("--prepend", help="Prepend this string to all content before embedding")
@click.option("--store", is_flag=True, help="Store the text itself in the database")
@database_option()
@retry_options(fallback=False)
def embed_multi(
    collection: str,
    input_path: str | None,
    format_: str | None,
    files: tuple[tuple[str, str], ...],
    encodings: tuple[str, ...],
    binary: bool,
    sql: str | None,
    attach: tuple[tuple[str, str], ...],
    batch_size: int | None,
    prefix: str,
    model: str | None,
    prepend: str | None,
    store: bool,
    database: str | None,
    retries: int | None,
    timeout: float | None,
) -> None:
    """
    Store embeddings for multiple strings at once in the specified collection.

    Input data can come from one of three sources:

    \b
    1. A CSV, TSV, JSON or JSONL file:
       - CSV/TSV: First column is ID, remaining columns concatenated as content
       - JSON: Array of objects with "id" field and content fields
       - JSONL: Newline-delimited JSON objects

    \b
       Examples:
         llm embed-multi docs input.csv
         cat data.json | llm embed-multi docs -
         llm embed-multi docs input.json --format json

    \b
    2. A SQL query against a SQLite database:
       - First column returned is used as ID
       - Other columns concatenated to form content

    \b
       Examples:
         llm embed-multi docs --sql "SELECT id, title, body FROM posts"
         llm embed-multi docs --attach blog blog.db --sql "SELECT id, content FROM blog.posts"

    \b
    3. Files in directories matching glob patterns:
       - Each file becomes one embedding
       - Relative file paths become IDs

    \b
       Examples:
         llm embed-multi docs --files docs '**/*.md'
         llm embed-multi images --files photos '*.jpg' --binary
         llm embed-multi texts --files texts '*.txt' --encoding utf-8 --encoding latin-1
    """
    _check_options(input_path, files, sql, attach, binary, prepend, encodings)
    progress = Progress()
    with command_errors(database), reliability(retries, timeout, progress.write_above):
        records, total = _read_records(input_path, format_, files, binary, encodings)
        vector_store = open_database(database, create=True)
        assert vector_store is not None
        if sql is not None:
            from_sql = sql_records(_sql_connection(vector_store), sql, attach, binary)
            records, total = from_sql, len(from_sql)
        # Opened only once the input is known good; a new collection is written
        # with its first embeddings, so failures leave no empty collection behind.
        target = collection_for_writing(vector_store, collection, model)
        items = (
            (
                prefix + item_id,
                prepend + value if prepend and isinstance(value, str) else value,
                None,
            )
            for item_id, value in records
        )
        target.embed_multi_with_metadata(
            progress.records(items, total),
            store=store,
            batch_size=batch_size or 100,
        )


def _check_options(
    input_path: str | None,
    files: tuple[tuple[str, str], ...],
    sql: str | None,
    attach: tuple[tuple[str, str], ...],
    binary: bool,
    prepend: str | None,
    encodings: tuple[str, ...],
) -> None:
    """Refuse combinations of options that cannot work, before any work is done."""
    sources = [bool(input_path), bool(files), sql is not None]
    if sum(sources) != 1:
        raise click.ClickException(
            "Give exactly one source: an input file (or - for standard input), "
            "--files DIRECTORY PATTERN, or --sql QUERY"
        )
    if attach and sql is None:
        raise click.ClickException("--attach can only be used with --sql")
    if binary and input_path:
        raise click.ClickException(
            "--binary works with --files or --sql, not CSV or JSON input"
        )
    if binary and prepend:
        raise click.ClickException("--prepend cannot be used with --binary content")
    for encoding in encodings:
        try:
            codecs.lookup(encoding)
        except LookupError as ex:
            raise click.ClickException(f"Unknown encoding: {encoding}") from ex


def _read_records(
    input_path: str | None,
    format_: str | None,
    files: tuple[tuple[str, str], ...],
    binary: bool,
    encodings: tuple[str, ...],
) -> tuple[Iterable[tuple[str, str | bytes]], int | None]:
    """Records (and how many, for the progress bar) from an input file or ``--files``."""
    from .inputs import parse_records

    if input_path:
        # Parse everything first: a malformed line fails before any embedding.
        parsed = parse_records(_read_input(input_path), format_)
        return parsed, len(parsed)
    if files:
        matches = _matching_files(files)
        return file_records(matches, binary, encodings or DEFAULT_ENCODINGS), len(
            matches
        )
    return [], None


def _sql_connection(vector_store: VectorStore) -> sqlite3.Connection:
    """Where ``--sql`` runs: the SQLite embeddings database, else an empty in-memory one.

    With another store, the query reads from databases given with ``--attach``.
    """
    from .sqlite_store import SQLiteStore

    if isinstance(vector_store, SQLiteStore):
        return vector_store.conn
    conn = sqlite3.connect(":memory:")
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(conn.close)
    return conn
