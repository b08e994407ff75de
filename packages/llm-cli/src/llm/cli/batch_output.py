"""What ``llm batch`` writes: one JSON line per input row, a progress bar and a summary.

Each output line is ``{"id", "response" (or "data" with a schema), "usage",
"cost", "error"}``, in input order; ``cost`` is in US dollars, null when unknown. The progress bar is drawn on stderr only when it
is a terminal; the summary line always goes to stderr.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import IO, Any

import click

from .batch_rows import RowInfo

# Redraw the progress bar at most this often (seconds).
PROGRESS_INTERVAL = 0.1
BAR_WIDTH = 24


def _usage(records: list[Any]) -> dict[str, int | None] | None:
    inputs = [r.usage.input for r in records if r.usage.input is not None]
    outputs = [r.usage.output for r in records if r.usage.output is not None]
    if not inputs and not outputs:
        return None
    return {
        "input": sum(inputs) if inputs else None,
        "output": sum(outputs) if outputs else None,
    }


def row_output(
    info: RowInfo,
    records: list[Any],
    error: BaseException | str | None,
    schema: bool,
) -> dict[str, Any]:
    """The output line for one row from its responses' records: text (or ``data``), usage, error."""
    from .errors import error_message

    message = error if isinstance(error, str) or error is None else error_message(error)
    # A failed row keeps whatever text arrived before it failed.
    text = "".join(record.text for record in records) or None
    output: dict[str, Any] = {"id": info.id}
    if schema:
        data = None
        if text and message is None:
            try:
                data = json.loads(text)
            except ValueError:
                message = "The model's reply is not valid JSON"
                output["response"] = text
        output["data"] = data
    else:
        output["response"] = text
    output["usage"] = _usage(records)
    costs = [record.cost.total for record in records if record.cost is not None]
    output["cost"] = round(sum(costs), 9) if costs else None
    output["error"] = message
    return output


def check_output(path: str | None, input_path: str) -> None:
    """Refuse an ``--output`` that would erase the input or cannot be created.

    Checked before the batch is logged, so a mistake leaves no failed batch.
    """
    import os

    if path is None or path == "-":
        return
    if (
        input_path != "-"
        and os.path.exists(path)
        # The input may be gone by the time a provider batch is fetched.
        and os.path.exists(input_path)
        and os.path.samefile(path, input_path)
    ):
        raise click.ClickException(
            f"--output {path} is the input file: writing the answers there "
            "would erase the prompts"
        )
    if os.path.isdir(path):
        raise click.ClickException(f"--output {path} is a directory")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise click.ClickException(
            f"--output {path}: directory {parent} does not exist"
        )


def open_output(path: str | None) -> IO[str]:
    """Where output lines go: ``--output FILE`` (created or replaced) or stdout."""
    if path is None or path == "-":
        return sys.stdout
    return open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller


def write_line(stream: IO[str], output: dict[str, Any]) -> None:
    """One output line; on standard output it is flushed, for whatever reads the pipe."""
    stream.write(json.dumps(output, ensure_ascii=False, default=str) + "\n")
    if stream is sys.stdout:
        stream.flush()


@dataclass
class Tally:
    """Counts for the summary line."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    has_tokens: bool = False
    cost: float = 0.0
    priced: int = 0  # rows whose cost is known
    unpriced: int = 0  # rows that ran but whose cost is not

    def add(self, output: dict[str, Any], skipped: bool = False) -> None:
        if output.get("error"):
            self.failed += 1
        else:
            self.done += 1
            if skipped:
                self.skipped += 1
        if skipped:  # its tokens and cost were counted by the run that made them
            return
        usage = output.get("usage")
        if usage:
            self.has_tokens = True
            self.input_tokens += usage.get("input") or 0
            self.output_tokens += usage.get("output") or 0
        if output.get("cost") is not None:
            self.cost += output["cost"]
            self.priced += 1
        elif usage or output.get("response") is not None or output.get("data"):
            self.unpriced += 1

    def cost_text(self, model_id: str | None) -> str | None:
        """``$0.0123``, ``at least $0.01 (9 of 10 rows priced)`` or why it is unknown."""
        from llm.pricing import format_dollars, unknown_cost_reason

        if self.priced and not self.unpriced:
            return format_dollars(self.cost)
        if self.priced:
            counted = self.priced + self.unpriced
            return (
                f"at least {format_dollars(self.cost)} "
                f"({self.priced:,} of {counted:,} rows priced)"
            )
        if self.unpriced:
            return f"cost unknown: {unknown_cost_reason(model_id, self.has_tokens)}"
        return None

    @property
    def rows(self) -> int:
        return self.done + self.failed

    def summary(
        self,
        batch_id: str | None,
        seconds: float | None = None,
        model_id: str | None = None,
    ) -> str:
        """``Batch 01j...: 998 done, 2 failed, 12,345 input and 678 output tokens, $0.0042, 4.2 s``."""
        parts = [f"{self.done:,} done"]
        if self.skipped:
            parts[0] += f" ({self.skipped:,} from an earlier run)"
        parts.append(f"{self.failed:,} failed")
        if self.has_tokens:
            parts.append(
                f"{self.input_tokens:,} input and {self.output_tokens:,} output tokens"
            )
        cost = self.cost_text(model_id)
        if cost:
            parts.append(cost)
        if seconds is not None:
            parts.append(f"{seconds:.1f} s")
        label = f"Batch {batch_id}" if batch_id else "Batch"
        return f"{label}: " + ", ".join(parts)


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int | None = None, stream: IO[str] | None = None):
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = _is_terminal(self.stream)
        self.started = time.monotonic()
        self._drawn = 0.0
        self._visible = False

    def update(self, tally: Tally, running: int = 0, note: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn < PROGRESS_INTERVAL:
            return
        self._drawn = now
        self.show(self.line(tally, running, note))

    def show(self, text: str) -> None:
        """Draw ``text`` in place of the bar (a terminal only)."""
        if not self.enabled:
            return
        self.stream.write("\r\x1b[2K" + text)
        self.stream.flush()
        self._visible = True

    def line(self, tally: Tally, running: int = 0, note: str = "") -> str:
        count = tally.rows
        if self.total:
            filled = min(BAR_WIDTH, BAR_WIDTH * count // self.total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            text = f"[{bar}] {count:,}/{self.total:,}"
        else:
            text = f"{count:,} rows"
        text += f" · {tally.failed:,} failed"
        if running:
            text += f" · {running} running"
        elapsed = time.monotonic() - self.started
        if elapsed > 0 and count:
            text += f" · {count / elapsed:.1f}/s"
        if note:
            text += f" · {note}"
        return text

    def finish(self) -> None:
        """Clear the bar so the summary line starts clean."""
        if self._visible:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._visible = False


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def count_rows(path: str, format: str) -> int | None:
    """Roughly how many rows a file holds (its lines, less a header), for the bar.

    None for standard input and JSON arrays, where counting would mean reading
    the input twice or whole.
    """
    if path == "-" or format == "json":
        return None
    lines = 0
    last = b"\n"
    with open(path, "rb") as fp:
        while chunk := fp.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    if format in ("csv", "tsv"):
        lines -= 1
    return max(lines, 0)
