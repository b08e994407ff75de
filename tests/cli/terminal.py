"""Running ``llm`` on a real pseudo-terminal, and reading back what a person would see.

``spawn()`` starts llm under pexpect, with the terminal as its controlling
terminal, stdin and stdout (so Ctrl-C sent as a key is a real SIGINT).
``run_on_terminal()`` gives llm a terminal on stdout only, keeping stderr
apart. ``screen_lines()`` replays the bytes through pyte, a VT100 emulator,
and returns the scrollback plus the screen: lines drawn twice, or left
behind by a redraw, show up there as they would in a real terminal.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from typing import Any

import pexpect
import pyte

# Runs llm with the mock model's replies queued (one list of chunks per reply;
# {"tool_call": NAME} stands for a call of that tool).
SCRIPT = """
import json, sys
import llm, llm_test_plugin
def item(value):
    if isinstance(value, dict):
        return llm.ToolCall(name=value["tool_call"], arguments={}, tool_call_id="t1")
    return value
for reply in json.loads(sys.argv[1]):
    llm_test_plugin.MockModel.enqueue(*map(item, reply))
sys.argv = ["llm", *json.loads(sys.argv[2])]
from llm.cli import main
main()
"""


def terminal_env(subprocess_env: dict[str, str], **extra: str) -> dict[str, str]:
    """The test environment with a terminal that sizes itself (no COLUMNS/LINES)."""
    env = {
        k: v
        for k, v in subprocess_env.items()
        if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")
    }
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


def command(replies: list[list[Any]], args: list[str]) -> list[str]:
    return ["-c", SCRIPT, json.dumps(replies), json.dumps(args)]


def spawn(
    env: dict[str, str],
    replies: list[list[Any]],
    args: list[str],
    rows: int = 24,
    cols: int = 80,
) -> pexpect.spawn:
    """Start llm on a pseudo-terminal; every byte it prints is kept in ``.transcript``."""
    child = pexpect.spawn(
        sys.executable,
        command(replies, args),
        env=env,
        dimensions=(rows, cols),
        timeout=30,
    )
    child.transcript = io.BytesIO()  # type: ignore[attr-defined]
    child.logfile_read = child.transcript  # type: ignore[attr-defined]
    return child


def finish(child: pexpect.spawn) -> int:
    """Wait for llm to exit; its exit status."""
    child.expect(pexpect.EOF, timeout=60)
    child.close()
    assert child.signalstatus is None, f"killed by signal {child.signalstatus}"
    return int(child.exitstatus)


def run_on_terminal(
    env: dict[str, str],
    replies: list[list[Any]],
    args: list[str],
    rows: int = 24,
    cols: int = 80,
) -> tuple[int, bytes, str]:
    """Run llm with a terminal of this size as stdout only: (status, output, stderr)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    try:
        with subprocess.Popen(
            [sys.executable, *command(replies, args)],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=subprocess.PIPE,
            env=env,
        ) as process:
            os.close(slave)
            slave = -1
            output = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every copy of the terminal's other end closed
                    break
                if not chunk:
                    break
                output += chunk
            stderr = process.stderr.read().decode()
            status = process.wait(timeout=60)
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    return status, output, stderr


def screen_lines(data: bytes, rows: int = 24, cols: int = 80) -> list[str]:
    """Scrollback and screen after the terminal received ``data``, right-trimmed."""
    screen = pyte.HistoryScreen(cols, rows, history=100_000)
    pyte.ByteStream(screen).feed(data)
    lines = [
        "".join(line[x].data for x in range(cols)).rstrip()
        for line in screen.history.top
    ]
    lines.extend(line.rstrip() for line in screen.display)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def rendered(markdown: str, cols: int = 80) -> list[str]:
    """The lines rich draws for ``markdown`` all at once, without styles."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(
        file=io.StringIO(), width=cols, color_system=None, force_terminal=False
    )
    with console.capture() as capture:
        console.print(Markdown(markdown))
    lines = [line.rstrip() for line in capture.get().splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class Screen:
    """What a person sees of a running ``spawn()``: a VT100 screen kept up to date."""

    def __init__(self, child: pexpect.spawn, rows: int = 24, cols: int = 80) -> None:
        self.child = child
        self.screen = pyte.HistoryScreen(cols, rows, history=100_000)
        self.stream = pyte.ByteStream(self.screen)
        self.ended = False

    def pump(self, timeout: float = 0.1) -> None:
        """Take in whatever llm printed within ``timeout`` seconds."""
        if self.ended:
            return
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            self.ended = True
            return
        self.stream.feed(data)

    def lines(self) -> list[str]:
        cols = self.screen.columns
        lines = [
            "".join(line[x].data for x in range(cols)).rstrip()
            for line in self.screen.history.top
        ]
        lines.extend(line.rstrip() for line in self.screen.display)
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())

    def cursor_line(self) -> str:
        return self.screen.display[self.screen.cursor.y].rstrip()

    def wait(self, condition: Any, what: str, timeout: float = 30) -> None:
        import time

        deadline = time.monotonic() + timeout
        while not condition():
            if self.ended or time.monotonic() > deadline:
                raise AssertionError(
                    f"waited for {what}; the screen shows:\n{self.text()}"
                )
            self.pump()

    def wait_for(self, text: str, timeout: float = 30) -> None:
        """Until ``text`` is on the screen or in the scrollback."""
        self.wait(lambda: text in self.text(), repr(text), timeout)

    def prompts(self) -> int:
        return sum(1 for line in self.lines() if line == ">" or line.startswith("> "))

    def wait_for_prompt(self, number: int, timeout: float = 30) -> None:
        """Until the ``number``-th chat prompt is shown, empty, with the cursor on it."""
        self.wait(
            lambda: self.prompts() == number and self.cursor_line() == ">",
            f"chat prompt number {number}",
            timeout,
        )

    def wait_for_exit(self, timeout: float = 30) -> int:
        self.wait(lambda: self.ended, "exit", timeout)
        self.child.close()
        assert self.child.signalstatus is None
        return int(self.child.exitstatus)
