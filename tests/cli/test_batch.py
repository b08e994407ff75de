"""``llm batch``: rows in, one JSON line per row out, logged with a batch ID, resumable."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys

import pytest

from llm.versions import llm_version

from .conftest import rows
from .test_startup import read_until


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def echoed(output: dict) -> dict:
    """What the echo model received, from a row's output line."""
    return json.loads(output["response"])


def batch_id(stderr: str) -> str:
    summary = [line for line in stderr.splitlines() if line.startswith("Batch ")][-1]
    return summary.split()[1].rstrip(":")


@pytest.fixture
def write(tmp_path):
    def make(name: str, content: str) -> str:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        return str(path)

    return make


def test_plain_lines_in_order_with_a_summary(invoke, write, logs_path):
    path = write("prompts.txt", "first\n\nsecond, with a comma\nthird\n")
    result = invoke(["batch", path, "-m", "echo", "--parallel", "2"])
    assert result.exit_code == 0, result.output
    found = lines(result.stdout)
    assert [o["id"] for o in found] == [1, 3, 4]
    assert [echoed(o)["prompt"] for o in found] == [
        "first",
        "second, with a comma",
        "third",
    ]
    assert found[0]["usage"] == {"input": 1, "output": 36}
    assert found[0]["cost"] is None  # the echo model has no price
    assert found[0]["error"] is None
    assert result.stderr.startswith("Batch ")
    assert (
        ": 3 done, 0 failed, 6 input and 114 output tokens, "
        "cost unknown: no price known for echo, " in result.stderr
    )
    logged = rows(logs_path, "select prompt from responses order by id")
    assert sorted(r["prompt"] for r in logged) == sorted(
        ["first", "second, with a comma", "third"]
    )


def test_logs_of_a_batch(invoke, write):
    first = invoke(["batch", write("a.txt", "one\ntwo\n"), "-m", "echo"])
    invoke(["-m", "echo", "not part of it"])
    second = invoke(["batch", write("b.txt", "three\n"), "-m", "echo"])
    listed = invoke(["logs", "--batch", batch_id(first.stderr), "--json"])
    assert sorted(r["prompt"] for r in json.loads(listed.stdout)) == ["one", "two"]
    listed = invoke(["logs", "--batch", batch_id(second.stderr), "-s"])
    assert "three" in listed.stdout and "one" not in listed.stdout
    missing = invoke(["logs", "--batch", "nope"])
    assert missing.exit_code == 1
    assert "No batch found with ID nope" in missing.stderr
    listing = invoke(["batch", "list"])
    assert listing.stdout.splitlines()[0].startswith(batch_id(second.stderr))


def test_csv_rows_with_id_system_and_a_bad_row(invoke, write):
    path = write("rows.csv", "id,prompt,system\na,hello,be brief\nb,,\nc,world,\n")
    result = invoke(["batch", path, "-m", "echo", "-s", "default system"])
    assert result.exit_code == 1
    found = lines(result.stdout)
    assert [o["id"] for o in found] == ["a", "b", "c"]
    assert echoed(found[0])["system"] == "be brief"
    assert echoed(found[2])["system"] == "default system"
    assert found[1] == {
        "id": "b",
        "response": None,
        "usage": None,
        "cost": None,
        "error": "CSV line 3: the prompt is empty",
    }
    assert "Error: CSV line 3: the prompt is empty" in result.stderr
    assert ": 2 done, 1 failed" in result.stderr


def test_jsonl_column_attachments_and_unreadable_rows(invoke, write, tmp_path):
    image = tmp_path / "pixel.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    path = write(
        "rows.jsonl",
        "\n".join(
            [
                json.dumps({"id": 1, "text": "look", "attachments": [str(image)]}),
                json.dumps({"id": 2, "text": "gone", "attachment": "missing.png"}),
                "{not json",
                json.dumps({"id": 4, "prompt": "no text field"}),
                json.dumps({"id": 5, "text": 42}),
            ]
        )
        + "\n",
    )
    result = invoke(["batch", path, "-m", "echo", "--column", "text"])
    assert result.exit_code == 1
    found = lines(result.stdout)
    assert [o["id"] for o in found] == [1, 2, 3, 4, 5]
    assert echoed(found[0])["attachments"][0]["type"] == "image/png"
    assert found[1]["error"] == "Line 2: Attachment file missing.png does not exist"
    assert (
        found[2]["error"]
        == "Invalid JSON on line 3: Expecting property name enclosed in double quotes"
    )
    assert found[3]["error"] == "Line 4: no 'text' field"
    assert echoed(found[4])["prompt"] == "42"
    for message in (
        "Error: Line 2: Attachment file missing.png does not exist",
        "Error: Invalid JSON on line 3",
        "Error: Line 4: no 'text' field",
    ):
        assert message in result.stderr


def test_prompt_options_apply_to_every_row(invoke, write, tmp_path):
    fragment = tmp_path / "context.txt"
    fragment.write_text("Some context")
    path = write("rows.jsonl", '{"prompt": "a"}\n{"prompt": "b"}\n')
    result = invoke(
        [
            "batch",
            path,
            "-m",
            "echo",
            "-o",
            "temperature",
            "0.5",
            "-f",
            str(fragment),
            "--schema",
            "name, age int",
        ]
    )
    assert result.exit_code == 0, result.output
    for output in lines(result.stdout):
        data = output["data"]  # the echo model's JSON reply, parsed
        assert "response" not in output
        assert data["options"] == {"temperature": 0.5}
        assert data["prompt"].startswith("Some context\n")
        assert data["schema"]["properties"]["age"] == {"type": "integer"}


def test_a_reply_that_is_not_json_fails_with_a_schema(invoke, write, mock_model):
    mock_model.enqueue("not json at all")
    result = invoke(["batch", write("r.txt", "x\n"), "-m", "mock", "--schema", "a,"])
    assert result.exit_code == 1
    (output,) = lines(result.stdout)
    assert output["error"] == "The model's reply is not valid JSON"
    assert output["data"] is None
    assert output["response"] == "not json at all"


def test_templates_take_values_from_each_row(invoke, write, user_path):
    templates = user_path / "templates"
    templates.mkdir()
    (templates / "greet.yaml").write_text(
        "prompt: 'Greet $name in $language: $input'\nsystem: 'Be $tone'\n"
    )
    path = write(
        "people.csv",
        "name,language,input\nAda,French,hi\nBob,,yo\nCy,German,hey\n",
    )
    result = invoke(["batch", path, "-m", "echo", "-t", "greet", "-p", "tone", "kind"])
    found = lines(result.stdout)
    assert echoed(found[0])["prompt"] == "Greet Ada in French: hi"
    assert echoed(found[0])["system"] == "Be kind"
    assert echoed(found[1])["prompt"] == "Greet Bob in : yo"
    assert echoed(found[2])["prompt"] == "Greet Cy in German: hey"
    missing = invoke(["batch", path, "-m", "echo", "-t", "greet"])
    assert missing.exit_code == 1
    assert all(
        o["error"].startswith("CSV line ") and "Missing variables: tone" in o["error"]
        for o in lines(missing.stdout)
    )


def test_tools_run_as_a_chain_for_each_row(invoke, write, logs_path):
    call = json.dumps({"tool_calls": [{"name": "llm_version"}]})
    path = write("rows.jsonl", json.dumps({"id": "t", "prompt": call}) + "\n")
    result = invoke(["batch", path, "-m", "echo", "-T", "llm_version"])
    assert result.exit_code == 0, result.output
    (output,) = lines(result.stdout)
    (result_,) = echoed(output)["tool_results"]
    assert (result_["name"], result_["output"]) == ("llm_version", llm_version())
    linked = rows(logs_path, "select response_id from batch_responses")
    assert len(linked) == 2


def test_sync_only_models_and_standard_input(invoke):
    result = invoke(
        ["batch", "-", "-m", "legacy", "--parallel", "3"], input="a\nb\nc\n"
    )
    assert result.exit_code == 0, result.output
    found = lines(result.stdout)
    assert [o["response"] for o in found] == [
        "legacy:a history=[]",
        "legacy:b history=[]",
        "legacy:c history=[]",
    ]


def test_stdin_cannot_be_both_input_and_attachment(invoke):
    result = invoke(["batch", "-", "-m", "echo", "-a", "-"], input="a\n")
    assert result.exit_code == 1
    assert "Standard input is the batch input" in result.stderr


def test_output_file(invoke, write, tmp_path):
    target = tmp_path / "out.jsonl"
    result = invoke(
        ["batch", write("p.txt", "a\nb\n"), "-m", "echo", "--output", str(target)]
    )
    assert result.exit_code == 0
    assert result.stdout == ""
    assert [o["id"] for o in lines(target.read_text())] == [1, 2]


def test_output_that_would_erase_the_input_is_refused(
    invoke, write, tmp_path, logs_path
):
    source = write("p.txt", "a\nb\n")
    for output, message in [
        (source, "is the input file: writing the answers there would erase"),
        (str(tmp_path), "is a directory"),
        (str(tmp_path / "no" / "out.jsonl"), "does not exist"),
    ]:
        result = invoke(["batch", source, "-m", "echo", "--output", output])
        assert result.exit_code == 1, output
        assert result.stderr.startswith("Error: --output ")
        assert message in result.stderr
    assert (tmp_path / "p.txt").read_text() == "a\nb\n"
    # Refused before anything is logged: no failed batch left behind.
    assert invoke(["batch", "list"]).stdout == ""


def test_resume_skips_rows_that_succeeded(invoke, write, logs_path):
    failing = json.dumps({"error": "boom"})
    path = write(
        "rows.jsonl",
        "\n".join(
            json.dumps(row)
            for row in (
                {"id": "a", "prompt": "one"},
                {"id": "b", "prompt": failing},
                {"id": "c", "prompt": "three"},
            )
        )
        + "\n",
    )
    first = invoke(["batch", path, "-m", "echo"])
    assert first.exit_code == 1
    assert [o["error"] for o in lines(first.stdout)] == [None, "boom", None]
    assert "Error: Line 2: boom" in first.stderr
    # Fix the failing row and run the same command again.
    with open(path, "w") as fp:
        for row in ({"id": "a", "prompt": "one"}, {"id": "b", "prompt": "two"}):
            fp.write(json.dumps(row) + "\n")
        fp.write(json.dumps({"id": "c", "prompt": "three"}) + "\n")
    second = invoke(["batch", path, "-m", "echo", "--resume"])
    assert second.exit_code == 0, second.output
    assert batch_id(second.stderr) == batch_id(first.stderr)
    assert [echoed(o)["prompt"] for o in lines(second.stdout)] == [
        "one",
        "two",
        "three",
    ]
    assert "3 done (2 from an earlier run), 0 failed" in second.stderr
    prompts = [r["prompt"] for r in rows(logs_path, "select prompt from responses")]
    assert sorted(prompts) == sorted(["one", failing, "three", "two"])
    linked = rows(logs_path, "select count(*) as n from batch_responses")
    assert linked == [{"n": 4}]
    # Another command (a different model) is a different batch.
    other = invoke(["batch", path, "-m", "mock", "--resume"])
    assert batch_id(other.stderr) != batch_id(first.stderr)
    assert "No earlier run of this batch to resume" in other.stderr


def test_a_repeated_id_is_refused_and_the_first_row_kept(invoke, write, logs_path):
    # Line 1 has no id, so it is known as 1; line 3 repeats "a", line 4 takes 1.
    path = write(
        "rows.jsonl",
        "\n".join(
            json.dumps(row)
            for row in (
                {"prompt": "zero"},
                {"id": "a", "prompt": "one"},
                {"id": "a", "prompt": "again"},
                {"id": 1, "prompt": "number"},
            )
        )
        + "\n",
    )
    result = invoke(["batch", path, "-m", "echo"])
    assert result.exit_code == 1
    found = lines(result.stdout)
    assert [o["id"] for o in found] == [1, "a", "a", 1]
    assert [echoed(o)["prompt"] for o in found[:2]] == ["zero", "one"]
    assert found[2]["error"] == (
        'Line 3: id "a" is already used by the row on line 2 (each row needs an id '
        "of its own; a row without one is known by its line number)"
    )
    assert found[3]["error"].startswith(
        "Line 4: id 1 is already used by the row on line 1"
    )
    assert ": 2 done, 2 failed" in result.stderr
    # Neither repeat ran, and the log still knows both first rows as done.
    prompts = [r["prompt"] for r in rows(logs_path, "select prompt from responses")]
    assert sorted(prompts) == ["one", "zero"]
    stored = rows(
        logs_path, "select row_key, line, status from batch_rows order by line"
    )
    assert stored == [
        {"row_key": "1", "line": 1, "status": "done"},
        {"row_key": "a", "line": 2, "status": "done"},
    ]
    fetched = invoke(["batch", "fetch", batch_id(result.stderr)])
    assert [echoed(o)["prompt"] for o in lines(fetched.stdout)] == ["zero", "one"]
    # --resume does not mistake a repeat for the row that answered.
    again = invoke(["batch", path, "-m", "echo", "--resume"])
    assert [o["error"] is None for o in lines(again.stdout)] == [
        True,
        True,
        False,
        False,
    ]
    assert "2 done (2 from an earlier run), 2 failed" in again.stderr


def test_column_with_plain_lines_is_an_error(invoke, write, logs_path):
    path = write("prompts.txt", "first question\nsecond question\n")
    result = invoke(["batch", path, "-m", "echo", "--column", "text"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: --column text: the input was read as plain lines"
    )
    assert result.stdout == ""
    # Found before the batch is logged: no failed batch is left behind.
    assert invoke(["batch", "list"]).output == ""
    # A CSV whose header names the column is read by it.
    path = write("rows.csv", "text\nhello\n")
    ok = invoke(["batch", path, "-m", "echo", "--column", "text"])
    assert ok.exit_code == 0, ok.output
    assert echoed(lines(ok.stdout)[0])["prompt"] == "hello"


def test_no_log(invoke, write, logs_path):
    path = write("p.txt", "a\n")
    result = invoke(["batch", path, "-m", "echo", "-n"])
    assert result.exit_code == 0
    assert result.stderr.startswith("Batch: 1 done")
    assert not logs_path.exists()
    refused = invoke(["batch", path, "-m", "echo", "-n", "--resume"])
    assert refused.exit_code == 1
    assert "--resume needs logging" in refused.stderr


def test_status_and_fetch_of_a_local_batch(invoke, write):
    source = write("p.txt", "a\nb\n")
    ran = invoke(["batch", source, "-m", "echo"])
    identifier = batch_id(ran.stderr)
    status = invoke(["batch", "status", identifier])
    assert status.exit_code == 0
    assert "Status: done; rows: 2 done" in status.stdout
    fetched = invoke(["batch", "fetch", identifier])
    assert fetched.stdout == ran.stdout
    # The input file is never the place for the fetched lines.
    refused = invoke(["batch", "fetch", identifier, "--output", source])
    assert refused.exit_code == 1
    assert "is the input file" in refused.stderr


def test_fetch_output_judged_against_the_input_where_the_batch_ran(
    invoke, tmp_path, monkeypatch
):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "p.txt").write_text("a\n")
    monkeypatch.chdir(first)
    ran = invoke(["batch", "p.txt", "-m", "echo"])
    identifier = batch_id(ran.stderr)
    # Another directory's p.txt is not the batch's input.
    monkeypatch.chdir(second)
    (second / "p.txt").write_text("old answers\n")
    fetched = invoke(["batch", "fetch", identifier, "--output", "p.txt"])
    assert fetched.exit_code == 0, fetched.output
    assert (second / "p.txt").read_text() == ran.stdout
    # The input file deleted since: fetching over an existing file still works.
    (first / "p.txt").unlink()
    again = invoke(["batch", "fetch", identifier, "--output", "p.txt"])
    assert again.exit_code == 0, again.output
    assert (second / "p.txt").read_text() == ran.stdout
    # Back where it ran, the stored path still finds the real input.
    (first / "p.txt").write_text("a\n")
    refused = invoke(["batch", "fetch", identifier, "--output", str(first / "p.txt")])
    assert refused.exit_code == 1
    assert "is the input file" in refused.stderr


def test_reading_batches_on_a_fresh_install(invoke, logs_path):
    # Reading commands never create logs.db (docs/logging.md).
    listed = invoke(["batch", "list"])
    assert (listed.exit_code, listed.output) == (0, "")
    status = invoke(["batch", "status", "01m8vk9vadc6439cwx26enpczx"])
    assert status.exit_code == 1
    assert "No batch found with ID 01m8vk9vadc6439cwx26enpczx" in status.stderr
    assert not logs_path.exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["-m", "no-such-model"], "Error: Unknown model: no-such-model"),
        (["-m", "echo", "--parallel", "0"], "Invalid value for '--parallel'"),
        (["-m", "echo", "--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_bad_options(invoke, write, args, message):
    result = invoke(["batch", write("p.txt", "a\n"), *args])
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_key_stops_the_batch_before_any_row(invoke, write, logs_path):
    path = write("p.txt", "a\nb\nc\n")
    result = invoke(["batch", path, "-m", "keyed"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("No key found") == 1
    assert result.stderr.startswith("Error: No key found")
    assert invoke(["batch", "list"]).output == ""
    # A fallback can answer instead, so then the rows run.
    fell_back = invoke(["batch", path, "-m", "keyed", "--fallback", "echo"])
    assert fell_back.exit_code == 0, fell_back.stderr
    assert [echoed(o)["prompt"] for o in lines(fell_back.stdout)] == ["a", "b", "c"]
    keyed = invoke(["batch", path, "-m", "keyed", "--key", "testkey"])
    assert [o["response"] for o in lines(keyed.stdout)] == ["key=testkey"] * 3


def test_missing_input_file(invoke):
    result = invoke(["batch", "nope.jsonl", "-m", "echo"])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_format_option_overrides_detection(invoke, write):
    path = write("p.csv", "id,prompt\n1,x\n")
    result = invoke(["batch", path, "-m", "echo", "--format", "lines"])
    assert [echoed(o)["prompt"] for o in lines(result.stdout)] == ["id,prompt", "1,x"]


def test_progress_bar_on_a_terminal():
    from llm.cli.batch_output import Progress, Tally

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tally = Tally()
    tally.add({"error": None})
    tally.add({"error": "x"})
    terminal = Terminal()
    progress = Progress(total=8, stream=terminal)
    progress.update(tally, running=3, note="rate limited: 2 at a time")
    text = terminal.getvalue()
    assert text.startswith(
        "\r\x1b[2K[######------------------] 2/8 · 1 failed · 3 running"
    )
    assert text.endswith("rate limited: 2 at a time")
    progress.finish()
    assert terminal.getvalue().endswith("\r\x1b[2K")
    quiet = io.StringIO()
    Progress(total=8, stream=quiet).update(tally)
    assert quiet.getvalue() == ""


def test_ctrl_c_keeps_finished_rows_and_resume_finishes(
    subprocess_env, user_path, write, invoke
):
    path = write("slow.txt", "".join(f"prompt {n}\n" for n in range(30)))
    args = [path, "-m", "mock", "-o", "delay", "0.2", "--parallel", "2"]
    with subprocess.Popen(
        [sys.executable, "-m", "llm", "batch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env,
    ) as process:
        read_until(process.stdout, "\n")  # the first row is done
        process.send_signal(signal.SIGINT)
        rest, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert b"Traceback" not in stderr
    assert b"(interrupted: run again with --resume to finish)" in stderr
    done = rows(
        user_path / "logs.db",
        "select count(*) as n from batch_rows where status = 'done'",
    )[0]["n"]
    assert 1 <= done < 30
    resumed = invoke(["batch", *args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert [o["id"] for o in lines(resumed.stdout)] == list(range(1, 31))
    assert f"30 done ({done} from an earlier run), 0 failed" in resumed.stderr


def test_input_that_cannot_be_read_stops_with_an_error(invoke, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,prompt\na,fine\nb,\xff\n")
    result = invoke(["batch", str(path), "-m", "echo"])
    assert result.exit_code == 1
    assert "Error: Input is not valid UTF-8 (line 3)" in result.stderr
    listing = invoke(["batch", "list"])
    assert "  failed  " in listing.stdout
