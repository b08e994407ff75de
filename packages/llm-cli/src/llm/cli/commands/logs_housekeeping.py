"""``llm logs prune`` and ``llm logs stats``: keeping a logs database that only grows in check."""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import handle_errors
from .logs_usage import parse_point_option


def _when(value: str | None) -> str:
    """A stored timestamp as ``2026-01-31 10:00:00 UTC``."""
    if not value:
        return "unknown"
    return value[:19].replace("T", " ") + " UTC"


def _n(value: int) -> str:
    return format(value, ",")


def plan_lines(plan: Any) -> list[str]:
    """What a prune deletes: the responses chosen, then rows table by table."""
    lines = [
        f"Would delete {_n(plan.responses)} "
        f"{'response' if plan.responses == 1 else 'responses'} from "
        f"{_n(plan.conversations)} "
        f"{'conversation' if plan.conversations == 1 else 'conversations'}, "
        f"logged {_when(plan.oldest)} to {_when(plan.newest)}.",
        "Rows by table:",
    ]
    width = max(len(name) for name in plan.rows)
    lines += [
        f"  {name.ljust(width)}  {_n(count).rjust(9)}"
        for name, count in plan.rows.items()
    ]
    return lines


def _file_size(path: Any) -> int:
    from pathlib import Path

    path = Path(path)
    size = path.stat().st_size if path.exists() else 0
    wal = path.with_name(path.name + "-wal")
    return size + (wal.stat().st_size if wal.exists() else 0)


@click.command()
@click.option(
    "--before",
    help="Responses logged before this: a duration ago (30d, 12h, 2w) or a date",
)
@click.option(
    "--keep",
    type=click.IntRange(min=0),
    help="Keep the N most recently active conversations",
)
@click.option("-m", "--model", help="Only responses from this model (ID or alias)")
@click.option(
    "conversation_id", "--cid", "--conversation", help="Only this conversation"
)
@click.option(
    "--dry-run", is_flag=True, help="Show what would be deleted; change nothing"
)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation")
@click.option("--vacuum", is_flag=True, help="Then VACUUM, giving the space back")
@click.option("-d", "--database", type=click.Path(), help="Path to log database")
def prune(
    before: str | None,
    keep: int | None,
    model: str | None,
    conversation_id: str | None,
    dry_run: bool,
    yes: bool,
    vacuum: bool,
    database: str | None,
) -> None:
    """Delete old or unwanted logged responses

    Deletes the responses matching every option given, with their tool calls
    and results, links, extras, batch rows and search index rows; then
    attachments, fragments (unless they have an alias), conversations, batches
    and message-store messages nothing else uses any more. All in one
    transaction. Asks before deleting unless -y is given.

    Example usage:

    \b
        llm logs prune --before 90d --dry-run
        llm logs prune --keep 100 -y --vacuum
        llm logs prune -m gpt-4o --before 2025-01-01
    """
    from llm.logs import logs_db_path
    from llm.logs.prune import PruneCriteria, plan_prune, prune_logs, vacuum_logs

    from ..inputs import open_command_logs_db

    with handle_errors():
        model_id = None
        if model:
            from llm.registry import resolve_model_id

            model_id = resolve_model_id(model)
        try:
            criteria = PruneCriteria(
                before=parse_point_option(before, "--before"),
                keep=keep,
                model=model_id,
                conversation_id=conversation_id,
            )
        except ValueError:
            raise click.UsageError(
                "Say what to prune: --before, --keep, -m/--model or --cid"
            ) from None
        if database is None and not logs_db_path().exists():
            click.echo("No logs yet: nothing to delete.", err=True)
            return
        db = open_command_logs_db(database, create=False, logs_only=True, migrate=False)
        plan = plan_prune(db, criteria)
        if plan.empty:
            click.echo("No logged responses match: nothing to delete.", err=True)
            return
        if dry_run:
            for line in plan_lines(plan):
                click.echo(line)
            return
        if not yes:
            for line in plan_lines(plan):
                click.echo(line, err=True)
            click.confirm("Delete them?", abort=True, err=True)
        deleted = prune_logs(db, criteria)
        click.echo(
            f"Deleted {_n(deleted.responses)} "
            f"{'response' if deleted.responses == 1 else 'responses'} from "
            f"{_n(deleted.conversations)} "
            f"{'conversation' if deleted.conversations == 1 else 'conversations'}.",
            err=True,
        )
        if vacuum:
            from llm.utils import human_size

            size = _file_size(db.path)
            vacuum_logs(db)
            click.echo(
                f"Vacuumed {db.path}: {human_size(size)} -> "
                f"{human_size(_file_size(db.path))}",
                err=True,
            )


@click.command()
@click.option("json_", "--json", is_flag=True, help="Output JSON")
@click.option("-d", "--database", type=click.Path(), help="Path to log database")
def stats(json_: bool, database: str | None) -> None:
    """Size of the logs database, what it holds and its largest tables"""
    from pathlib import Path

    from llm.logs import logs_db_path
    from llm.logs.stats import logs_stats
    from llm.utils import human_size

    with handle_errors():
        path = Path(database) if database else logs_db_path()
        if database is None and not path.exists():
            click.echo(f"No logs yet: {path} does not exist", err=True)
            return
        found = logs_stats(path)
        if json_:
            click.echo(json.dumps(found.to_dict(), indent=2))
            return
        size = human_size(found.size_bytes)
        if found.wal_bytes:
            size += f" (plus {human_size(found.wal_bytes)} of write-ahead log)"
        responses = _n(found.responses)
        extra = []
        if found.turns:
            extra.append(f"{_n(found.turns)} as message-store turns")
        if found.legacy:
            extra.append(f"{_n(found.legacy)} from before version 0.5")
        if extra:
            responses += f" ({', '.join(extra)})"
        rows = [
            ("Database", str(found.path)),
            ("Size on disk", size),
            ("Conversations", _n(found.conversations)),
            ("Responses", responses),
            ("Oldest", _when(found.oldest)),
            ("Newest", _when(found.newest)),
        ]
        for label, value in rows:
            click.echo(f"{label + ':':<15} {value}")
        if not found.tables_known:
            click.echo("Table sizes: not available (this SQLite has no dbstat)")
            return
        click.echo("Largest tables (with their indexes):")
        width = max(len(name) for name, _ in found.tables)
        for name, size_bytes in found.tables:
            click.echo(f"  {name.ljust(width)}  {human_size(size_bytes).rjust(9)}")
