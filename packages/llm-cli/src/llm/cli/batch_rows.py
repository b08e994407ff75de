"""Turning rows of ``llm batch`` input into prompts.

Each row supplies the prompt (the ``prompt`` field, the field ``--column``
names, or the whole line of plain-text input) or, with ``-t``, values for the
template's variables; ``system``, ``id`` and ``attachments`` (a path or URL,
or a list of them) are optional. The command's own options (``-s``, ``-o``,
``--schema``, ``-f``, ``-T`` ...) apply to every row; a row's ``system`` wins
over ``-s``. A row that cannot become a prompt (no prompt, a missing
attachment, a template variable without a value) becomes an ``InputError``
naming its line, so it is reported without stopping the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from llm.batching import BatchPrompt
from llm.errors import InputError
from llm.rows import Row

from .prompting import Session

# Row fields with a meaning of their own, never template parameters.
RESERVED = frozenset({"id", "system", "attachment", "attachments"})


@dataclass
class RowInfo:
    """Which input row a prompt came from, and (once it ran) its output line."""

    key: str
    line: int
    id: Any
    location: str = ""
    # The row itself is at fault (it could not be read or made into a prompt);
    # its error message already says where.
    bad_input: bool = False
    output: dict[str, Any] | None = None
    skipped: bool = False  # answered by an earlier run (--resume)
    # The line of an earlier row with the same id: this row is refused, and not
    # logged, since the log knows a batch's rows by their id.
    duplicate_of: int | None = None


def row_id(row: Row) -> Any:
    """The row's ``id`` as given, else its line number."""
    if row.keys is not None and row.error is None:
        value = row.as_dict().get("id")
        if value is not None and value != "":
            return value
    return row.line


def row_key(identifier: Any) -> str:
    """How a row is known in the logs: its id as text."""
    return identifier if isinstance(identifier, str) else json.dumps(identifier)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class RowPrompts:
    """Builds each row's BatchPrompt from a prepared session (see ``llm.cli.prompting``)."""

    def __init__(self, session: Session, column: str | None = None) -> None:
        self.session = session
        self.column = column
        # Every id seen so far and its line (tens of bytes a row), so a repeated
        # id is refused rather than overwriting the earlier row in the log.
        self.seen: dict[str, int] = {}

    def info(self, row: Row) -> RowInfo:
        identifier = row_id(row)
        info = RowInfo(
            key=row_key(identifier), line=row.line, id=identifier, location=row.location
        )
        earlier = self.seen.setdefault(info.key, row.line)
        if earlier != row.line:
            info.duplicate_of = earlier
        return info

    def __call__(self, row: Row, info: RowInfo) -> BatchPrompt:
        """The prompt for ``row``; its ``error`` says what is wrong with a bad row."""
        if info.duplicate_of is not None:
            info.bad_input = True
            message = (
                f"{row.location}: id {json.dumps(info.id)} is already used by the row "
                f"on line {info.duplicate_of} (each row needs an id of its own; "
                "a row without one is known by its line number)"
            )
            return BatchPrompt(tag=info, error=InputError(message, row.line))
        if row.error is not None:
            info.bad_input = True
            return BatchPrompt(tag=info, error=InputError(row.error, row.line))
        try:
            return self._prompt(row, info)
        except Exception as ex:  # reported as this row's error
            from .errors import error_message

            info.bad_input = True
            error = InputError(f"{row.location}: {error_message(ex)}", row.line)
            return BatchPrompt(tag=info, error=error)

    def _prompt(self, row: Row, info: RowInfo) -> BatchPrompt:
        session = self.session
        values = row.as_dict()
        system = values.get("system")
        system = _text(system) if system not in (None, "") else None
        if session.template is not None:
            text, session_system = self._from_template(row, values)
            if system is None:
                system = session_system
        else:
            text = self._prompt_text(row, values)
            if system is None:
                system = session.system
        attachments = _attachments(values)
        if not (text or attachments or session.template is not None):
            raise InputError("the prompt is empty")
        kwargs = session.prompt_kwargs(system, stream=False)
        if attachments:
            kwargs["attachments"] = list(kwargs.get("attachments") or []) + attachments
        return BatchPrompt(text, kwargs, tag=info)

    def _prompt_text(self, row: Row, values: dict[str, Any]) -> str | None:
        if row.keys is None:  # plain lines: the line is the prompt
            return row.values[0]
        column = self.column or "prompt"
        if column not in values:
            hint = "" if self.column else " (choose the field with --column)"
            raise InputError(f"no {column!r} field{hint}")
        value = values[column]
        return None if value is None else _text(value)

    def _from_template(
        self, row: Row, values: dict[str, Any]
    ) -> tuple[str | None, str | None]:
        if row.keys is None:
            given: Any = row.values[0]
            params: dict[str, Any] = {}
        else:
            name = self.column or ("input" if "input" in values else "prompt")
            if self.column and name not in values:
                raise InputError(f"no {name!r} field")
            given = values.get(name)
            params = {
                key: value
                for key, value in values.items()
                if key not in RESERVED and key != name
            }
        text = None if given is None else _text(given)
        return self.session.evaluate(text, params)


def _attachments(values: dict[str, Any]) -> list[Any]:
    from .inputs import Stdin, resolve_attachment

    given = values.get("attachments", values.get("attachment"))
    if given in (None, "", []):
        return []
    items = given if isinstance(given, list) else [given]
    attachments = []
    for item in items:
        if not isinstance(item, str) or not item.strip() or item == "-":
            raise InputError(f"attachment {item!r} is not a path or URL")
        attachments.append(resolve_attachment(item.strip(), None, Stdin()))
    return attachments
