"""``llm logs`` options, output formats and sub-commands."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

import llm

yaml = pytest.importorskip("yaml")

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def log(db, model, prompt, reply, **kwargs):
    conversation = kwargs.pop("conversation", None)
    model.enqueue(*([reply] if isinstance(reply, str) else reply))
    target = conversation or model
    response = target.prompt(prompt, **kwargs)
    response.text()
    response.log_to_db(db)
    return response


@pytest.fixture
def five(logs_db, mock_model):
    """Five responses: two in one conversation, three on their own."""
    conversation = mock_model.conversation()
    responses = [
        log(
            logs_db,
            mock_model,
            "pelican names",
            "Percy",
            conversation=conversation,
            system="Be fun",
        ),
        log(
            logs_db,
            mock_model,
            "more pelicans",
            "Penelope",
            conversation=conversation,
            system="Be fun",
        ),
        log(logs_db, mock_model, "walrus facts", "Walruses have tusks"),
        log(
            logs_db,
            mock_model,
            "code please",
            "Here:\n```python\nprint('a')\n```\nand\n```\nsecond()\n```\n",
        ),
        log(logs_db, mock_model, "a very long prompt " * 20, "short answer " * 30),
    ]
    return responses


def ids(result):
    assert result.exit_code == 0, result.output
    return [r["id"] for r in json.loads(result.output)]


def test_default_markdown_latest_three_oldest_first(five, run_logs):
    result = run_logs()
    assert result.exit_code == 0
    output = result.output
    assert output.count("\n# ") + output.startswith("# ") == 3
    assert (
        output.index("walrus facts")
        < output.index("code please")
        < output.index("a very long")
    )
    assert f"conversation: {five[2].id} id: {five[2].id}" in output
    assert "Model: **mock**" in output
    assert "## Prompt\n\nwalrus facts" in output
    assert "## Response\n\nWalruses have tusks" in output
    # `llm logs list` is the same command.
    assert run_logs("list").output == output


def test_count_and_all(five, run_logs):
    assert len(ids(run_logs("-n", "1", "--json"))) == 1
    assert ids(run_logs("-n", "0", "--json")) == [r.id for r in five]
    assert ids(run_logs("--count", "2", "--json")) == [r.id for r in five[3:]]


def documented_record() -> dict:
    """The example record that docs/logging.md prints under "The JSON shape"."""
    text = (Path(__file__).parents[2] / "docs" / "logging.md").read_text()
    section = text.split("### The JSON shape", 1)[1]
    block = section.split("```json\n", 1)[1].split("```", 1)[0]
    [record] = json.loads(block)
    return record


def test_json_shape(five, run_logs):
    [record] = json.loads(run_logs("-n", "1", "--json").output)
    assert list(record) == list(documented_record())
    assert record["options_json"] == {}


def test_empty_database(logs_db, run_logs):
    assert run_logs().output == ""
    assert json.loads(run_logs("--json").output) == []
    assert yaml.safe_load(run_logs("-s").output) == []


def test_truncate(five, run_logs):
    [record] = json.loads(run_logs("-n", "1", "--json", "-t").output)
    assert len(record["prompt"]) == 100 and record["prompt"].endswith("...")
    assert len(record["response"]) == 100
    markdown = run_logs("-n", "1", "-t").output
    assert ("a very long prompt " * 20) not in markdown
    assert "a very long prompt a very" in markdown


def test_short_yaml_and_usage(logs_db, mock_model, run_logs):
    log(
        logs_db,
        mock_model,
        "x " * 100,
        ["reply", llm.Usage(input=7, output=3, details={"r": 1})],
        system="sys",
    )
    short = yaml.safe_load(run_logs("-s").output)
    # The original's keys, fragment lists included even when empty.
    assert list(short[0]) == [
        "model",
        "datetime",
        "duration_ms",
        "conversation",
        "system",
        "prompt",
        "prompt_fragments",
        "system_fragments",
    ]
    assert short[0]["prompt_fragments"] == short[0]["system_fragments"] == []
    assert short[0]["model"] == "mock"
    assert short[0]["system"] == "sys"
    assert len(short[0]["prompt"]) <= 100 and " ... " in short[0]["prompt"]
    assert "T" in short[0]["datetime"] and "." not in short[0]["datetime"]
    with_usage = yaml.safe_load(run_logs("-s", "-u").output)
    assert with_usage[0]["usage"] == {"input": 7, "output": 3, "details": {"r": 1}}


def test_short_yaml_is_exactly_what_yaml_dump_gives(logs_db, mock_model, run_logs):
    """libyaml is used where it prints the same text; emoji, control characters
    and non-ASCII keys (which it prints differently) still come out as before."""
    from llm.logs import LogFilter, iter_logs
    from llm.logs.render import short_record

    prompts = [
        "plain words: with 'quotes', #hashes and a: colon",
        "pelican \U0001f426 emoji",
        "bell \x07 and \u2028 separator",
        "yes",
        "caf\u00e9 " * 40,
    ]
    for prompt in prompts:
        log(logs_db, mock_model, prompt, "ok")
    call = llm.ToolCall(name="f", arguments={"cl\u00e9": "\u00e9t\u00e9", "": 1})
    log(logs_db, mock_model, "tool", [call])
    expected = "".join(
        yaml.dump([short_record(r)], sort_keys=False, allow_unicode=True, width=80)
        for r in iter_logs(logs_db, LogFilter(count=0))
    )
    result = run_logs("-n", "0", "--short")
    assert result.exit_code == 0, result.output
    assert result.output == expected
    assert "\U0001f426" in result.output
    loaded = [r["prompt"] for r in yaml.safe_load(result.output)]
    assert loaded[:2] + loaded[3:4] == [prompts[0], prompts[1], "yes"]


def test_short_yaml_of_many_records_in_batches(logs_db, mock_model, run_logs):
    from llm.cli.commands.logs import YAML_BATCH

    for index in range(YAML_BATCH + 3):
        log(logs_db, mock_model, f"prompt {index}", "ok")
    short = yaml.safe_load(run_logs("-n", "0", "-s").output)
    assert [r["prompt"] for r in short] == [
        f"prompt {index}" for index in range(YAML_BATCH + 3)
    ]


def test_usage_in_markdown(logs_db, mock_model, run_logs):
    log(logs_db, mock_model, "count", ["ok", llm.Usage(input=10, output=5)])
    assert "## Token usage\n\n10 input, 5 output" in run_logs("-u").output
    assert "Token usage" not in run_logs().output


def test_response_and_extract(five, run_logs):
    assert run_logs("-r").output == ("short answer " * 30) + "\n"
    assert run_logs("-r", "--cid", five[0].conversation.id).output == "Penelope\n"
    # With no fenced code block in the entries shown, -x and --xl show them as
    # if they had not been given (as the original 0.36 does); -r -x gives the
    # whole response, as ``llm -x`` does.
    assert run_logs("-x", "-n", "1").output == run_logs("-n", "1").output
    assert "## Response" in run_logs("--xl", "-n", "1").output
    assert run_logs("-x", "-n", "1", "--json").output == (
        run_logs("-n", "1", "--json").output
    )
    assert run_logs("-x", "-n", "1", "-s").output == run_logs("-n", "1", "-s").output
    assert run_logs("-r", "-x").output == ("short answer " * 30) + "\n"
    assert run_logs("-x", "-n", "0").output == "print('a')\n"
    # Printed as ``llm -x`` prints them: ending in one newline.
    assert run_logs("-x", "--cid", five[3].id).output == "print('a')\n"
    assert run_logs("--xl", "--cid", five[3].id).output == "second()\n"
    assert run_logs("-r", "--extract-last", "--cid", five[3].id).output == "second()\n"
    assert run_logs("-r", "--cid", five[3].id).output.endswith("```\n")


def test_current_and_cid(five, run_logs, logs_db, mock_model):
    conversation_id = five[0].conversation.id
    assert ids(run_logs("--cid", conversation_id, "--json")) == [five[0].id, five[1].id]
    assert ids(run_logs("--conversation", conversation_id, "--json")) == [
        five[0].id,
        five[1].id,
    ]
    # -c is the conversation of the newest response.
    assert ids(run_logs("-c", "--json")) == [five[4].id]
    markdown = run_logs("--cid", conversation_id).output
    # The unchanged system prompt is shown once per conversation.
    assert markdown.count("## System") == 1


def test_query_most_relevant_first(logs_db, mock_model, run_logs):
    weak = log(
        logs_db,
        mock_model,
        "tell me a story",
        "a pelican appeared once among many other birds",
    )
    strong = log(logs_db, mock_model, "pelican pelican facts", "they fly")
    log(logs_db, mock_model, "unrelated", "nothing here")
    newer_weak = log(logs_db, mock_model, "another story", "with one pelican")
    found = ids(run_logs("-q", "pelican", "--json"))
    assert set(found) == {weak.id, strong.id, newer_weak.id}
    # logging.md: the most relevant shown first; prompt matches above response matches.
    assert found[0] == strong.id
    assert ids(run_logs("-q", "pelican", "-n", "1", "--json")) == [strong.id]
    # -l/--latest: the most recent first.
    assert ids(run_logs("-q", "pelican", "-l", "-n", "2", "--json")) == [
        newer_weak.id,
        strong.id,
    ]
    assert ids(run_logs("-q", '"pelican facts"', "--json")) == [strong.id]


def test_prompt_match_ranks_above_response_matches(logs_db, mock_model, run_logs):
    log(logs_db, mock_model, "first", "walrus walrus walrus")
    in_prompt = log(logs_db, mock_model, "walrus?", "nothing")
    log(logs_db, mock_model, "third", "one walrus")
    short = yaml.safe_load(run_logs("-q", "walrus", "-s").output)
    assert [item["prompt"] for item in short] == ["walrus?", "first", "third"]
    assert ids(run_logs("-q", "walrus", "-n", "1", "--json")) == [in_prompt.id]


@pytest.mark.parametrize("query", ["AND OR", '"unclosed', "can't"])
def test_invalid_search_query_is_an_error(logs_db, mock_model, run_logs, query):
    log(logs_db, mock_model, "hello", "world")
    result = run_logs("-q", query)
    assert result.exit_code == 1
    assert result.output.startswith("Error: Invalid search query: ")
    assert result.output.endswith(
        " - see the FTS5 query syntax documentation at "
        "https://sqlite.org/fts5.html#full_text_query_syntax\n"
    )


def test_model_filter_is_alias_aware(logs_db, mock_model, run_logs):
    log(logs_db, mock_model, "from mock", "m")
    echo = llm.get_model("echo").prompt("from echo")
    echo.text()
    echo.log_to_db(logs_db)
    assert [
        r["prompt"] for r in json.loads(run_logs("-m", "scripted", "--json").output)
    ] == ["from mock"]
    assert [
        r["prompt"] for r in json.loads(run_logs("-m", "echo", "--json").output)
    ] == ["from echo"]
    llm.set_alias("e", "echo")
    assert [r["prompt"] for r in json.loads(run_logs("-m", "e", "--json").output)] == [
        "from echo"
    ]


def test_id_filters(five, run_logs):
    assert ids(run_logs("--id-gt", five[2].id, "-n", "0", "--json")) == [
        five[3].id,
        five[4].id,
    ]
    assert ids(run_logs("--id-gte", five[2].id, "-n", "0", "--json")) == [
        r.id for r in five[2:]
    ]


def test_fragment_filter_and_expand(logs_db, mock_model, run_logs, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("Notes about pelicans " * 20)
    from llm.logs.fragments import resolve_fragment, set_fragment_alias

    [fragment] = resolve_fragment(logs_db, str(notes))
    used = log(
        logs_db, mock_model, "summarise", "done", fragments=[fragment, "extra bit"]
    )
    log(logs_db, mock_model, "no fragments", "ok")
    set_fragment_alias(logs_db, "notes", str(notes))
    digest = fragment.id()
    for reference in (digest, "notes", str(notes)):
        assert ids(run_logs("-f", reference, "--json")) == [used.id], reference
    from llm.fragments import fragment_hash

    extra = fragment_hash("extra bit")
    assert ids(run_logs("-f", "notes", "-f", extra, "--json")) == [used.id]
    other = fragment_hash("never used")
    assert ids(run_logs("-f", "notes", "-f", other, "--json")) == []
    [record] = json.loads(run_logs("-f", "notes", "--json").output)
    assert record["prompt_fragments"][0]["hash"] == digest
    assert record["prompt_fragments"][0]["aliases"] == ["notes"]
    assert record["prompt_fragments"][0]["content"].endswith("...")
    [expanded] = json.loads(run_logs("-f", "notes", "--json", "-e").output)
    assert expanded["prompt_fragments"][0]["content"] == "Notes about pelicans " * 20
    markdown = run_logs("-f", "notes").output
    assert f"- {digest}" in markdown
    assert ("Notes about pelicans " * 20) in run_logs("-f", "notes", "--expand").output
    bad = run_logs("-f", "no-such-fragment")
    assert bad.exit_code == 1
    assert "Error: Fragment 'no-such-fragment' not found" in bad.output


def multiply(a: int, b: int) -> int:
    """Multiply two numbers."""
    return a * b


def test_tool_filters_and_output(logs_db, mock_model, run_logs):
    mock_model.enqueue(
        llm.ToolCall(name="multiply", arguments={"a": 2, "b": 3}, tool_call_id="c1")
    )
    mock_model.enqueue("It is 6")
    chain = mock_model.chain("2*3?", tools=[multiply])
    chain.text()
    chain.log_to_db(logs_db)
    log(logs_db, mock_model, "no tools", "plain")
    first, second = [r.id for r in chain._responses]
    assert ids(run_logs("-T", "multiply", "--json")) == [second]
    assert ids(run_logs("--tools", "--json")) == [second]
    assert ids(run_logs("-T", "other", "--json")) == []
    records = json.loads(run_logs("-n", "0", "--json").output)
    assert records[0]["tool_calls"] == [
        {"name": "multiply", "arguments": {"a": 2, "b": 3}, "tool_call_id": "c1"}
    ]
    assert records[0]["tools"][0]["name"] == "multiply"
    assert records[1]["tool_results"][0]["output"] == "6"
    markdown = run_logs("-n", "0").output
    assert "### Tool calls" in markdown and "**multiply**: `c1`" in markdown
    assert "### Tool results" in markdown
    assert "### Tools" in markdown


def test_attachments_in_output(logs_db, mock_model, run_logs):
    log(
        logs_db,
        mock_model,
        "look",
        "a square",
        attachments=[llm.Attachment(content=PNG)],
    )
    [record] = json.loads(run_logs("--json").output)
    assert record["attachments"] == [
        {
            "id": llm.Attachment(content=PNG).id(),
            "type": "image/png",
            "path": None,
            "url": None,
            "content_length": len(PNG),
        }
    ]
    assert "### Attachments\n\n1. **image/png**: `<40 bytes>`" in run_logs().output


def test_schema_data_options(logs_db, mock_model, run_logs, tmp_path):
    multi = llm.schema_dsl("name, bio", multi=True)
    log(
        logs_db,
        mock_model,
        "3 dogs",
        '{"items": [{"name": "Rex", "bio": "good"}, {"name": "Fido", "bio": "fast"}]}',
        schema=multi,
    )
    second = log(
        logs_db,
        mock_model,
        "1 dog",
        '{"items": [{"name": "Bo", "bio": "calm"}]}',
        schema=multi,
    )
    log(logs_db, mock_model, "no schema", "{}")
    lines = run_logs("--schema-multi", "name, bio", "--data").output.splitlines()
    assert [json.loads(line)["items"][0]["name"] for line in lines] == ["Rex", "Bo"]
    items = run_logs(
        "--schema-multi", "name, bio", "--data-key", "items"
    ).output.splitlines()
    assert [json.loads(i)["name"] for i in items] == ["Rex", "Fido", "Bo"]
    array = json.loads(
        run_logs(
            "--schema-multi", "name, bio", "--data-key", "items", "--data-array"
        ).output
    )
    assert [i["name"] for i in array] == ["Rex", "Fido", "Bo"]
    with_ids = [
        json.loads(line)
        for line in run_logs(
            "--schema-multi", "name, bio", "--data-key", "items", "--data-ids"
        ).output.splitlines()
    ]
    assert with_ids[2]["response_id"] == second.id
    assert with_ids[2]["conversation_id"] == second.id
    # The same schema by ID, by JSON and from a file.
    schema_id, _ = llm.utils.make_schema_id(multi)
    assert run_logs("--schema", schema_id, "--data").output.splitlines() == lines
    assert (
        run_logs("--schema", json.dumps(multi), "--data").output.splitlines() == lines
    )
    path = tmp_path / "dogs.schema.json"
    path.write_text(json.dumps(multi))
    assert run_logs("--schema", str(path), "--data").output.splitlines() == lines
    assert (
        json.loads(run_logs("--schema", "name, age int", "--data-array").output) == []
    )
    # Markdown shows the schema and pretty-prints the JSON response.
    markdown = run_logs("--schema-multi", "name, bio").output
    assert "\n## Schema\n" in markdown and '"name": "Bo"' in markdown
    unknown = run_logs("--schema", "0" * 32)
    assert unknown.exit_code == 1
    assert unknown.output == f"Error: No stored schema with ID {'0' * 32}\n"


def test_data_ids_avoid_key_clash(logs_db, mock_model, run_logs):
    response = log(
        logs_db,
        mock_model,
        "x",
        '{"response_id": "mine", "v": 1}',
        schema={"type": "object"},
    )
    [item] = [
        json.loads(line)
        for line in run_logs("-c", "--data", "--data-ids").output.splitlines()
    ]
    assert item["response_id"] == "mine"
    assert item["response_id_"] == response.id


def test_interrupted_and_error_marked(logs_db, mock_model, run_logs):
    mock_model.enqueue("partial ", "more")
    response = mock_model.prompt("stream")
    next(iter(response))
    response.log_to_db(logs_db)
    failing = llm.get_model("echo").prompt(json.dumps({"error": "boom"}))
    with pytest.raises(llm.ModelError):
        failing.text()
    failing.log_to_db(logs_db)
    markdown = run_logs().output
    assert "**Response interrupted**" in markdown
    assert "**Response failed**: boom" in markdown
    records = json.loads(run_logs("--json").output)
    # docs/logging.md: an interrupted response has a status and no error.
    assert records[0]["status"] == "interrupted" and "error" not in records[0]
    assert records[1]["status"] == "error" and records[1]["error"] == "boom"
    assert yaml.safe_load(run_logs("-s").output)[0]["status"] == "interrupted"


def test_reasoning_heading_before_response(logs_db, run_logs):
    response = llm.get_model("echo").prompt(json.dumps({"reasoning": "deep thoughts"}))
    response.text()
    response.log_to_db(logs_db)
    output = run_logs().output
    # In a <details> block, as the original shows it.
    assert (
        "## Reasoning\n\n<details><summary>Reasoning trace</summary>\n\n"
        "deep thoughts \n\n</details>\n\n## Response"
    ) in output
    assert output.index("## Reasoning") < output.index("## Response")


def test_database_option_and_old_path_option(tmp_path, mock_model, run_logs):
    from llm.logs import open_logs_db

    other = tmp_path / "other.db"
    with open_logs_db(other) as db:
        log(db, mock_model, "in other db", "yes")
    for flag in ("-d", "--database", "-p", "--path"):
        assert (
            json.loads(run_logs(flag, str(other), "--json").output)[0]["prompt"]
            == "in other db"
        )
    # Listed in the help as in the original's reference help.
    assert "-p, --path FILE" in run_logs("list", "--help").output


@pytest.mark.parametrize(
    "setup,message",
    [
        ("missing", "No database found at"),
        ("directory", "is a directory"),
        ("text", "is not a SQLite database"),
        # A read-only file can be read; this one just holds no logs.
        ("readonly", "is not an LLM logs database"),
    ],
)
def test_bad_database_paths(tmp_path, run_logs, setup, message):
    path = tmp_path / "bad.db"
    if setup == "directory":
        path.mkdir()
    elif setup == "text":
        path.write_text("just some notes, not a database")
    elif setup == "readonly":
        conn = sqlite3.connect(path)
        conn.execute("create table t (x)")
        conn.close()
        path.chmod(0o444)
    result = run_logs("-d", str(path))
    assert result.exit_code == 1
    assert "Error: " in result.output and message in result.output
    assert "Traceback" not in result.output
    if setup == "text":
        assert path.read_text() == "just some notes, not a database"


def test_negative_count_is_an_error(logs_db, run_logs):
    result = run_logs("-n", "-1")
    assert result.exit_code == 1
    assert "Error:" in result.output


def test_path_on_off_status(user_path, run_logs, logs_db, mock_model):
    assert run_logs("path").output.strip() == str(user_path / "logs.db")
    log(logs_db, mock_model, "hi", "there")
    status = run_logs("status").output
    # The spec's wording and alignment (logging.md).
    assert re.fullmatch(
        "Logging is ON for all prompts\n"
        f"Found log database at {re.escape(str(user_path / 'logs.db'))}\n"
        "Number of conversations logged: 1\n"
        "Number of responses logged:     1\n"
        r"Database file size:             [\d.]+KB\n",
        status,
    )
    assert run_logs("off").exit_code == 0
    assert (user_path / "logs-off").exists()
    from llm.logs import logs_on

    assert logs_on() is False
    assert run_logs("status").output.startswith("Logging is OFF\nFound log database")
    run_logs("on")
    assert logs_on() is True
    assert not (user_path / "logs-off").exists()


def test_status_without_database(user_path, run_logs):
    output = run_logs("status").output
    assert output == f"No log database found at {user_path / 'logs.db'}\n"
    assert not (user_path / "logs.db").exists()


def test_backup(user_path, tmp_path, run_logs, logs_db, mock_model):
    log(logs_db, mock_model, "keep me", "safe")
    destination = tmp_path / "backup.db"
    result = run_logs("backup", str(destination))
    assert result.exit_code == 0
    assert result.output.startswith("Backed up ") and str(destination) in result.output
    copy = sqlite3.connect(destination)
    assert copy.execute("select prompt from responses").fetchall() == [("keep me",)]
    copy.close()
    again = run_logs("backup", str(destination))
    assert again.exit_code == 1 and "already exists" in again.output


def test_backup_and_status_refuse_what_is_not_a_logs_database(
    user_path, tmp_path, run_logs
):
    destination = tmp_path / "backup.db"
    missing = run_logs("backup", str(destination))
    assert missing.exit_code == 1
    assert f"Error: No database found at {user_path / 'logs.db'}" in missing.output
    assert not destination.exists()
    (user_path / "logs.db").mkdir()
    directory = run_logs("status")
    assert directory.exit_code == 1 and "is a directory" in directory.output
    (user_path / "logs.db").rmdir()
    (user_path / "logs.db").write_text("my notes")
    for result in (run_logs("status"), run_logs("backup", str(destination))):
        assert result.exit_code == 1
        assert "is not a SQLite database" in result.output
    assert (user_path / "logs.db").read_text() == "my notes"
    assert not destination.exists()


def test_help_lists_every_documented_option(run_logs):
    help_text = run_logs("list", "--help").output
    for option in (
        "-n, --count INTEGER",
        "-d, --database",
        "-m, --model TEXT",
        "-q, --query TEXT",
        "-f, --fragment TEXT",
        "-T, --tool TEXT",
        "--tools",
        "--schema TEXT",
        "--schema-multi TEXT",
        "-l, --latest",
        "--data",
        "--data-array",
        "--data-key TEXT",
        "--data-ids",
        "-t, --truncate",
        "-s, --short",
        "-u, --usage",
        "-r, --response",
        "-x, --extract",
        "--xl, --extract-last",
        "-c, --current",
        "--cid, --conversation TEXT",
        "--id-gt TEXT",
        "--id-gte TEXT",
        "--json",
        "-e, --expand",
    ):
        assert option in help_text, option
    group_help = run_logs("--help").output
    for command in ("list*", "backup", "off", "on", "path", "status"):
        assert command in group_help


def test_listing_without_a_database_says_so_and_creates_nothing(user_path, run_logs):
    for args, output in (([], "No logs yet\n"), (["-c"], "No logs yet\n")):
        result = run_logs(*args)
        assert (result.exit_code, result.output) == (0, output), args
    result = run_logs("list", "--json")
    assert (result.exit_code, result.output) == (0, "[]\n")
    assert not (user_path / "logs.db").exists()


def test_short_refuses_json_and_response(five, run_logs):
    for flag in ("--json", "-r"):
        result = run_logs("-s", flag)
        assert result.exit_code == 1
        assert result.output.startswith("Error: Cannot use --short and")
