"""Running the examples of docs/*.md the way a reader would, page by page.

Which blocks run:

* ``bash`` blocks: every command must exit with status 0;
* console blocks (no language, or ``text``/``console``, starting with ``$ ``): each
  command's output must match the lines shown under it;
* ``python`` blocks: the code must run (top-level ``await`` allowed);
* a block noted ``<!-- example output -->`` is the output the block before it
  must print.

Other blocks (YAML, JSON, SQL, illustrations) are not run. The blocks of a page
share one session, in page order: a working directory (holding ``notes.txt``,
``photo.jpg`` and ``recording.wav``), a fresh user directory, the variables
Python blocks define, and the shell's exported variables. The built-in OpenAI
models talk to the local test server (tests/openai/fake_server.py), which
answers "Hello from the fake server" unless a note scripts the replies; the
test plugin's models (``mock``, ``echo``...) are installed too.

Shown output may use ``...`` for any text on a line, or alone on a line for
any number of lines. The user directory is shown as
``/home/me/.config/io.datasette.llm``.

What a note (``<!-- example KEY: VALUE -->``, YAML) may say about the block below it:

``skip: REASON``      not run, reported as a skipped test (a real provider, a network)
``output``            this block is the output of the block above
``write: PATH``       write the block to PATH in the working directory instead
                      (``$LLM_USER_PATH/...`` for the user directory)
``plugin: true``      with ``write: NAME.py``: register it as a plugin for the page
``files: {PATH: TEXT}``  create these files in the working directory first
``setup: CODE``       Python to run first, unseen by readers (making a database)
``replies: [...]``    the server's next answers: text, or ``{text, usage: {input,
                      output, cached, reasoning}, api: chat|responses}``, or
                      ``{error: {status, message}}``; ``fail: MESSAGE`` ends
                      a streamed reply with that error after its text;
                      ``tool_calls: [{name, arguments}]`` asks for tools
``env: {NAME: VALUE}``   environment variables for this block
``input: TEXT``       standard input for each command of the block
``serve: URL``        URL stands for the test server in this block
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import importlib.util
import io
import os
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..openai.fake_server import (
    FakeOpenAIServer,
    chat_reply,
    chat_usage,
    error_reply,
    message_item,
    responses_reply,
    responses_usage,
)
from .markdown import Block
from .shell import Shell, UnsafeExample, write_llm_script

USER_DIR_SHOWN = "/home/me/.config/io.datasette.llm"
SHELL_LANGUAGES = {"bash", "sh", "shell"}
CONSOLE_LANGUAGES = {"", "text", "console"}
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300"
    + "01" * 64
    + "ffc0000b080001000101011100ffc4001400010000000000000000000000000000000bffda"
    "0008010100003f00d2cf20ffd9"
)
SILENT_WAV = (
    b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00"
    b"\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"
)


def kind(block: Block) -> str | None:
    """``shell``, ``console``, ``python``, ``output``, ``write`` or None (not run)."""
    if block.note.get("output"):
        return "output"
    if "write" in block.note:
        return "write"
    if block.language in SHELL_LANGUAGES:
        return "shell"
    if block.language in CONSOLE_LANGUAGES and block.text.startswith("$ "):
        return "console"
    if block.language == "python":
        return "python"
    return None


def commands(text: str) -> list[str]:
    """The command lines of a shell block: continuations joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = pending + raw
        if line.endswith("\\"):
            pending = line[:-1]
            continue
        pending = ""
        if line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    return lines


def console_steps(text: str) -> list[tuple[str, str]]:
    """(command, output shown under it) for each ``$ `` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    pending = ""
    for line in text.splitlines():
        if pending or line.startswith("$ "):
            command = pending + (line[2:] if not pending else line)
            if command.endswith("\\"):
                pending = command[:-1]
                continue
            pending = ""
            steps.append((command.strip(), []))
        elif steps:
            steps[-1][1].append(line)
    return [(command, "\n".join(shown)) for command, shown in steps]


def matches(expected: str, actual: str) -> bool:
    """Does ``actual`` look like ``expected``, where ``...`` stands for anything?"""
    pattern = []
    for line in tidy(expected).split("\n"):
        if line.strip() == "...":
            pattern.append(r"(?:[^\n]*\n)*?")
        else:
            pieces = [re.escape(piece) for piece in line.split("...")]
            pattern.append("[^\n]*".join(pieces) + r"\n")
    return re.fullmatch("".join(pattern), tidy(actual) + "\n") is not None


def tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def reply_script(item: Any) -> tuple[str, Any]:
    """(API path, fake server script) for one ``replies:`` entry."""
    if isinstance(item, str):
        item = {"text": item}
    path = "responses" if item.get("api") == "responses" else "chat/completions"
    if "error" in item:
        return path, error_reply(item["error"]["status"], item["error"]["message"])
    usage = item.get("usage", {})
    if path == "responses":
        return path, responses_reply(
            message_item(item.get("text", "")),
            usage=responses_usage(
                input=usage.get("input", 12),
                output=usage.get("output", 7),
                reasoning=usage.get("reasoning", 0),
                cached=usage.get("cached", 0),
            ),
        )
    details = {}
    if "cached" in usage:
        details["prompt_tokens_details"] = {"cached_tokens": usage["cached"]}
    calls = [
        {"id": f"call_{index}", **call}
        for index, call in enumerate(item.get("tool_calls") or [], start=1)
    ]
    return path, chat_reply(
        item.get("text", "" if not calls else None),
        tool_calls=calls,
        usage=chat_usage(usage.get("input", 10), usage.get("output", 5), **details),
        mid_stream_error=item.get("fail"),
    )


@dataclass
class PageSession:
    """One reader working through one page."""

    page: list[Block]
    root: Path
    server: FakeOpenAIServer
    namespace: dict[str, Any] = field(default_factory=dict)
    plugins: list[tuple[str, Any]] = field(default_factory=list)
    done: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.cwd = self.root / "work"
        self.user_dir = self.root / "user"
        self.cwd.mkdir(parents=True)
        self.user_dir.mkdir()
        (self.cwd / "notes.txt").write_text("Pelicans are large water birds.\n")
        (self.cwd / "photo.jpg").write_bytes(TINY_JPEG)
        (self.cwd / "recording.wav").write_bytes(SILENT_WAV)
        write_llm_script(self.root / "bin")
        self.shell = Shell(self.root / "bin")
        self.namespace["__name__"] = "__docs_example__"
        self.setenv: Callable[[str, str], None] = os.environ.__setitem__

    def close(self) -> None:
        """Close the databases the page's Python examples left open, as a reader's
        program would on exit (Python 3.13 warns about collected open ones)."""
        import sqlite3

        for value in list(self.namespace.values()):
            for candidate in (value, getattr(value, "db", None)):
                if isinstance(candidate, sqlite3.Connection) or (
                    type(candidate).__name__ == "Database"
                    and callable(getattr(candidate, "close", None))
                ):
                    candidate.close()
        self.namespace.clear()

    # --- running -----------------------------------------------------------

    def run_through(self, block: Block, monkeypatch: Any) -> str | None:
        """Run the page's blocks up to ``block``; what went wrong with it, or None."""
        from llm.plugins import pm

        self.enter(block, monkeypatch)
        for plugin_name, module in self.plugins:
            pm.register(module, name=plugin_name)
        try:
            index = self.page.index(block)
            for earlier in self.page[:index]:
                if self.page.index(earlier) not in self.done:
                    self.run(earlier)
            return self.run(block)
        finally:
            for plugin_name, _ in self.plugins:
                if pm.get_plugin(plugin_name) is not None:
                    pm.unregister(name=plugin_name)

    def enter(self, block: Block, monkeypatch: Any) -> None:
        monkeypatch.chdir(self.cwd)
        monkeypatch.setenv("LLM_USER_PATH", str(self.user_dir))
        monkeypatch.setenv("OPENAI_BASE_URL", self.server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-docs-example-0000")
        monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parents[1] / "plugins"))
        for name, value in self.shell.exported.items():
            monkeypatch.setenv(name, value)
        self.shell.setenv = monkeypatch.setenv
        self.setenv = monkeypatch.setenv

    def run(self, block: Block) -> str | None:
        self.done.add(self.page.index(block))
        self.server.reset()
        note = block.note
        if note.get("skip") or kind(block) in (None, "output"):
            return None
        for name, value in (note.get("env") or {}).items():
            self.setenv(name, str(value))
        for path, text in (note.get("files") or {}).items():
            target = self.cwd / os.path.expandvars(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        if note.get("setup"):
            exec(note["setup"], {"__name__": "__docs_setup__"})  # noqa: S102
        for item in note.get("replies") or []:
            path, script = reply_script(item)
            self.server.enqueue(path, script)
        try:
            problem, shown = self.dispatch(block)
        except UnsafeExample as error:
            return (
                f"{block.name}: `{error}` would change the Python environment; "
                "give the block a skip note"
            )
        if problem:
            return problem
        expected = self.expected_output(block)
        if expected is not None and shown is not None and not matches(expected, shown):
            return mismatch(block.name, expected, shown)
        return None

    def dispatch(self, block: Block) -> tuple[str | None, str | None]:
        """Run the block: (what went wrong, output to compare with the next block)."""
        block_kind = kind(block)
        if block_kind == "write":
            return self.write(block), None
        if block_kind == "console":
            return self.console(block), None
        if block_kind == "python":
            return self.python(block)
        return self.shell_block(block)

    def write(self, block: Block) -> str | None:
        target = self.cwd / os.path.expandvars(block.note["write"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.served(block, block.text))
        if block.note.get("plugin"):
            name = f"docs_{target.stem}"
            spec = importlib.util.spec_from_file_location(name, target)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.plugins.append((name, module))
            from llm.plugins import pm

            pm.register(module, name=name)
        return None

    def console(self, block: Block) -> str | None:
        problems = []
        for command, expected in console_steps(block.text):
            outcome = self.shell.run(
                self.served(block, command), block.note.get("input")
            )
            shown = self.shown(block, outcome.output)
            if not matches(expected, shown):
                problems.append(mismatch(f"{block.name}: $ {command}", expected, shown))
        return "\n\n".join(problems) or None

    def shell_block(self, block: Block) -> tuple[str | None, str]:
        shown = []
        for command in commands(block.text):
            outcome = self.shell.run(
                self.served(block, command), block.note.get("input")
            )
            shown.append(self.shown(block, outcome.output))
            if outcome.status != 0:
                return (
                    f"{block.name}: `{command}` exited with status {outcome.status}:\n"
                    f"{shown[-1]}",
                    "",
                )
        return None, "".join(shown)

    def python(self, block: Block) -> tuple[str | None, str]:
        output = io.StringIO()
        try:
            code = compile(
                block.text,
                f"<{block.name}>",
                "exec",
                flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            )
            with contextlib.redirect_stdout(output):
                result = eval(code, self.namespace)  # noqa: S307 - our own docs
                if asyncio.iscoroutine(result):
                    asyncio.run(result)
        except Exception:
            return f"{block.name} raised:\n{traceback.format_exc()}", ""
        return None, self.shown(block, output.getvalue())

    # --- what the reader sees -----------------------------------------------

    def expected_output(self, block: Block) -> str | None:
        index = self.page.index(block)
        if index + 1 < len(self.page) and kind(self.page[index + 1]) == "output":
            return self.page[index + 1].text
        return None

    def served(self, block: Block, text: str) -> str:
        url = block.note.get("serve")
        return text.replace(url, self.server.base_url) if url else text

    def shown(self, block: Block, text: str) -> str:
        text = text.replace(str(self.user_dir), USER_DIR_SHOWN)
        text = text.replace(str(self.cwd) + "/", "")
        if block.note.get("serve"):
            text = text.replace(self.server.base_url, block.note["serve"])
        return text


def mismatch(where: str, expected: str, actual: str) -> str:
    return (
        f"{where}: the output differs from the page.\n"
        f"--- shown on the page\n{tidy(expected)}\n"
        f"--- printed\n{tidy(actual)}"
    )
