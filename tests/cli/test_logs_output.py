"""``llm logs`` Markdown and ``--short`` laid out exactly as the original prints them.

Each record is built through the real ``llm`` command with the scripted
``mock`` model, then the output is compared whole, with the timestamp and IDs
replaced by placeholders.
"""

from __future__ import annotations

import json
import re

import llm

FUNCTIONS = """
def add(a: int, b: int) -> int:
    "Add two numbers"
    return a + b


def explode() -> str:
    "Always fails"
    raise ValueError("kaboom")
"""


def normalised(text: str) -> str:
    text = re.sub(r"# \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d ", "# DATE ", text)
    text = re.sub(r"Duration: \d+ms \(\d+s\)", "Duration: Nms (Ns)", text)
    text = re.sub(r"duration_ms: \d+", "duration_ms: N", text)
    text = re.sub(r"\b[0-9a-z]{26}\b", "ULID", text)
    return re.sub(
        r"`[0-9a-f]{64}`", "`HASH`", re.sub(r"`[0-9a-f]{7}`", "`SHORT`", text)
    )


def test_options_system_prompt_and_usage(invoke, mock_model):
    mock_model.enqueue("Hello", llm.Usage(input=5, output=7, details={"cached": 1}))
    result = invoke(
        ["-m", "mock", "hi", "-s", "be nice", "-o", "temperature", "0.5"],
    )
    assert result.exit_code == 0, result.output
    output = invoke(["logs", "-u"]).stdout
    assert normalised(output).startswith(
        "# DATE    conversation: ULID id: ULID\n\n"
        "Model: **mock**\n\n"
        "## Prompt\n\nhi\n\n"
        "## Options\n\n- temperature: 0.5\n\n"
        "## System\n\nbe nice\n\n"
        "## Response\n\nHello\n\n"
        "## Token usage\n\n"
        '5 input, 7 output, `{"cached": 1}`\n\n'
        "Duration: Nms (Ns)\n\n"
    )


def test_tools_tool_calls_and_results(invoke, mock_model):
    mock_model.enqueue(
        llm.ToolCall(name="add", arguments={"a": 1, "b": 2}, tool_call_id="t1"),
        llm.ToolCall(name="explode", arguments={}, tool_call_id="t2"),
    )
    mock_model.enqueue("Done")
    result = invoke(["-m", "mock", "go", "--functions", FUNCTIONS])
    assert result.exit_code == 0, result.output
    output = normalised(invoke(["logs", "-n", "2"]).stdout)
    assert output == (
        "# DATE    conversation: ULID id: ULID\n\n"
        "Model: **mock**\n\n"
        "## Prompt\n\ngo\n\n"
        "### Tools\n\n"
        "- **add**: `HASH`  \n"
        "    Add two numbers  \n"
        '    Arguments: `{"a": {"type": "integer"}, "b": {"type": "integer"}}`\n'
        "- **explode**: `HASH`  \n"
        "    Always fails  \n"
        "    Arguments: `{}`\n\n"
        "## Response\n\n"
        "### Tool calls\n\n"
        "- **add**: `t1`  \n"
        "    a: `1`\n"
        "    b: `2`\n"
        "- **explode**: `t2`  \n"
        "    Arguments: `{}`\n\n"
        "# DATE    conversation: ULID id: ULID\n\n"
        "Model: **mock**\n\n"
        "## Prompt\n\n-- none --\n\n"
        "### Tools\n\n"
        "- **add**: `SHORT`\n"
        "- **explode**: `SHORT`\n\n"
        "### Tool results\n\n"
        "- **add**: `t1`  \n"
        "    ```\n"
        "    3\n"
        "    ```\n"
        "- **explode**: `t2`  \n"
        "    ```\n"
        "    Error: kaboom\n"
        "    ```  \n"
        "    **Error**: ValueError: kaboom\n\n\n"
        "## Response\n\nDone\n\n"
    )
    short = invoke(["logs", "-n", "2", "-s"]).stdout
    assert re.sub(r"'\d{4}-[^']+'", "DATE", normalised(short)) == (
        "- model: mock\n"
        "  datetime: DATE\n"
        "  duration_ms: N\n"
        "  conversation: ULID\n"
        "  tool_calls:\n"
        '  - \'add({"a": 1, "b": 2})\'\n'
        "  - explode({})\n"
        "  prompt: go\n"
        "  prompt_fragments: []\n"
        "  system_fragments: []\n"
        "- model: mock\n"
        "  datetime: DATE\n"
        "  duration_ms: N\n"
        "  conversation: ULID\n"
        "  tool_results:\n"
        "  - 'add: 3'\n"
        "  - 'explode: Error: kaboom'\n"
        "  prompt_fragments: []\n"
        "  system_fragments: []\n"
    )


def test_expanded_fragments_in_details(invoke, mock_model, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("alpha content\n")
    sys_doc = tmp_path / "sys.txt"
    sys_doc.write_text("beta content")
    mock_model.enqueue("ok")
    invoke(["-m", "mock", "question", "-f", str(doc), "--sf", str(sys_doc)])
    output = invoke(["logs", "-n", "1", "-e"]).stdout
    doc_hash = llm.Fragment("alpha content\n").id()
    sys_hash = llm.Fragment("beta content").id()
    assert (
        "### Prompt fragments\n\n"
        f"<details><summary>{doc_hash}</summary>\nalpha content\n\n</details>\n\n"
    ) in output
    assert (
        "### System fragments\n\n"
        f"<details><summary>{sys_hash}</summary>\nbeta content\n</details>\n\n"
    ) in output
    plain = invoke(["logs", "-n", "1"]).stdout
    assert f"### Prompt fragments\n\n- {doc_hash}\n\n" in plain


def test_extract_gives_one_block_in_total(invoke, mock_model):
    mock_model.enqueue("```py\none\n```\n```js\ntwo\n```")
    invoke(["-m", "mock", "first"])
    mock_model.enqueue("```sh\nthree\n```\n```rb\nfour\n```")
    invoke(["-m", "mock", "second"])
    # From the first response shown (oldest first) that has a code block.
    assert invoke(["logs", "-x"]).stdout == "one\n"
    assert invoke(["logs", "--xl"]).stdout == "two\n"
    assert invoke(["logs", "-n", "1", "-x"]).stdout == "three\n"


def test_json_always_has_the_fragment_keys(invoke, mock_model, tmp_path):
    doc = tmp_path / "long.txt"
    doc.write_text("x" * 500)
    mock_model.enqueue("one")
    invoke(["-m", "mock", "plain"])
    mock_model.enqueue("two")
    invoke(["-m", "mock", "with fragment", "-f", str(doc)])
    plain, with_fragment = json.loads(invoke(["logs", "--json"]).stdout)
    assert (plain["prompt_fragments"], plain["system_fragments"]) == ([], [])
    (fragment,) = with_fragment["prompt_fragments"]
    assert list(fragment) == ["hash", "content", "source", "aliases"]
    assert len(fragment["content"]) < 500  # truncated unless -e
    expanded = json.loads(invoke(["logs", "--json", "-e"]).stdout)[1]
    assert expanded["prompt_fragments"][0]["content"] == "x" * 500


def test_data_ids_key_names(invoke, mock_model):
    # schemas.md: underscores are added until the key is unused.
    mock_model.enqueue('{"response_id": 1, "conversation_id": 2, "response_id_": 3}')
    invoke(["-m", "mock", "x", "--schema", "response_id int, conversation_id int"])
    (record,) = json.loads(invoke(["logs", "--json", "-n", "1"]).stdout)
    (line,) = invoke(["logs", "--data-ids"]).stdout.splitlines()
    assert json.loads(line) == {
        "response_id": 1,
        "conversation_id": 2,
        "response_id_": 3,
        "response_id__": record["id"],
        "conversation_id_": record["conversation_id"],
    }
    assert list(json.loads(line)) == [
        "response_id",
        "conversation_id",
        "response_id_",
        "response_id__",
        "conversation_id_",
    ]
