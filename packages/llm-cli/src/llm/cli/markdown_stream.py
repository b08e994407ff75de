"""Streaming a response to the terminal as rendered Markdown, with rich's Live display.

Redrawing the whole response on every token flickers and, once it is taller
than the screen, leaves copies of its top in the scrollback. Instead, Markdown
blocks that are finished (a later block has started on a complete line, and
CommonMark never reopens a closed block) are printed once, for good, above
a small live region; only the block still growing is redrawn there, and never
more of it than fits on the screen. Lines of it that scroll past are printed
for good too, when they can no longer change (a table's columns can: it shows
its last rows until it is finished). Redraws are spaced out so slow terminals
keep up. The scrollback ends up exactly as if the whole answer had been
rendered at once.
"""

from __future__ import annotations

import time
from typing import Any

MIN_INTERVAL = 1 / 20
MAX_INTERVAL = 0.5


def _text(line: list[Any]) -> str:
    return "".join(segment.text for segment in line)


def _same_text(a: list[list[Any]], b: list[list[Any]]) -> bool:
    # Compared as text: link styles carry a random id, different on every render.
    return len(a) == len(b) and all(_text(x) == _text(y) for x, y in zip(a, b))


# Blocks whose first lines never change as more of them arrives. Others (a
# table's columns widen, a numbered list's numbers grow a digit) are redrawn
# whole until finished, showing their last lines when taller than the screen.
STEADY_BLOCKS = frozenset(
    {"paragraph_open", "heading_open", "fence", "code_block", "bullet_list_open"}
    | {"blockquote_open", "hr"}
)


_parser: Any = None


def _parse(text: str) -> list[Any]:
    """Block tokens, with the syntax rich's Markdown understands."""
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt

        _parser = MarkdownIt().enable("strikethrough").enable("table")
    return _parser.parse(text)


def is_steady(block: str) -> bool:
    """True if the lines already drawn for ``block`` stay as they are while it grows."""
    return all(
        token.type in STEADY_BLOCKS
        for token in _parse(block)
        if token.level == 0 and token.nesting >= 0
    )


def block_starts(text: str) -> list[int]:
    """Offsets in ``text`` where its top-level Markdown blocks start.

    Only complete lines are parsed: a partial last line (``#`` that may become
    ``#hashtag``) could still turn out to continue the block before it, but a
    block followed by another that starts on a complete line is finished.
    """
    complete = text[: text.rfind("\n") + 1]
    if not complete:
        return []
    tokens = _parse(complete)
    lines = [t.map[0] for t in tokens if t.level == 0 and t.nesting >= 0 and t.map]
    offsets: list[int] = []
    offset, line = 0, 0
    for target in lines:
        while line < target:
            offset = complete.index("\n", offset) + 1
            line += 1
        offsets.append(offset)
    return offsets


class _LiveLines:
    """The live region's lines, read whenever rich draws it.

    rich keeps the renderable it last drew and draws it again under anything
    printed above the live region; a renderable that always shows the current
    lines keeps that redraw from repeating lines just printed for good.
    """

    def __init__(self) -> None:
        self.lines: list[list[Any]] = []

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.segment import SegmentLines

        yield SegmentLines(self.lines, new_lines=True)


class MarkdownStream:
    """Markdown text arriving in chunks, shown rendered as it grows.

    The part still drawn live starts with the last finished block (the
    *anchor*, already printed): rich decides the blank line before a block
    from the block before it, so rendering from the anchor draws the growing
    block exactly as rendering the whole text would.
    """

    def __init__(self, console: Any, live: bool = True) -> None:
        """With ``live`` off (not a terminal) the text is rendered once, at the end."""
        self.console = console
        self.animate = live
        self.text = ""
        self.start = 0  # where the anchor block begins in ``text``
        self.anchored = False
        self.base = 0  # lines the anchor takes (printed already)
        self.printed = 0  # lines after the anchor printed for good (overflow)
        self.live: Any = None
        self.view = _LiveLines()
        self.interval = MIN_INTERVAL
        self.last_update = 0.0

    def feed(self, chunk: str) -> None:
        """Add text; the display catches up when enough time has passed."""
        self.text += chunk
        if self.animate and time.monotonic() - self.last_update >= self.interval:
            self.update()

    def update(self, final: bool = False) -> None:
        """Redraw: print finished blocks and overflow for good, the rest live.

        ``final`` prints everything for good, leaving nothing live.
        """
        began = time.monotonic()
        tail = self.text[self.start :]
        lines = self._render(tail)
        done: list[list[Any]] = []
        starts = block_starts(tail)
        growing = tail[starts[-1] :] if starts else tail
        if len(starts) >= (3 if self.anchored else 2):
            lines, done = self._advance(tail, lines, starts[-2], starts[-1])
        shown = self.base + self.printed
        room = max(1, self.console.height - 1)
        if final:
            done.extend(lines[shown:])
            shown = len(lines)
        elif len(lines) - shown > room:
            if is_steady(growing):
                done.extend(lines[shown : len(lines) - room])
                self.printed = len(lines) - room - self.base
                shown = self.base + self.printed
            else:
                shown = len(lines) - room  # the end of it, printed once finished
        self._show(lines[shown:], done)
        self.last_update = time.monotonic()
        # Rendering takes longer as a block grows; redraw less often then.
        self.interval = min(
            max(MIN_INTERVAL, (self.last_update - began) * 4), MAX_INTERVAL
        )

    def close(self) -> None:
        """Show everything that arrived and end the live display."""
        if not self.animate:
            if self.text:
                from .render import markdown

                self.console.print(markdown(self.text))
            self.text = ""
            return
        if self.live is None and not self.text:
            return
        self.update(final=True)
        if self.live is not None:
            self.live.stop()
            self.live = None
        self.text, self.start, self.anchored, self.base, self.printed = (
            "",
            0,
            False,
            0,
            0,
        )

    def _render(self, text: str) -> list[list[Any]]:
        from .render import markdown

        return self.console.render_lines(markdown(text), self.console.options)

    def _advance(
        self, tail: str, lines: list[list[Any]], anchor: int, growing: int
    ) -> tuple[list[list[Any]], list[list[Any]]]:
        """Make the block at ``tail[anchor:growing]`` the new anchor.

        Returns (lines of the new live text, lines to print for good). Nothing
        moves unless the growing block draws the same either way.
        """
        new_lines = self._render(tail[anchor:])
        new_base = len(self._render(tail[anchor:growing]))
        growing_lines = len(new_lines) - new_base
        keep = len(lines) - growing_lines  # where the growing block starts in ``lines``
        shown = self.base + self.printed
        if keep < self.base or not _same_text(lines[keep:], new_lines[new_base:]):
            return lines, []
        done = lines[shown:keep]
        self.printed = max(0, shown - keep)
        self.start += anchor
        self.base = new_base
        self.anchored = True
        return new_lines, done

    def _show(self, live_lines: list[list[Any]], done: list[list[Any]]) -> None:
        from rich.segment import SegmentLines

        if self.live is None:
            from rich.live import Live

            self.live = Live(
                self.view,
                console=self.console,
                auto_refresh=False,
                redirect_stdout=False,
            )
            self.live.start()
        self.view.lines = live_lines
        if done:
            # Printing above a Live draws the new live part in the same write.
            self.console.print(SegmentLines(done, new_lines=True))
        else:
            self.live.refresh()
