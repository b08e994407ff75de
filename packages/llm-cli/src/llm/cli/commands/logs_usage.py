"""``llm logs usage``: tokens and cost added up by model, day, week, month or conversation."""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import handle_errors

HEADINGS = {
    "model": "Model",
    "day": "Day",
    "week": "Week of",
    "month": "Month",
    "conversation": "Conversation",
}
NAME_WIDTH = 30


def parse_point_option(value: str | None, option: str) -> str | None:
    """A ``--since``/``--until``/``--before`` value as a UTC timestamp, or a clean error."""
    from llm.logs.periods import parse_point

    if value is None:
        return None
    try:
        return parse_point(value)
    except ValueError as ex:
        raise click.BadParameter(str(ex), param_hint=option) from None


def _number(value: int) -> str:
    return format(value, ",")


def _cost_cell(row: Any) -> str:
    from llm.pricing import format_dollars

    cost = row.known_cost
    return "unknown" if cost is None else format_dollars(cost)


def table_lines(report: Any) -> list[str]:
    """The report as an aligned table, its total on the last line."""
    from llm.utils import truncate_string

    headings = [HEADINGS[report.by]]
    if report.by == "conversation":
        headings.append("Name")
    headings += ["Responses", "Input tokens", "Output tokens", "Cost", "Unpriced"]
    rows = []
    for row in [*report.rows, report.total]:
        label = "Total" if row is report.total else str(row.key or "(none)")
        cells = [label]
        if report.by == "conversation":
            cells.append(
                ""
                if row is report.total
                else truncate_string(
                    row.name or "", NAME_WIDTH, normalize_whitespace=True
                )
            )
        cells += [
            _number(row.responses),
            _number(row.input_tokens),
            _number(row.output_tokens),
            _cost_cell(row),
            _number(row.unpriced),
        ]
        rows.append(cells)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headings)]
    text_columns = 2 if report.by == "conversation" else 1

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(width) if index < text_columns else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(cells, widths))
        ).rstrip()

    lines = [line(headings)]
    lines += [line(cells) for cells in rows[:-1]]
    lines.append("  ".join("-" * width for width in widths))
    lines.append(line(rows[-1]))
    return lines


def footnote(report: Any) -> str | None:
    """Which responses the cost leaves out, and why, if any."""
    total = report.total
    if not total.unpriced:
        return None
    reasons = []
    no_price = total.unpriced - total.no_usage
    if no_price:
        reasons.append(f"{_number(no_price)} with no price for its model when logged")
    if total.no_usage:
        reasons.append(f"{_number(total.no_usage)} that reported no token usage")
    noun = "response" if total.unpriced == 1 else "responses"
    lead = f"Cost leaves out {_number(total.unpriced)} {noun}"
    if len(reasons) == 1:
        return f"{lead} {reasons[0].split(' ', 1)[1]}."
    return f"{lead}: {', '.join(reasons)}."


@click.command(name="usage")
@click.option(
    "by",
    "--by",
    type=click.Choice(list(HEADINGS)),
    default="model",
    show_default=True,
    help="Group by model, UTC day, week (starting Monday), month or conversation",
)
@click.option("--since", help="Only responses from this time: 30d, 12h, 2w or a date")
@click.option("--until", help="Only responses before this time: 30d, 12h, 2w or a date")
@click.option("-m", "--model", help="Only this model (ID or alias)")
@click.option("json_", "--json", is_flag=True, help="Output JSON")
@click.option("-d", "--database", type=click.Path(), help="Path to log database")
@click.help_option("-h", "--help")
def usage(
    by: str,
    since: str | None,
    until: str | None,
    model: str | None,
    json_: bool,
    database: str | None,
) -> None:
    """Tokens used and what they cost, from the logs

    Costs are those stored when each response was logged. Responses without
    one (no price for the model, or no usage reported) are counted in the
    Unpriced column, never estimated.

    Example usage:

    \b
        llm logs usage
        llm logs usage --by day --since 30d
        llm logs usage --by month -m gpt-4o --json
    """
    from llm.logs.report import usage_report

    from ..inputs import open_reading_logs_db

    with handle_errors():
        since_at = parse_point_option(since, "--since")
        until_at = parse_point_option(until, "--until")
        model_id = None
        if model:
            from llm.registry import resolve_model_id

            model_id = resolve_model_id(model)
        db = open_reading_logs_db(database)
        report = usage_report(db, by, since=since_at, until=until_at, model=model_id)
        if json_:
            click.echo(json.dumps(report.to_dict(), indent=2))
            return
        if not report.rows:
            message = "No logs yet" if db.path is None else "No responses logged"
            if model_id:
                message += f" by {model_id}"
            if since_at or until_at:
                message += " in that time"
            click.echo(message, err=True)
            return
        for line in table_lines(report):
            click.echo(line)
        note = footnote(report)
        if note:
            click.echo(note, err=True)
