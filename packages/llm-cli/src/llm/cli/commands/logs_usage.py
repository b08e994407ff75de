"""``llm logs usage``: tokens and cost added up by model, day, week, month or conversation."""

from __future__ import annotations

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


def table_lines(report: Any) -> list[str]:
    """The report as an aligned table, its total on the last line."""
    from llm.pricing import format_dollars
    from llm.utils import truncate_string

    def name_cell(name: str | None) -> str:
        if name and name.isprintable() and "  " not in name:
            # Whitespace is already single spaces: no need to normalize it.
            return truncate_string(name, NAME_WIDTH)
        return truncate_string(name or "", NAME_WIDTH, normalize_whitespace=True)

    rows = [*report.rows, report.total]
    labels = [str(row.key or "(none)") for row in report.rows] + ["Total"]
    # Built a column at a time: a report by conversation can have many rows.
    columns = [[HEADINGS[report.by], *labels]]
    if report.by == "conversation":
        columns.append(["Name", *(name_cell(row.name) for row in report.rows), ""])
    columns += [
        ["Responses", *(f"{row.responses:,}" for row in rows)],
        ["Input tokens", *(f"{row.input_tokens:,}" for row in rows)],
        ["Output tokens", *(f"{row.output_tokens:,}" for row in rows)],
        [
            "Cost",
            *(
                "unknown" if cost is None else format_dollars(cost)
                for cost in (row.known_cost for row in rows)
            ),
        ],
        ["Unpriced", *(f"{row.unpriced:,}" for row in rows)],
    ]
    widths = [max(map(len, column)) for column in columns]
    text_columns = 2 if report.by == "conversation" else 1
    # One format string aligns a whole line: text columns left, numbers right.
    template = "  ".join(
        f"{{:{'<' if index < text_columns else '>'}{width}}}"
        for index, width in enumerate(widths)
    )
    lines = [template.format(*cells).rstrip() for cells in zip(*columns)]
    lines.insert(-1, "  ".join("-" * width for width in widths))
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
        if since_at and until_at and since_at >= until_at:
            raise click.BadParameter(
                f"{since!r} ({since_at}) is not before --until {until!r} ({until_at})",
                param_hint="--since",
            )
        model_id = None
        if model:
            from llm.registry import resolve_model_id

            model_id = resolve_model_id(model)
        db = open_reading_logs_db(database)
        report = usage_report(db, by, since=since_at, until=until_at, model=model_id)
        if json_:
            from ..json_text import indented_json

            click.echo(indented_json(report.to_dict()))
            return
        if not report.rows:
            message = "No logs yet" if db.path is None else "No responses logged"
            if model_id:
                message += f" by {model_id}"
            if since_at or until_at:
                message += " in that time"
            click.echo(message, err=True)
            return
        click.echo("\n".join(table_lines(report)))
        note = footnote(report)
        if note:
            click.echo(note, err=True)
