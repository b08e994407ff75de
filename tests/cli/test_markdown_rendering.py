"""Responses and logs shown as rendered Markdown on a terminal, plain text elsewhere.

Streaming is checked on a real pseudo-terminal, replayed through a VT100
emulator: the scrollback must read exactly like the whole answer rendered at
once (no line drawn twice, none left behind by a redraw).
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("pexpect")
pytest.importorskip("pyte")

from .terminal import (  # noqa: E402
    finish,
    rendered,
    run_on_terminal,
    screen_lines,
    spawn,
    terminal_env,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"

DOCUMENT = """# Release notes

Some **bold** text, some *emphasis*, `inline code` and a [link](https://example.com).

## Changes

- first item
- a second item, long enough that it has to wrap onto the next line of the terminal
- third

1. one
2. two

```python
def greet(name):
    return f"Hello {name}"
```

| Name | Value |
|------|-------|
| a    | 1     |
| b    | 2     |

> A quoted line.

Final paragraph.
"""


def long_document() -> str:
    """DOCUMENT and then several sections, each much taller than the terminal."""
    parts = [DOCUMENT]
    for section in range(2):
        words = " ".join(f"word{n}" for n in range(70))
        code = "\n".join(f"line {n} of the code" for n in range(20))
        parts.append(f"## Section {section}\n\n{words}\n\n```\n{code}\n```\n")
    return "\n".join(parts)


def chunks(text: str) -> list[str]:
    """Split like a model streams: a word (with its spaces or newlines) at a time."""
    return re.findall(r"\S+\s*|\s+", text)


def test_streamed_markdown_on_a_terminal_reads_like_the_whole_answer(
    subprocess_env,
):
    text = long_document()
    env = terminal_env(subprocess_env)
    status, output, stderr = run_on_terminal(
        env,
        [chunks(text)],
        ["-m", "mock", "notes", "-o", "delay", "0.002"],
        rows=15,
        cols=70,
    )
    assert status == 0, stderr
    assert stderr == ""
    # Styled, and redrawn in place while it streamed (the cursor moved up).
    assert b"\x1b[1m" in output
    assert b"\x1b[1A" in output or b"\x1b[A" in output
    assert screen_lines(output, rows=15, cols=70) == rendered(text, cols=70)


def test_tall_block_streams_without_duplicates(subprocess_env):
    """One code block three times the height of the screen, streamed line by line."""
    code = "\n".join(f"print({n})" for n in range(60))
    text = f"Intro\n\n```python\n{code}\n```\n\nAfter."
    status, output, _ = run_on_terminal(
        terminal_env(subprocess_env),
        [chunks(text)],
        ["-m", "mock", "code", "-o", "delay", "0.002"],
        rows=20,
        cols=60,
    )
    assert status == 0
    lines = screen_lines(output, rows=20, cols=60)
    assert lines == rendered(text, cols=60)
    assert sum(1 for line in lines if line.strip() == "print(7)") == 1


def test_piped_output_is_unchanged(subprocess_env):
    """Not a terminal: exactly the text the model sent, as before rendering existed."""
    import subprocess
    import sys

    from .terminal import command

    result = subprocess.run(
        [sys.executable, *command([chunks(DOCUMENT)], ["-m", "mock", "x"])],
        capture_output=True,
        env=subprocess_env,
        timeout=60,
    )
    assert result.returncode == 0
    # The streamed text, then the newline that always ends it.
    assert result.stdout == DOCUMENT.encode() + b"\n"


@pytest.mark.parametrize(
    "args,extra_env",
    [
        (["--no-render"], {}),
        ([], {"LLM_RENDER": "0"}),
        (["-x"], {}),
        (["--xl"], {}),
    ],
    ids=["--no-render", "LLM_RENDER=0", "-x", "--xl"],
)
def test_plain_on_a_terminal_when_asked_or_extracting(subprocess_env, args, extra_env):
    reply = "Use this:\n\n```\necho *hi*\n```\n"
    status, output, _ = run_on_terminal(
        terminal_env(subprocess_env, **extra_env),
        [[reply]],
        ["-m", "mock", "x", *args],
    )
    assert status == 0
    assert b"\x1b[" not in output
    expected = "echo *hi*\n" if args in (["-x"], ["--xl"]) else reply + "\n"
    assert output.decode().replace("\r\n", "\n") == expected


def test_saved_setting_and_env_var(subprocess_env, run_llm):
    """``llm render off`` keeps a terminal plain; LLM_RENDER=1 and --render win over it."""
    assert run_llm(["render", "off"]).returncode == 0
    env = terminal_env(subprocess_env)
    reply = [["**bold**"]]
    _, output, _ = run_on_terminal(env, reply, ["-m", "mock", "x"])
    assert output == b"**bold**\r\n"
    _, output, _ = run_on_terminal(
        terminal_env(subprocess_env, LLM_RENDER="1"), reply, ["-m", "mock", "x"]
    )
    assert b"\x1b[1mbold" in output
    _, output, _ = run_on_terminal(env, reply, ["-m", "mock", "x", "--render"])
    assert b"\x1b[1mbold" in output
    assert run_llm(["render"]).stdout.startswith("Setting: off\n")
    assert run_llm(["render", "auto"]).returncode == 0
    assert run_llm(["render"]).stdout.startswith("Setting: auto\n")


def test_render_into_a_pipe_when_forced(run_llm):
    """--render into a pipe (``| less -R``): styled, drawn once, no cursor movement."""
    result = run_llm(["-m", "mock", "x", "--render"])
    assert result.returncode == 0
    assert "no reply queued" in result.stdout
    result = run_llm(["-m", "echo", "**x**", "--render"])
    assert "\x1b[1mx" in result.stdout
    assert "\x1b[1A" not in result.stdout and "\x1b[A" not in result.stdout


def test_a_width_of_zero_still_shows_the_answer(run_llm):
    """COLUMNS=0 (or a terminal reporting no size) falls back to 80 columns."""
    result = run_llm(["-m", "echo", "**x**", "--render"], env={"COLUMNS": "0"})
    assert result.returncode == 0
    assert "\x1b[1mx" in result.stdout
    assert len(result.stdout.splitlines()[0]) >= 80


def test_bad_llm_render_value_is_an_error(run_llm):
    result = run_llm(["-m", "mock", "x"], env={"LLM_RENDER": "maybe"})
    assert result.returncode == 1
    assert result.stderr == "Error: LLM_RENDER should be 0 or 1, not 'maybe'\n"


def test_json_and_schema_output_is_never_rendered(subprocess_env):
    env = terminal_env(subprocess_env)
    _, output, _ = run_on_terminal(env, [["**x**"]], ["-m", "mock", "hi", "--json"])
    assert b"\x1b[" not in output
    assert json.loads(output.decode())[0]["response"] == "**x**"
    _, output, _ = run_on_terminal(
        env, [['{"name": "**x**"}']], ["-m", "mock", "hi", "--schema", "name,"]
    )
    assert output == b'{"name": "**x**"}\r\n'


def test_reasoning_stays_dim_on_stderr(subprocess_env):
    prompt = json.dumps({"reasoning": "weighing options"})
    status, output, stderr = run_on_terminal(
        terminal_env(subprocess_env), [], ["-m", "echo", prompt]
    )
    assert status == 0
    assert stderr == "weighing options \n\n"
    assert b'"prompt"' in output
    # With stderr on the terminal too, reasoning is drawn dim.
    child = spawn(terminal_env(subprocess_env), [], ["-m", "echo", prompt])
    assert finish(child) == 0
    assert b"\x1b[2mweighing " in child.transcript.getvalue()


def test_tool_call_lines_stay_apart_from_rendered_text(subprocess_env):
    """--td prints below the rendered text of the response that made the call."""
    replies = [["Let me **check**.\n", {"tool_call": "llm_version"}], ["Done *now*."]]
    child = spawn(
        terminal_env(subprocess_env),
        replies,
        ["-m", "mock", "go", "-T", "llm_version", "--td"],
    )
    assert finish(child) == 0
    lines = screen_lines(child.transcript.getvalue())
    check = lines.index("Let me check.")
    call = next(i for i, line in enumerate(lines) if line.startswith("Tool call: "))
    done = lines.index("Done now.")
    assert check < call < done
    assert lines[call] == "Tool call: llm_version({})"


def test_no_stream_renders_once(subprocess_env):
    status, output, _ = run_on_terminal(
        terminal_env(subprocess_env),
        [chunks(DOCUMENT)],
        ["-m", "mock", "x", "--no-stream"],
        cols=70,
    )
    assert status == 0
    assert b"\x1b[1A" not in output
    assert screen_lines(output, cols=70) == rendered(DOCUMENT, cols=70)


def test_logs_are_rendered_on_a_terminal(subprocess_env, run_llm, user_path):
    run_llm(["-m", "echo", "**first**"])
    env = terminal_env(subprocess_env)
    status, output, _ = run_on_terminal(env, [], ["logs", "-n", "1"], cols=70)
    assert status == 0
    lines = screen_lines(output, cols=70)
    # "## Prompt" is drawn as a heading, not as hashes.
    assert "Prompt" in [line.strip() for line in lines]
    assert not any(line.startswith("## ") for line in lines)
    _, output, _ = run_on_terminal(env, [], ["logs", "-n", "1", "--no-render"])
    assert b"## Prompt" in output
    _, output, _ = run_on_terminal(env, [], ["logs", "-n", "1", "--json"])
    assert json.loads(output.decode())[0]["prompt"] == "**first**"
    # -r prints the last response rendered; -x its code, never rendered.
    _, output, _ = run_on_terminal(env, [], ["logs", "-r"])
    assert b"\x1b[" in output


def test_logs_piped_output_is_unchanged(run_llm):
    run_llm(["-m", "echo", "**first**"])
    piped = run_llm(["logs", "-n", "1"]).stdout
    assert "## Prompt\n\n**first**" in piped
    assert "\x1b[" not in piped


def test_interrupted_stream_keeps_what_arrived(subprocess_env, user_path):
    """Ctrl-C (a real SIGINT from the terminal) mid-answer: rendered so far, logged."""
    env = terminal_env(subprocess_env)
    parts = [f"word{n} " for n in range(200)]
    child = spawn(env, [parts], ["-m", "mock", "story", "-o", "delay", "0.05"])
    child.expect("word5")
    child.sendintr()
    assert finish(child) == 130
    lines = screen_lines(child.transcript.getvalue())
    text = " ".join(lines)
    assert "word5" in text and "word199" not in text
    assert "Traceback" not in text
    conn = sqlite3.connect(str(user_path / "logs.db"))
    try:
        response, status = conn.execute(
            "select r.response, x.status from responses r "
            "left join response_extras x on x.response_id = r.id"
        ).fetchone()
    finally:
        conn.close()
    assert status == "interrupted"
    assert response.startswith("word0 word1 ")


def test_bare_llm_on_a_terminal_prints_a_hint(subprocess_env):
    child = spawn(terminal_env(subprocess_env), [["answered"]], ["-m", "mock"])
    child.expect_exact("Type your prompt, then Ctrl-D; or run `llm chat`")
    child.send("my question\n")
    child.sendeof()
    assert finish(child) == 0
    assert "answered" in screen_lines(child.transcript.getvalue())


def test_no_hint_when_a_prompt_is_piped(run_llm):
    result = run_llm(["-m", "mock"], input="from a pipe")
    assert result.returncode == 0
    assert result.stderr == ""


# --- snapshots: the stream rendered into a virtual terminal -----------------


def stream_into_terminal(
    text: str, rows: int, cols: int, out: io.StringIO | None = None
) -> bytes:
    """Feed ``text`` chunk by chunk through MarkdownStream, redrawing every time.

    What a terminal of that size would receive is written to ``out``, and returned.
    """
    from rich.console import Console

    from llm.cli.markdown_stream import MarkdownStream

    out = out if out is not None else io.StringIO()
    console = Console(
        file=out,
        width=cols,
        height=rows,
        force_terminal=True,
        force_interactive=True,
        color_system="256",
        legacy_windows=False,
    )
    stream = MarkdownStream(console)
    for chunk in chunks(text):
        stream.text += chunk
        stream.update()
    stream.close()
    return out.getvalue().replace("\n", "\r\n").encode()


def snapshot(name: str, lines: list[str]) -> list[str]:
    path = SNAPSHOTS / name
    if not path.exists():  # first run: write it, and review it before committing
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path.read_text(encoding="utf-8").splitlines()


def test_snapshot_of_streamed_rendering():
    lines = screen_lines(stream_into_terminal(DOCUMENT, rows=10, cols=60), 10, 60)
    assert lines == snapshot("release_notes_60.txt", lines)


TRICKY = {
    "setext, nesting, html": (
        "Title\n=====\n\nPara\n---\n\n* a\n  * nested\n    * deeper\n* b\n\n***\n\n"
        "> quote\n> - list in quote\n\n<div>html</div>\n\n3. three\n4. four\n\n"
        "Trailing  \nhard break\n"
    ),
    # Columns widen as rows arrive: nothing of it is final until it ends.
    "tall table": "| a | b |\n|---|---|\n"
    + "".join(f"| {n} | {'x' * n} |\n" for n in range(30))
    + "\nafter table\n",
    # 9 -> 10 widens every number of the list.
    "tall numbered list": "".join(f"{n}. item {n}\n" for n in range(1, 25)) + "\nend\n",
    "unclosed fence": "Para one\n# heading right after\npara\n```\nunclosed\n"
    + "\n".join(str(n) for n in range(40)),
    "hashes and indented code": "#hashtag, not a heading\n#\n\ntext\n\n    code\n\nx",
}


@pytest.mark.parametrize("name", ["long", *TRICKY])
def test_streaming_redraws_match_one_render(name):
    text = long_document() if name == "long" else TRICKY[name]
    for rows, cols in ((8, 40), (16, 72)):
        data = stream_into_terminal(text, rows, cols)
        assert screen_lines(data, rows, cols) == rendered(text, cols), (rows, cols)


def test_no_frame_shows_a_line_twice():
    """Printing finished blocks above the live region never redraws them below too.

    Every write is replayed on its own: a frame where a line of the answer is
    on the screen more often than in the finished answer is a visible flicker.
    """
    from collections import Counter

    import pyte

    rows, cols = 12, 60
    text = DOCUMENT
    screen = pyte.HistoryScreen(cols, rows, history=100_000)
    feed = pyte.ByteStream(screen).feed
    expected = rendered(text, cols)
    counts = {line: expected.count(line) for line in expected if line.strip()}
    repeated: set[str] = set()

    class Terminal(io.StringIO):
        def write(self, data: str) -> int:
            feed(data.replace("\n", "\r\n").encode())
            shown = [
                "".join(line[x].data for x in range(cols)).rstrip()
                for line in screen.history.top
            ] + [line.rstrip() for line in screen.display]
            seen = Counter(shown)
            repeated.update(line for line, n in counts.items() if seen[line] > n)
            return len(data)

    stream_into_terminal(text, rows, cols, Terminal())
    assert repeated == set()


def test_headings_and_code_are_styled():
    import pyte

    screen = pyte.HistoryScreen(60, 60, history=1000)
    pyte.ByteStream(screen).feed(stream_into_terminal(DOCUMENT, 60, 60))
    lines = screen.display
    heading = next(i for i, line in enumerate(lines) if "Release notes" in line)
    column = lines[heading].index("R")
    assert screen.buffer[heading][column].bold
    code = next(i for i, line in enumerate(lines) if "def greet" in line)
    assert screen.buffer[code][lines[code].index("d")].bg != "default"


def test_output_to_a_pipe_imports_no_terminal_library(subprocess_env):
    """Start-up stays as it was when nothing is rendered and nobody types."""
    from .test_startup import probe, top_level

    terminal_libraries = {"rich", "prompt_toolkit", "markdown_it", "pygments"}
    result, modules = probe(subprocess_env, ["-m", "echo", "hi"])
    assert result.returncode == 0
    assert not terminal_libraries & top_level(modules)
    assert "keyring" not in top_level(modules)
    result, modules = probe(subprocess_env, ["chat", "-m", "echo"], input="hi\n")
    assert result.returncode == 0
    assert not terminal_libraries & top_level(modules)
