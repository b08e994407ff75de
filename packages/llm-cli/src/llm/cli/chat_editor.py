"""The ``llm chat`` line editor on a terminal, built on prompt_toolkit.

History persists across sessions in ``chat_history.txt`` in the user
directory (Up/Down, Ctrl-R to search). A pasted block (bracketed paste) is
one message; Alt-Enter (or Esc then Enter) starts a new line; Tab completes
``!`` commands and, after ``!fragment``, fragment aliases and file names.
Ctrl-C clears the line, or leaves the chat on an empty one; so does Ctrl-D.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from prompt_toolkit.completion import Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory

from llm.redaction import known_secrets

HISTORY_FILE = "chat_history.txt"

# Lines that are commands about the input itself, not worth recalling: the
# message a !multi block or the editor produced is remembered instead.
_NOT_REMEMBERED = re.compile(r"^!(multi|end|edit)(\s.*)?$")
# API keys pasted into the chat by mistake (OpenAI, Anthropic, Google, GitHub,
# Slack, Hugging Face...): the message is sent, but never kept in the history.
_KEY_LOOKALIKE = re.compile(
    r"\b(sk-[A-Za-z0-9_\-]{20,}|AIza[0-9A-Za-z_\-]{30,}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}|hf_[A-Za-z0-9]{30,})"
)


def history_path() -> Path:
    from llm.paths import user_dir

    return user_dir() / HISTORY_FILE


def worth_remembering(entry: str, secrets: Iterable[str]) -> bool:
    """False for blank lines, ``!multi``/``!end``/``!edit`` and anything holding a key."""
    stripped = entry.strip()
    if not stripped or _NOT_REMEMBERED.match(stripped):
        return False
    if _KEY_LOOKALIKE.search(entry):
        return False
    return not any(secret in entry for secret in secrets)


class ChatHistory(FileHistory):
    """prompt_toolkit's file history, minus commands, repeats and secrets."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            # Chats can be private: the file is readable by its owner only.
            path.touch(mode=0o600)
        super().__init__(str(path))
        self._secrets: list[str] | None = None  # stored keys, credential variables

    def append_string(self, string: str) -> None:
        if self._secrets is None:
            # A stored key that happens to be a plain word still counts here:
            # dropping a history entry costs nothing, keeping a key costs a lot.
            self._secrets = sorted(known_secrets(plain_words=True))
        if not worth_remembering(string, self._secrets):
            return
        recent = self.get_strings()
        if recent and recent[-1] == string:
            return
        super().append_string(string)


class ChatCompleter(Completer):
    """Completes ``!`` commands, then fragment aliases or paths after ``!fragment``."""

    def __init__(self, commands: list[str], fragment_aliases: Callable[[], list[str]]):
        self.commands = commands
        self.fragment_aliases = fragment_aliases
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: Any) -> Any:
        line = document.current_line_before_cursor
        if line.startswith("!fragment "):
            word = document.get_word_before_cursor(WORD=True)
            for alias in self.fragment_aliases():
                if alias.startswith(word):
                    yield Completion(alias, start_position=-len(word))
            path_document = Document(word, len(word))
            yield from self.paths.get_completions(path_document, complete_event)
            return
        if line.startswith("!") and " " not in line and "\n" not in document.text:
            for command in self.commands:
                if command.startswith(line):
                    yield Completion(command, start_position=-len(line))


class ChatEditor:
    """Reads chat input on a terminal with prompt_toolkit's line editor."""

    def __init__(
        self,
        commands: list[str],
        fragment_aliases: Callable[[], list[str]],
        history: Path | None = None,
    ) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory

        self.history = ChatHistory(history or history_path())
        self.session: Any = PromptSession(
            history=self.history,
            completer=ChatCompleter(commands, fragment_aliases),
            complete_while_typing=False,
            key_bindings=_key_bindings(),
            prompt_continuation=_continuation,
        )
        # Lines inside a !multi block are kept as one entry when it ends.
        self.block_session: Any = PromptSession(
            history=InMemoryHistory(), key_bindings=_key_bindings()
        )

    def read(self, prompt: str = "> ") -> str | None:
        """One message (maybe several lines), or None for Ctrl-D / Ctrl-C on empty."""
        try:
            return str(self.session.prompt(prompt))
        except (EOFError, KeyboardInterrupt):
            return None

    def read_block_line(self) -> str | None:
        """A line inside a ``!multi`` block."""
        try:
            return str(self.block_session.prompt(""))
        except (EOFError, KeyboardInterrupt):
            return None

    def remember(self, text: str) -> None:
        """Keep a message typed as a ``!multi`` block or in the editor, as one entry."""
        self.history.append_string(text)


def _continuation(width: int, line_number: int, wrap_count: int) -> str:
    return "." * (width - 1) + " "


def _key_bindings() -> Any:
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event: Any) -> None:
        """Alt-Enter (or Esc, Enter): a new line in the same message."""
        event.current_buffer.insert_text("\n")

    @bindings.add("c-c")
    def _interrupt(event: Any) -> None:
        """Ctrl-C clears what was typed; on an empty line it leaves the chat."""
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()
        else:
            event.app.exit(exception=KeyboardInterrupt(), style="class:aborting")

    return bindings
