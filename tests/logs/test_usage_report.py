"""``llm logs usage`` and ``llm logs stats`` on real logs databases."""

from __future__ import annotations

import datetime
import json
import sqlite3

import pytest

import llm
from llm.logs.periods import parse_point
from llm.logs.report import usage_report

from . import original_dbs

PRICES = "mock: {input: 1, output: 2, date: 2026-01-01}\n"


def when(day: str) -> str:
    return f"{day}T12:00:00.000000+00:00"


@pytest.fixture
def spending(logs_db, mock_model, user_path):
    """Six responses over three months: priced mock ones, an unpriced echo, one without usage."""
    (user_path / "prices.yaml").write_text(PRICES)
    plan = [
        ("2026-01-05", "mock", llm.Usage(input=1_000_000, output=0)),  # $1
        ("2026-01-06", "mock", llm.Usage(input=0, output=1_000_000)),  # $2
        ("2026-01-12", "mock", None),  # no usage
        ("2026-02-03", "mock", llm.Usage(input=500_000, output=500_000)),  # $1.50
        ("2026-03-01", "echo", None),  # echo reports usage, has no price
    ]
    conversation = mock_model.conversation()
    ids = []
    for day, model_id, usage in plan:
        if model_id == "mock":
            mock_model.enqueue("ok", *([usage] if usage else []))
            response = conversation.prompt(f"on {day}")
        else:
            response = llm.get_model("echo").prompt("hello echo")
        response.text()
        response.log_to_db(logs_db)
        ids.append(response.id)
    conn = logs_db.conn
    with conn:
        conn.executemany(
            "update responses set datetime_utc = ? where id = ?",
            [(when(day), i) for (day, _, _), i in zip(plan, ids)],
        )
    return ids


def test_parse_point():
    now = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.timezone.utc)
    assert parse_point("30d", now) == "2026-02-08T12:00:00"
    assert parse_point("12h", now) == "2026-03-10T00:00:00"
    assert parse_point("2w", now) == "2026-02-24T12:00:00"
    assert parse_point("2026-01-31", now) == "2026-01-31T00:00:00"
    assert parse_point("2026-01-31T10:00:00+02:00", now) == "2026-01-31T08:00:00"
    with pytest.raises(ValueError, match="like 30d"):
        parse_point("last tuesday", now)
    with pytest.raises(ValueError, match="before the year 1"):
        parse_point("99999999d", now)


def test_by_model_with_totals(spending, logs_db):
    report = usage_report(logs_db)
    rows = {row.key: row for row in report.rows}
    assert [row.key for row in report.rows] == ["mock", "echo"]  # costliest first
    assert rows["mock"].responses == 4
    assert rows["mock"].known_cost == pytest.approx(4.5)
    assert rows["mock"].unpriced == 1 and rows["mock"].no_usage == 1
    assert rows["echo"].known_cost is None and rows["echo"].unpriced == 1
    assert report.total.responses == 5
    assert report.total.input_tokens == 1_500_000 + rows["echo"].input_tokens
    assert report.total.known_cost == pytest.approx(4.5)


def test_by_day_week_and_month(spending, logs_db):
    days = usage_report(logs_db, "day")
    assert [row.key for row in days.rows] == [
        "2026-01-05",
        "2026-01-06",
        "2026-01-12",
        "2026-02-03",
        "2026-03-01",
    ]
    weeks = usage_report(logs_db, "week")
    # Weeks are named by their Monday: 5 and 6 January share one.
    assert [(row.key, row.responses) for row in weeks.rows] == [
        ("2026-01-05", 2),
        ("2026-01-12", 1),
        ("2026-02-02", 1),
        ("2026-02-23", 1),
    ]
    months = usage_report(logs_db, "month")
    assert [(row.key, row.known_cost) for row in months.rows] == [
        ("2026-01", pytest.approx(3.0)),
        ("2026-02", pytest.approx(1.5)),
        ("2026-03", None),
    ]


def test_since_until_and_model(spending, logs_db):
    report = usage_report(
        logs_db, since="2026-01-06T00:00:00", until="2026-02-04T00:00:00"
    )
    assert report.total.responses == 3
    assert report.total.known_cost == pytest.approx(3.5)
    report = usage_report(logs_db, "day", model="echo")
    assert [row.key for row in report.rows] == ["2026-03-01"]


def test_by_conversation(spending, logs_db):
    report = usage_report(logs_db, "conversation")
    # Most recently active first: the echo prompt, then the mock conversation.
    assert [row.responses for row in report.rows] == [1, 4]
    assert report.rows[1].name == "on 2026-01-05"


def test_cli_table_json_and_footnote(spending, run_logs):
    result = run_logs("usage")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "Model",
        "Responses",
        "Input",
        "tokens",
        "Output",
        "tokens",
        "Cost",
        "Unpriced",
    ]
    assert lines[1].split()[:2] == ["mock", "4"] and lines[1].split()[-2:] == [
        "$4.50",
        "1",
    ]
    assert lines[2].split()[0] == "echo" and lines[2].split()[-2:] == ["unknown", "1"]
    assert lines[-2].startswith("-----")
    assert lines[-1].split()[0] == "Total" and lines[-1].split()[-2:] == ["$4.50", "2"]
    assert result.stderr.strip() == (
        "Cost leaves out 2 responses: 1 with no price for its model when logged, "
        "1 that reported no token usage."
    )
    result = run_logs("usage", "-m", "echo")
    assert result.stderr.strip() == (
        "Cost leaves out 1 response with no price for its model when logged."
    )
    data = json.loads(run_logs("usage", "--by", "month", "--json").output)
    assert data["by"] == "month"
    assert data["rows"][0] == {
        "month": "2026-01",
        "responses": 3,
        "input_tokens": 1_000_000,
        "output_tokens": 1_000_000,
        "cost_usd": 3.0,
        "unpriced": 1,
        "no_usage": 1,
    }
    assert data["total"]["cost_usd"] == pytest.approx(4.5)
    result = run_logs("usage", "-m", "scripted", "--since", "2026-02-01", "--json")
    assert json.loads(result.output)["total"]["responses"] == 1
    result = run_logs("usage", "--until", "2020-01-01")
    assert result.exit_code == 0
    assert result.output == "No responses logged in that time\n"
    result = run_logs("usage", "-m", "gpt-4o")
    assert result.output == "No responses logged by gpt-4o\n"
    # A window that ends before it starts is a mistake, not an empty report.
    result = run_logs("usage", "--since", "2026-03-01", "--until", "2026-02-01")
    assert result.exit_code == 2
    assert (
        "Error: Invalid value for --since: '2026-03-01' (2026-03-01T00:00:00) is not "
        "before --until '2026-02-01' (2026-02-01T00:00:00)"
    ) in result.output
    result = run_logs("usage", "--since", "soon")
    assert result.exit_code != 0 and "should be a duration like 30d" in result.output


def test_report_reads_the_originals_layouts(tmp_path, run_logs):
    path = original_dbs.build_message_store(tmp_path / "logs.db")
    data = json.loads(run_logs("usage", "-d", str(path), "--json").output)
    by_model = {row["model"]: row for row in data["rows"]}
    # Five turns (5 and 7 tokens each) and the response only in the legacy table;
    # the row written to both layouts counts once.
    assert by_model["mock"]["responses"] == 5
    assert by_model["echo"]["input_tokens"] == 5
    assert data["total"]["responses"] == 6
    assert data["total"]["cost_usd"] is None
    path = original_dbs.build_early(tmp_path / "early.db")
    data = json.loads(
        run_logs("usage", "-d", str(path), "--by", "month", "--json").output
    )
    assert [row["month"] for row in data["rows"]] == ["2023-06", "2023-08"]


def test_no_logs_yet_is_not_an_error(run_logs, user_path):
    """On a fresh install the reports say there is nothing yet, and create nothing."""
    for args, said in (
        (["usage"], "No logs yet\n"),
        (["stats"], f"No logs yet: {user_path / 'logs.db'} does not exist\n"),
        (["prune", "--before", "30d", "-y"], "No logs yet: nothing to delete.\n"),
    ):
        result = run_logs(*args)
        assert (result.exit_code, result.output) == (0, said), args
    data = json.loads(run_logs("usage", "--json").output)
    assert data["rows"] == [] and data["total"]["responses"] == 0
    assert list(user_path.iterdir()) == []


def test_missing_database_is_an_error(tmp_path, run_logs):
    result = run_logs("usage", "-d", str(tmp_path / "nope.db"))
    assert result.exit_code == 1
    assert "Error:" in result.output
    result = run_logs("stats", "-d", str(tmp_path / "nope.db"))
    assert result.exit_code == 1
    assert "Error:" in result.output


def test_stats(spending, run_logs, user_path):
    result = run_logs("stats")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Database:       {user_path / 'logs.db'}"
    assert lines[1].startswith("Size on disk:   ")
    assert lines[2:6] == [
        "Conversations:  2",
        "Responses:      5",
        "Oldest:         2026-01-05 12:00:00 UTC",
        "Newest:         2026-03-01 12:00:00 UTC",
    ]
    assert lines[6] == "Largest tables (with their indexes):"
    assert lines[7].split()[0] == "responses"
    data = json.loads(run_logs("stats", "--json").output)
    assert data["responses"] == 5 and data["conversations"] == 2
    names = [table["name"] for table in data["tables"]]
    assert names[0] == "responses" and "responses_fts" in names
    # Indexes and FTS shadow tables are counted with their table.
    assert not any(name.startswith(("idx_", "responses_fts_")) for name in names)
    on_disk = data["size_bytes"] + data["wal_bytes"]
    assert on_disk >= sum(table["bytes"] for table in data["tables"])


def test_stats_does_not_change_the_file(tmp_path, run_logs):
    path = original_dbs.build_message_store(tmp_path / "logs.db")
    before = path.read_bytes()
    data = json.loads(run_logs("stats", "-d", str(path), "--json").output)
    assert path.read_bytes() == before
    assert data["responses"] == 6 and data["turns"] == 5
    assert data["conversations"] == 4  # one conversation, three threads
    conn = sqlite3.connect(path)
    assert conn.execute(
        "select count(*) from sqlite_master where name like '%cost%'"
    ).fetchone() == (0,)
    conn.close()


def test_by_conversation_names_come_from_each_layout(tmp_path, run_logs):
    """Conversations get their names from ``conversations``, else from the
    original's ``threads``; the JSON is laid out as ``json.dumps(indent=2)``."""
    path = original_dbs.build_message_store(tmp_path / "logs.db")
    result = run_logs("usage", "-d", str(path), "--by", "conversation", "--json")
    data = json.loads(result.output)
    assert result.output == json.dumps(data, indent=2) + "\n"
    assert [(row["conversation"], row["name"]) for row in data["rows"]] == [
        ("01kf2rwa000000000000000000", "What version?"),
        ("01kf2rw9000000000000000000", "Who is the hero?"),
        ("01kf2rw8jhv1x9c2m4p6q8s0tv", "Suggest a name for a pet pelican"),
        ("01kf2rw7000000000000000000", "Old times"),
    ]
    assert list(data["rows"][0]) == [
        "conversation",
        "name",
        "responses",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "unpriced",
        "no_usage",
    ]


def _report_plans(db, by, **filters):
    """The query plan of every aggregate query ``usage_report`` runs."""
    statements = []
    db.conn.set_trace_callback(statements.append)
    try:
        usage_report(db, by, **filters)
    finally:
        db.conn.set_trace_callback(None)
    plans = []
    for sql in statements:
        if sql.lstrip().lower().startswith("select") and "group by" in sql:
            # The trace has the values bound in the text.
            rows = db.conn.execute("explain query plan " + sql).fetchall()
            plans.append(" / ".join(row[-1] for row in rows))
    return plans


def test_conversation_report_reads_its_covering_index(spending, logs_db):
    """Adding up 100,000 responses by conversation stays quick because SQLite
    reads one index in conversation order: no table rows, no sorting."""
    for filters in ({}, {"since": "2026-02-01T00:00:00"}):
        (plan,) = _report_plans(logs_db, "conversation", **filters)
        assert "COVERING INDEX idx_responses_conversation_usage" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    (plan,) = _report_plans(logs_db, "model")
    assert "COVERING INDEX idx_responses_usage" in plan, plan


def test_conversation_table_keeps_names_on_one_line(logs_db, mock_model, run_logs):
    conversation = mock_model.conversation()
    for text in ("tabs\tand\nnew lines  in a long first prompt", "short"):
        mock_model.enqueue("ok")
        conversation.prompt(text).text()
        conversation.responses[-1].log_to_db(logs_db)
    mock_model.enqueue("ok")
    single = mock_model.prompt("plain name")
    single.text()
    single.log_to_db(logs_db)
    lines = run_logs("usage", "--by", "conversation").stdout.splitlines()
    names = [line[28:58].rstrip() for line in lines[1:3]]
    assert names == ["plain name", "tabs and new lines in a lon..."]
