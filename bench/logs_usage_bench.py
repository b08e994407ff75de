#!/usr/bin/env python3
"""``llm logs usage``, ``llm logs stats`` and ``llm logs prune --dry-run`` on a large logs database.

    .venv/bin/python bench/logs_usage_bench.py [--responses N] [--quick]

Builds a logs database of N responses (default 100,000; 2,000 with --quick)
through the public API (``response.log_to_db``) with three small models, two
of them priced, so most responses have a stored cost; conversations of five
turns. The responses are then spread over the past year by rewriting
``datetime_utc``, so day, week and month groupings have many groups. Prints
the wall and CPU time of each command in a fresh process (start-up included)
and of ``usage_report()`` alone; on a busy machine CPU time is the steadier
figure. The issue's target is under 0.5 s for every
report on 100,000 responses. Compile the packages first (``python -m
compileall -q packages``) so start-up is measured as users see it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import llm
from llm.logs import open_logs_db

LOGS_COMMAND = (
    "import sys; from llm.cli.commands.logs import logs; "
    "logs.main(args=sys.argv[1:], prog_name='llm logs')"
)
SECONDS_PER_YEAR = 365 * 24 * 3600


class BenchModel(llm.Model):
    """Replies instantly; reports usage."""

    can_stream = True

    def __init__(self, model_id: str, price: llm.Price | None) -> None:
        self.model_id = model_id
        self.price = price

    def execute(self, prompt, stream, response, conversation=None):
        words = (prompt.prompt or "").split()
        yield "Some thoughts on " + " ".join(words * 6)
        response.set_usage(input=len(words) * 3 + 200, output=60)


MODELS = [
    BenchModel("bench-large", llm.Price(input=2.5, output=10, date="2026-01-01")),
    BenchModel("bench-small", llm.Price(input=0.15, output=0.6, date="2026-01-01")),
    BenchModel("bench-local", None),
]


def build(path: Path, count: int) -> None:
    db = open_logs_db(path)
    conversation = MODELS[0].conversation()
    for i in range(count):
        if i % 5 == 0:
            conversation = MODELS[(i // 5) % len(MODELS)].conversation()
        response = conversation.prompt(f"Question {i} about pelicans and walruses")
        response.text()
        response.log_to_db(db)
        conversation.responses.clear()  # keep memory flat
    # Spread the responses over the past year, oldest first.
    now = time.time()
    rows = db.conn.execute("select rowid from responses order by id").fetchall()
    step = SECONDS_PER_YEAR / max(len(rows), 1)
    with db.conn:
        db.conn.executemany(
            "update responses set datetime_utc = "
            "strftime('%Y-%m-%dT%H:%M:%S+00:00', ?, 'unixepoch') where rowid = ?",
            [
                (now - SECONDS_PER_YEAR + index * step, rowid)
                for index, (rowid,) in enumerate(rows)
            ],
        )
    db.conn.close()


def run_logs(path: Path, *args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``llm logs`` run in a fresh process.

    CPU time is the steadier figure on a machine shared with other work.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", LOGS_COMMAND, *args],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "LLM_USER_PATH": str(path.parent)},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def median_of(function, runs: int = 5) -> float:
    """Median wall time of ``function()`` after a warm-up run."""
    function()
    return statistics.median(_timed(function) for _ in range(runs))


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _cpu_timed(function) -> float:
    started = time.process_time()
    function()
    return time.process_time() - started


def command_times(path: Path, *args: str, runs: int = 3) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``llm logs ARGS`` after a warm-up run."""
    run_logs(path, *args)
    results = [run_logs(path, *args) for _ in range(runs)]
    return (
        statistics.median(wall for wall, _ in results),
        statistics.median(cpu for _, cpu in results),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="2,000 responses")
    args = parser.parse_args()
    count = 2_000 if args.quick else args.responses
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LLM_USER_PATH"] = tmp
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        path = Path(tmp) / "logs.db"
        started = time.perf_counter()
        build(path, count)
        print(f"responses logged: {count:,} in {time.perf_counter() - started:.1f}s")
        print(f"database size: {path.stat().st_size / 1024 / 1024:.1f} MiB")

        from llm.logs.periods import parse_point
        from llm.logs.report import usage_report

        db = open_logs_db(path)
        print(f"{'in process':<44} {'wall':>8} {'CPU':>8}")
        since = parse_point("30d")
        for label, call in (
            ("usage_report(by='model')", lambda: usage_report(db, "model")),
            ("usage_report(by='day')", lambda: usage_report(db, "day")),
            ("usage_report(by='week')", lambda: usage_report(db, "week")),
            ("usage_report(by='month')", lambda: usage_report(db, "month")),
            (
                "usage_report(by='conversation')",
                lambda: usage_report(db, "conversation"),
            ),
            (
                "usage_report(by='day', since=30d)",
                lambda: usage_report(db, "day", since=since),
            ),
        ):
            wall = median_of(call)
            cpu = statistics.median(_cpu_timed(call) for _ in range(3))
            print(f"{label:<44} {wall * 1000:6.0f}ms {cpu * 1000:6.0f}ms")
        db.conn.close()

        print(f"{'fresh process (start-up included)':<44} {'wall':>8} {'CPU':>8}")
        for label, extra in (
            ("llm logs --help (start-up only)", ["--help"]),
            ("llm logs usage", ["usage"]),
            ("llm logs usage --by day", ["usage", "--by", "day"]),
            ("llm logs usage --by week --json", ["usage", "--by", "week", "--json"]),
            ("llm logs usage --by month", ["usage", "--by", "month"]),
            ("llm logs usage --by conversation", ["usage", "--by", "conversation"]),
            (
                "llm logs usage --by conversation --json",
                ["usage", "--by", "conversation", "--json"],
            ),
            (
                "llm logs usage --by conversation --since 30d",
                ["usage", "--by", "conversation", "--since", "30d"],
            ),
            (
                "llm logs usage --since 30d -m bench-small",
                ["usage", "--since", "30d", "-m", "bench-small"],
            ),
            ("llm logs stats", ["stats"]),
            (
                "llm logs prune --before 180d --dry-run",
                ["prune", "--before", "180d", "--dry-run"],
            ),
        ):
            wall, cpu = command_times(path, *extra)
            print(f"{label:<44} {wall * 1000:6.0f}ms {cpu * 1000:6.0f}ms")
        copy = Path(tmp) / "copy.db"
        copy.write_bytes(path.read_bytes())
        wall, cpu = run_logs(copy, "prune", "-d", str(copy), "--before", "180d", "-y")
        label = "llm logs prune --before 180d -y (once)"
        print(f"{label:<44} {wall * 1000:6.0f}ms {cpu * 1000:6.0f}ms")


if __name__ == "__main__":
    main()
