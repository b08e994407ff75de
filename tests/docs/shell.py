"""Run the shell command lines of the docs, ``llm`` in-process where that is possible.

Starting Python for every documented command would cost most of a second each,
so the common shapes run the click command in this process: ``llm ARGS``,
``NAME=value llm ARGS``, ``cat FILE | llm ARGS``, ``echo TEXT | llm ARGS``,
``llm ARGS | llm ARGS``, ``llm ARGS > FILE``, ``llm ARGS < FILE``,
``export NAME=value`` and ``NAME=$(llm ARGS)`` (``$NAME`` is then expanded
outside single quotes). Anything else - other programs, ``$(...)`` inside an
argument, ``&&`` - goes to bash, with an ``llm`` on its PATH that runs this
checkout's command.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ASSIGN_FROM_COMMAND = re.compile(r"^(?P<name>[A-Za-z_]\w*)=\$\((?P<command>[^()]*)\)$")
EXPORT = re.compile(r"^export\s+(?P<name>[A-Za-z_]\w*)=(?P<value>.*)$")
ENV_PREFIX = re.compile(r"^[A-Za-z_]\w*=")
SINGLE_QUOTED = re.compile(r"'[^']*'")
# Shell syntax the in-process runner does not take on.
NEEDS_BASH = re.compile(r"\$|`|&&|\|\||;|>>|\d>|&\s*$|\*|\?|~")
PLUGIN_VARIABLES = ("LLM_LOAD_PLUGINS",)  # plugins load once per process


class UnsafeExample(Exception):
    """An example that would change the Python environment: it needs a skip note."""


@dataclass
class Outcome:
    """What one command line did: what the terminal shows, and its exit status."""

    output: str
    status: int


@dataclass
class Shell:
    """Exported variables and shell variables, shared by a page's commands."""

    bin_dir: Path
    # How ``export`` changes the environment (the test's monkeypatch.setenv).
    setenv: Callable[[str, str], None] = os.environ.__setitem__
    exported: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)

    def run(self, line: str, stdin: str | None = None) -> Outcome:
        line = without_comment(line)
        export = EXPORT.match(line)
        if export:
            [value] = shlex.split(self.expand(export["value"]))
            self.exported[export["name"]] = value
            self.setenv(export["name"], value)
            return Outcome("", 0)
        assign = ASSIGN_FROM_COMMAND.match(line)
        if assign:
            outcome, stdout = self.pipeline(
                self.expand(assign["command"]), stdin, capture=True
            )
            self.variables[assign["name"]] = stdout.decode().rstrip("\n")
            return outcome
        return self.pipeline(self.expand(line), stdin)[0]

    def expand(self, line: str) -> str:
        """``$NAME`` of a variable set earlier, except inside single quotes."""
        pieces = []
        position = 0
        for quoted in SINGLE_QUOTED.finditer(line):
            pieces.append(self._expand(line[position : quoted.start()]))
            pieces.append(quoted.group())
            position = quoted.end()
        pieces.append(self._expand(line[position:]))
        return "".join(pieces)

    def _expand(self, text: str) -> str:
        for name, value in self.variables.items():
            pattern = rf"\$\{{{name}\}}|\${name}\b"
            text = re.sub(pattern, value.replace("\\", r"\\"), text)
        return text

    def pipeline(
        self, line: str, stdin: str | None, capture: bool = False
    ) -> tuple[Outcome, bytes]:
        """Run ``line``: its outcome and its standard output (kept off the terminal
        when ``capture``)."""
        stages = self.parse(line)
        if stages is None:
            return self.bash(line, stdin, capture)
        terminal: list[str] = []
        data = stdin.encode() if stdin is not None else None
        status = 0
        for index, stage in enumerate(stages):
            last = index == len(stages) - 1 and not capture
            stdout, shown, status = self.stage(stage, data, shows_stdout=last)
            terminal.append(shown)
            data = stdout
        target = stages[-1].get("stdout_file")
        if target:
            Path(target).write_bytes(data or b"")
        return Outcome("".join(terminal), status), data or b""

    def parse(self, line: str) -> list[dict] | None:
        """The stages of a pipeline the in-process runner handles, or None."""
        if NEEDS_BASH.search(SINGLE_QUOTED.sub("''", line)):
            return None
        lexer = shlex.shlex(line, posix=True, punctuation_chars="|<>")
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:
            return None
        stages: list[dict] = []
        current: list[str] = []
        for token in [*tokens, "|"]:
            if token != "|":
                current.append(token)
                continue
            stage = self.parse_stage(current)
            if stage is None:
                return None
            stages.append(stage)
            current = []
        if any(s.get("stdout_file") for s in stages[:-1]):
            return None
        return stages

    def parse_stage(self, tokens: list[str]) -> dict | None:
        env: dict[str, str] = {}
        while tokens and ENV_PREFIX.match(tokens[0]):
            name, _, value = tokens.pop(0).partition("=")
            if name in PLUGIN_VARIABLES:
                return None
            env[name] = value
        stage: dict = {"env": env}
        args: list[str] = []
        iterator = iter(tokens)
        for token in iterator:
            if token in (">", "<"):
                target = next(iterator, None)
                if target is None:
                    return None
                stage["stdout_file" if token == ">" else "stdin_file"] = target
            else:
                args.append(token)
        if not args or args[0] not in ("llm", "cat", "echo"):
            return None
        stage["args"] = args
        return stage

    def stage(
        self, stage: dict, stdin: bytes | None, *, shows_stdout: bool
    ) -> tuple[bytes, str, int]:
        """Run one stage: (standard output, what the terminal shows, status)."""
        if "stdin_file" in stage:
            stdin = Path(stage["stdin_file"]).read_bytes()
        program, *args = stage["args"]
        if program == "echo":
            return (" ".join(args) + "\n").encode(), "", 0
        if program == "cat":
            if not args:
                return stdin or b"", "", 0
            return b"".join(Path(a).read_bytes() for a in args), "", 0
        return run_llm(
            args, stdin, stage["env"], shows_stdout and "stdout_file" not in stage
        )

    def bash(
        self, line: str, stdin: str | None, capture: bool = False
    ) -> tuple[Outcome, bytes]:
        if re.search(r"\b(llm|pip|uv|pipx) (install|uninstall)\b", line):
            raise UnsafeExample(line)
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join([str(self.bin_dir), env.get("PATH", "")])
        result = subprocess.run(
            ["bash", "-c", line],
            input=(stdin or "").encode(),
            capture_output=True,
            env=env,
            timeout=120,
        )
        output = result.stderr.decode(errors="replace")
        if not capture:
            output = result.stdout.decode(errors="replace") + output
        return Outcome(output, result.returncode), result.stdout


def without_comment(line: str) -> str:
    """The line without a trailing ``# comment`` (a ``#`` after a space, unquoted)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line


def run_llm(
    args: list[str], stdin: bytes | None, env: dict[str, str], shows_stdout: bool
) -> tuple[bytes, str, int]:
    """The ``llm`` command in this process, as CliRunner sees it."""
    import traceback

    if args[:1] in (["install"], ["uninstall"]):
        raise UnsafeExample(f"llm {' '.join(args)}")

    from click.testing import CliRunner

    from llm.cli.root import cli

    result = CliRunner().invoke(
        cli,
        args,
        input=stdin if stdin is not None else b"",
        env=env,
        catch_exceptions=True,
        prog_name="llm",
        terminal_width=80,
    )
    shown = result.output if shows_stdout else result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        shown += "".join(traceback.format_exception(*result.exc_info))
    return result.stdout_bytes, shown, result.exit_code


def write_llm_script(bin_dir: Path) -> None:
    """An ``llm`` for bash that runs this checkout's command with this Python."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "llm"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m llm "$@"\n')
    script.chmod(0o755)
