"""``llm chat``: an interactive conversation, one message at a time.

On a terminal, input comes from a line editor (``llm.cli.chat_editor``:
history, Ctrl-R, pasted blocks, Alt-Enter for a new line, Tab completion) and
replies are rendered as Markdown. For scripts and tests, messages are read
line by line from whatever is piped to stdin, and the banner goes to stderr.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from ..errors import handle_errors, raise_errors
from ..interrupts import exit_stopped
from ..options import (
    attachment_options,
    continue_options,
    database_option,
    fragment_options,
    hide_reasoning_option,
    key_option,
    model_option,
    no_stream_option,
    option_option,
    render_option,
    retry_options,
    system_option,
    template_options,
    tool_options,
)

if TYPE_CHECKING:
    from ..prompting import Session

EXIT_WORDS = ("exit", "quit")
FRAGMENT_COMMAND = "!fragment"


COMMANDS = ["!multi", "!end", "!edit", FRAGMENT_COMMAND, *EXIT_WORDS]


class LineReader:
    """Reads chat input: ``input()`` with readline on a terminal, plain lines otherwise."""

    def __init__(self) -> None:
        self.interactive = _stdin_is_tty()
        if self.interactive:
            try:
                import readline  # noqa: F401  (enables line editing for input())
            except ImportError:  # pragma: no cover - platform dependent
                pass

    def read(self, prompt: str = "> ") -> str | None:
        """One line without its newline, or None at end of input."""
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        if prompt:
            click.echo(prompt, nl=False)
        line = sys.stdin.readline()
        if not line:
            return None
        return line.rstrip("\r\n")

    def read_block_line(self) -> str | None:
        """A line inside a ``!multi`` block."""
        return self.read("")

    def remember(self, text: str) -> None:
        """Plain input keeps no history."""


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def split_fragment_lines(text: str) -> tuple[str, list[str]]:
    """(text without ``!fragment`` lines, the fragment references those lines named)."""
    kept: list[str] = []
    references: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == FRAGMENT_COMMAND or stripped.startswith(FRAGMENT_COMMAND + " "):
            references.extend(stripped[len(FRAGMENT_COMMAND) :].split())
        else:
            kept.append(line)
    return "\n".join(kept), references


def read_multi(reader: Any, first_line: str) -> str | None:
    """Lines up to ``!end`` (or ``!end DELIMITER`` after ``!multi DELIMITER``)."""
    delimiter = first_line.strip()[len("!multi") :].strip()
    end = f"!end {delimiter}" if delimiter else "!end"
    lines: list[str] = []
    while True:
        line = reader.read_block_line()
        if line is None:
            return "\n".join(lines) if lines else None
        if line.strip() == end:
            return "\n".join(lines)
        lines.append(line)


def is_end_line(stripped: str) -> bool:
    """``!end`` outside a ``!multi`` block (recalled from history, say): never sent."""
    return stripped == "!end" or stripped.startswith("!end ")


# Worded as the original's banner, which users and scripts may already know.
BANNER_LINES = (
    "Type 'exit' or 'quit' to exit",
    "Type '!multi' to enter multiple lines, then '!end' to finish",
    "Type '!edit' to open your default editor and modify the prompt",
    "Type '!fragment <my_fragment> [<another_fragment> ...]' to insert one or more "
    "fragments",
)


EDITOR_BANNER_LINE = (
    "Alt-Enter for a new line, Up or Ctrl-R for history, Tab to complete ! commands"
)


def _header(model_id: str, editor: bool = False) -> str:
    lines = [f"Chatting with {model_id}", *BANNER_LINES]
    if editor:
        lines.append(EDITOR_BANNER_LINE)
    return "\n".join(lines)


def _make_reader(session: Session) -> Any:
    """The line editor when stdin and stdout are both a terminal, plain lines otherwise."""
    if not (_stdin_is_tty() and _stdout_is_tty()):
        return LineReader()
    from ..chat_editor import ChatEditor

    def fragment_aliases() -> list[str]:
        from llm.logs.fragments import list_fragments

        try:
            fragments = list_fragments(session.logs.get(), aliases_only=True)
        except Exception:  # completion must never break the chat
            return []
        return sorted(alias for f in fragments for alias in f["aliases"])

    return ChatEditor(COMMANDS, fragment_aliases)


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


@click.command()
@system_option()
@model_option()
@continue_options()
@fragment_options()
@template_options()
@option_option()
@database_option()
@no_stream_option()
@hide_reasoning_option()
@key_option()
@retry_options()
@tool_options()
@attachment_options()
@click.option(
    "-u",
    "--usage",
    is_flag=True,
    help="Show token usage and cost on stderr after each answer",
)
@render_option()
def chat(no_stream: bool, usage: bool, render: bool | None, **kwargs: Any) -> None:
    """Hold an ongoing chat with a model."""
    from ..prompting import PromptRequest

    request = PromptRequest(**kwargs)
    for value in (
        *request.attachments,
        *(v for v, _ in request.attachment_types),
        *request.fragments,
        *request.system_fragments,
    ):
        if value == "-":
            raise click.ClickException(
                "llm chat reads your messages from standard input, so '-' cannot "
                "be used for an attachment or fragment"
            )
    from llm.logs import logs_on

    from ..inputs import Stdin
    from ..prompting import prepare_session
    from ..render import should_render
    from ..running import Display

    stdin = Stdin()
    stdin.claimed = True
    with handle_errors():
        session = prepare_session(request, stdin, approve_from_stdin=True)
        if session.template is not None:
            # A parameter missing from -p can never be supplied once chatting:
            # fail now rather than on every message.
            session.evaluate("")
        display = Display(stream=not no_stream, usage=usage, log=logs_on())
        display.render = session.schema is None and should_render(render)
        if display.log:
            session.logs.get()
        reader = _make_reader(session)
    plain = isinstance(reader, LineReader)
    click.echo(_header(session.model.model_id, editor=not plain), err=True)
    if plain:
        try:
            failed = chat_loop(session, display, reader)
        except KeyboardInterrupt:
            click.echo("")
            exit_stopped()
        if failed and not _stdin_is_tty():
            # Messages piped in from a script: it learns that a turn failed
            # (each error was printed as it happened; the rest still ran).
            sys.exit(1)
        return
    # The line editor reads Ctrl-C at the prompt as a key, and ends the chat.
    chat_loop(session, display, reader)


def chat_loop(session: Session, display: Any, reader: Any) -> int:
    """Read, send and print turns until exit, quit or the end of input.

    Returns how many turns ended in an error.
    """
    from ..inputs import Stdin, resolve_fragments
    from ..running import run

    first_turn = True
    failed = 0
    stdin = Stdin()
    stdin.claimed = True
    while True:
        line = reader.read("> ")
        if line is None:
            break
        stripped = line.strip()
        if stripped in EXIT_WORDS:
            break
        if is_end_line(stripped):
            click.echo("Not in a !multi block: '!end' was not sent", err=True)
            continue
        references: list[str] = []
        if stripped == "!multi" or stripped.startswith("!multi "):
            text = read_multi(reader, stripped)
            if text is None:
                break
            reader.remember(text)
            text, references = split_fragment_lines(text)
        elif stripped == "!edit":
            edited = click.edit()
            if edited is None:
                click.echo("The editor was closed without saving", err=True)
                continue
            text = edited.strip()  # !fragment lines are left as written here
            reader.remember(text)
        else:
            text, references = split_fragment_lines(line)
        if not text.strip() and not references:
            continue
        sent_before = len(session.conversation.responses)
        try:
            with handle_errors():
                fragments, attachments = resolve_fragments(
                    references, stdin, session.logs
                )
                prompt, system = session.evaluate(text if text.strip() else None)
                kwargs = session.prompt_kwargs(
                    system if first_turn else None,
                    first_turn=first_turn,
                    stream=display.stream,
                )
                kwargs["fragments"] = list(kwargs.get("fragments") or []) + fragments
                kwargs["attachments"] = (
                    list(kwargs.get("attachments") or []) + attachments
                )
                run(session, prompt, kwargs, display)
        except KeyboardInterrupt:
            click.echo("Interrupted", err=True)
        except click.ClickException as ex:
            if raise_errors():
                raise
            click.echo(f"Error: {ex.format_message()}", err=True)
            failed += 1
        if len(session.conversation.responses) > sent_before:
            first_turn = False
    return failed
