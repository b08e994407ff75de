"""Printing a response as it streams: plain text, or rendered Markdown on a terminal.

Text goes to stdout; reasoning goes dim to stderr, ended by a blank line
before the text (or a ``--td`` tool call) that follows it.
"""

from __future__ import annotations

from typing import Any

import click


class StreamPrinter:
    """Writes text chunks to stdout and reasoning (dimmed) to stderr as they arrive."""

    def __init__(self, show_text: bool = True, show_reasoning: bool = True) -> None:
        self.show_text = show_text
        self.show_reasoning = show_reasoning
        self.in_reasoning = False
        self.text_started = False
        self.last_text = ""

    def event(self, event: Any) -> None:
        if event.type == "reasoning":
            if self.show_reasoning and event.chunk:
                click.echo(click.style(event.chunk, dim=True), nl=False, err=True)
                self.in_reasoning = True
        elif event.type == "text":
            self.end_reasoning()
            if self.show_text and event.chunk:
                self.write_text(event.chunk)

    def write_text(self, chunk: str) -> None:
        click.echo(chunk, nl=False)
        self.text_started = True
        self.last_text = chunk

    def end_reasoning(self) -> None:
        """Close a reasoning block, so what follows (text, ``--td`` tool calls) starts a line."""
        if self.in_reasoning:
            click.echo("\n", err=True)
            self.in_reasoning = False

    def end_response(self) -> None:
        """One response of a chain is done; its tool calls run (and print) next."""
        self.end_reasoning()

    def finish(self, interrupted: bool = False) -> None:
        """End the output with a newline (after an interruption, only mid-line)."""
        self.end_reasoning()
        if not self.show_text:
            return
        if not interrupted or (self.text_started and not self.last_text.endswith("\n")):
            click.echo("")


class MarkdownPrinter(StreamPrinter):
    """A StreamPrinter whose text is rendered Markdown; reasoning stays dim on stderr."""

    def __init__(
        self, console: Any, show_reasoning: bool = True, live: bool = True
    ) -> None:
        from .markdown_stream import MarkdownStream

        super().__init__(show_text=True, show_reasoning=show_reasoning)
        self.stream = MarkdownStream(console, live=live)

    def write_text(self, chunk: str) -> None:
        self.stream.feed(chunk)
        self.text_started = True

    def event(self, event: Any) -> None:
        if event.type == "reasoning" and event.chunk and self.show_reasoning:
            # Text shown so far is finished before reasoning takes the screen.
            self.stream.close()
        super().event(event)

    def end_response(self) -> None:
        """One response of a chain is done: tool calls (``--td``) print below it."""
        self.stream.close()
        super().end_response()

    def finish(self, interrupted: bool = False) -> None:
        self.stream.close()
        self.end_reasoning()
