"""The docs example collector itself: notes, command lines and output matching."""

from __future__ import annotations

import pytest

from .examples import commands, console_steps, kind, matches
from .markdown import NoteError, blocks
from .shell import Shell, without_comment


def test_blocks_carry_the_note_just_above_them(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "Intro\n\n"
        "<!-- example skip: needs a real provider -->\n"
        "```bash\nllm 'hi'\n```\n\n"
        "Text between.\n\n"
        "```python\nprint(1)\n```\n"
        "<!-- example output -->\n"
        "```\n1\n```\n"
        "<!-- example\nreplies:\n- Hello\n-->\n"
        "````markdown\n```python\nnested\n```\n````\n"
    )
    found = blocks(page)
    assert [(b.line, b.language) for b in found] == [
        (4, "bash"),
        (10, "python"),
        (14, ""),
        (21, "markdown"),
    ]
    assert found[0].note == {"skip": "needs a real provider"}
    assert found[1].note == {}  # a note belongs to the block right below it only
    assert found[2].note == {"output": True} and kind(found[2]) == "output"
    assert found[3].note == {"replies": ["Hello"]}
    assert found[3].text == "```python\nnested\n```\n"
    assert [kind(b) for b in found] == ["shell", "python", "output", None]


def test_a_note_that_is_not_a_mapping_is_an_error(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("<!-- example [1, 2] -->\n```bash\nllm\n```\n")
    with pytest.raises(NoteError, match="page.md:2"):
        blocks(page)


def test_shell_and_console_lines():
    text = "# a comment\nllm 'one' \\\n  -m mock   # trailing\n\nllm two\n"
    assert commands(text) == ["llm 'one'   -m mock   # trailing", "llm two"]
    steps = console_steps("$ llm a \\\n  -u\nout 1\nout 2\n$ llm b\n")
    assert steps == [("llm a   -u", "out 1\nout 2"), ("llm b", "")]
    assert without_comment("llm 'a # b' # c") == "llm 'a # b'"
    assert without_comment("llm issue#3") == "llm issue#3"


@pytest.mark.parametrize(
    "expected,actual,result",
    [
        ("a\nb", "a\nb\n\n", True),
        ("a\nb", "a\nc", False),
        ("Batch ...: 2 done", "Batch 01abc: 2 done", True),
        ("Batch ...: 2 done", "Batch 01abc: 3 done", False),
        ("first\n...\nlast", "first\nx\ny\nlast", True),
        ("first\n...\nlast", "first\nlast", True),
        ("first\n...\nlast", "first\nx", False),
        ("a   \nb", "a\nb   ", True),  # trailing spaces never count
    ],
)
def test_matching_with_ellipses(expected, actual, result):
    assert matches(expected, actual) is result


def test_shell_runs_simple_lines_in_process_and_the_rest_in_bash(tmp_path):
    shell = Shell(tmp_path / "bin")
    assert shell.parse("cat notes.txt | llm -s 'x $y' > out.txt") is not None
    assert shell.parse("LLM_MODEL=echo llm hi") is not None
    for line in ("git diff | llm x", "llm $(date)", "llm a && llm b", "ls *.md"):
        assert shell.parse(line) is None, line
    assert shell.parse("LLM_LOAD_PLUGINS='' llm models") is None
    shell.variables["id"] = "01abc"
    assert shell.expand("llm batch status $id 'literal $id'") == (
        "llm batch status 01abc 'literal $id'"
    )
