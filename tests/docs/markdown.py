"""The code blocks of a Markdown page, with the ``<!-- example ... -->`` notes before them.

A note is an HTML comment (so readers of the rendered page never see it) right
above a fenced block, holding YAML after the word ``example``:

    <!-- example skip: needs a real OpenAI key -->
    <!-- example
    replies:
    - text: "1. Captain Beaky"
      usage: {input: 14, output: 21}
    -->

tests/docs/examples.py says what each key means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FENCE = re.compile(r"^(?P<fence>`{3,})(?P<info>[\w+-]*)\s*$")
NOTE = re.compile(r"<!--\s*example\b(?P<body>(?:(?!-->).)*)-->\s*\Z", re.S)


class NoteError(ValueError):
    """An ``<!-- example ... -->`` note that is not a YAML mapping."""


@dataclass
class Block:
    """One fenced code block: where it is, its language, its text and its note."""

    page: Path
    line: int  # of the opening fence, counting from 1
    language: str
    text: str
    note: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.page.name}:{self.line}"


def parse_note(body: str, where: str) -> dict[str, Any]:
    body = body.strip()
    if not body:
        return {}
    try:
        note = yaml.safe_load(body)
    except yaml.YAMLError as error:
        raise NoteError(f"{where}: the example note is not YAML: {error}") from None
    if isinstance(note, str) and note.isidentifier():
        return {note: True}  # <!-- example output -->
    if not isinstance(note, dict):
        raise NoteError(f"{where}: the example note must be a mapping, got {body!r}")
    return note


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, in order, with the note just above it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence = opening["fence"]
        end = index + 1
        while end < len(lines) and lines[end].rstrip() != fence:
            end += 1
        preceding = "\n".join(lines[max(0, index - 40) : index])
        note_match = NOTE.search(preceding)
        note = {}
        if note_match is not None:
            note = parse_note(note_match["body"], f"{page.name}:{index + 1}")
        found.append(
            Block(
                page=page,
                line=index + 1,
                language=opening["info"],
                text="\n".join(lines[index + 1 : end]) + "\n",
                note=note,
            )
        )
        index = end + 1
    return found
