"""Reading what a prompt is made of: stdin, attachments, fragments, the logs database."""

from __future__ import annotations

import sys
from typing import Any

TERMINAL_PROMPT_HINT = "Type your prompt, then Ctrl-D; or run `llm chat`"


class Stdin:
    """Standard input, read at most once and shared by ``-a -``, ``-f -`` and the prompt."""

    def __init__(self) -> None:
        self._data: bytes | None = None
        self.claimed = False  # an option asked for it, so it is not prompt text

    def is_tty(self) -> bool:
        try:
            return sys.stdin.isatty()
        except (AttributeError, ValueError):
            return False

    def read_bytes(self) -> bytes:
        if self._data is None:
            stream = getattr(sys.stdin, "buffer", None)
            if stream is not None:
                self._data = stream.read()
            else:
                self._data = sys.stdin.read().encode("utf-8")
        return self._data

    def read_text(self) -> str:
        return self.read_bytes().decode("utf-8", errors="replace")


def combine_prompt(
    argument: str | None, stdin: Stdin, *, wait_for_input: bool = False
) -> str | None:
    """The prompt: piped input first, then the argument, separated by a space.

    When nothing is piped, there is no argument and ``wait_for_input`` is set,
    read the prompt from the terminal (ended by Ctrl-D), after a hint on stderr.
    """
    if stdin.claimed:
        return argument
    if not stdin.is_tty():
        piped = stdin.read_text()
        if piped:
            return f"{piped} {argument}" if argument else piped
        return argument
    if argument is None and wait_for_input:
        sys.stderr.write(TERMINAL_PROMPT_HINT + "\n")
        sys.stderr.flush()
        return stdin.read_text()
    return argument


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def resolve_attachment(value: str, mimetype: str | None, stdin: Stdin) -> Any:
    """An Attachment from a path, an http(s) URL or ``-`` (the bytes on stdin)."""
    from llm import Attachment, AttachmentError

    if value == "-":
        stdin.claimed = True
        return Attachment(type=mimetype, content=stdin.read_bytes())
    if is_url(value):
        return Attachment(type=mimetype, url=value)
    from llm.paths import existing_path

    path = existing_path(value)
    if path is None:
        raise AttachmentError(f"Attachment file {value} does not exist")
    if path.is_dir():
        raise AttachmentError(f"Attachment {value} is a directory, not a file")
    return Attachment(type=mimetype, path=str(path.resolve()))


def _check_attachment_file(value: str, option: str) -> None:
    import click

    from llm.paths import existing_path

    if value == "-" or is_url(value):
        return
    path = existing_path(value)
    if path is None:
        raise click.BadParameter(f"File {value} does not exist", param_hint=option)
    if path.is_dir():
        raise click.BadParameter(
            f"{value} is a directory, not a file", param_hint=option
        )


def resolve_attachments(
    values: list[str] | tuple[str, ...],
    typed: list[tuple[str, str]] | tuple[tuple[str, str], ...],
    stdin: Stdin,
) -> list[Any]:
    """Attachments from ``-a`` values and ``--at VALUE TYPE`` pairs.

    A missing file or a directory is a usage error naming the option (exit
    2), as the original reports it.
    """
    for value in values:
        _check_attachment_file(value, "'-a' / '--attachment'")
    for value, _ in typed:
        _check_attachment_file(value, "'--at' / '--attachment-type'")
    result = [resolve_attachment(value, None, stdin) for value in values]
    result.extend(resolve_attachment(value, kind, stdin) for value, kind in typed)
    return result


def close_when_done(resource: Any) -> Any:
    """Close ``resource`` when the running Click command finishes; returns it.

    Outside a Click command nothing is registered and the caller closes it.
    """
    import click

    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(resource.close)
    return resource


def open_command_logs_db(path: str | None = None, **kwargs: Any) -> Any:
    """``open_logs_db(path, **kwargs)``, closed when the running command finishes."""
    from llm.logs import open_logs_db

    return close_when_done(open_logs_db(path, **kwargs))


def open_reading_logs_db(path: str | None = None) -> Any:
    """The logs database for a command that only reads it, closed when the command finishes.

    Nothing is created or changed on disk: with no logs.db yet (and no ``-d``)
    an empty database in memory stands in, so listings are simply empty; a
    read-only file is opened read-only. A ``-d`` path that does not exist is
    an error naming it.
    """
    from llm.logs import logs_db_path, memory_logs_db

    if path is None and not logs_db_path().exists():
        return close_when_done(memory_logs_db())
    return open_command_logs_db(path, for_reading=True, logs_only=True)


class LogsDB:
    """Opens the logs database on first use (``-d`` path or the default one).

    The database closes when the running Click command finishes, or on ``close()``.
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._db: Any = None

    def get(self) -> Any:
        if self._db is None:
            from llm.logs import open_logs_db

            self._db = open_logs_db(self.path)
            close_when_done(self)
        return self._db

    def file(self) -> Any:
        """The database file's Path: the ``-d`` path, else the default logs.db."""
        from pathlib import Path

        from llm.logs import logs_db_path

        return Path(self.path).expanduser() if self.path else logs_db_path()

    def close(self) -> None:
        """Close the database if it was opened (it reopens on the next ``get()``)."""
        db, self._db = self._db, None
        if db is not None:
            db.close()


def resolve_fragments(
    references: list[str] | tuple[str, ...], stdin: Stdin, logs: LogsDB
) -> tuple[list[Any], list[Any]]:
    """(fragments, attachments) for ``-f``/``--sf`` references, in the order given.

    ``-`` is the text on stdin; anything else goes to llm.logs.fragments, which
    knows aliases, hashes, files, URLs and plugin loaders.
    """
    from llm import Attachment, Fragment

    fragments: list[Any] = []
    attachments: list[Any] = []
    for reference in references:
        if reference == "-":
            stdin.claimed = True
            fragments.append(Fragment(stdin.read_text(), "-"))
            continue
        from llm.logs.fragments import resolve_fragment

        for item in resolve_fragment(logs.get(), reference):
            if isinstance(item, Attachment):
                attachments.append(item)
            else:
                fragments.append(item)
    return fragments, attachments


def claims_stdin(*value_lists: Any) -> bool:
    """True if any of these option values is ``-`` (stdin used as attachment/fragment)."""
    for values in value_lists:
        for value in values or ():
            if value == "-" or (isinstance(value, tuple) and value[0] == "-"):
                return True
    return False
