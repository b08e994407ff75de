#!/usr/bin/env python3
"""Logging cost per response, and `llm logs` speed and memory on a large database.

    .venv/bin/python bench/logs_bench.py [--responses N] [--quick]

Builds a logs database of N responses (default 100,000; 2,000 with --quick)
through the public API - ``response.log_to_db(db)`` - with a small canned
model: conversations of several turns, some prompts with fragments, a schema
now and then. Prints:

* the time ``log_to_db`` takes per response (model execution excluded), as the
  median of batches, while the database grows;
* wall time of ``llm logs -n 3``, ``llm logs -q WORD``, ``llm logs -n 0 --json``,
  ``llm logs -n 0 --short`` and others (output discarded), each in a fresh process;
* peak memory (max RSS) of ``llm logs -n 0 --json`` at half and full size,
  which stays flat when output streams.
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

WORDS = (
    "pelican walrus otter heron badger ferret puffin lemur gecko ibis "
    "marmot quokka tapir vole wombat yak zebu okapi narwhal kiwi"
).split()

LOGS_COMMAND = (
    "import sys; from llm.cli.commands.logs import logs; "
    "logs.main(args=sys.argv[1:], prog_name='llm logs')"
)


class BenchModel(llm.Model):
    """Replies instantly with a few sentences made from the prompt."""

    model_id = "bench"
    supports_schema = True
    can_stream = True

    def execute(self, prompt, stream, response, conversation=None):
        words = (prompt.prompt or "").split()[-6:]
        yield "Here are some thoughts. " + " ".join(words * 8)
        response.set_usage(input=len(words) * 3, output=60)


def build(path: Path, count: int) -> list[float]:
    """Log ``count`` responses; returns per-response log_to_db seconds per batch."""
    db = open_logs_db(path)
    model = BenchModel()
    fragment = llm.Fragment("A long shared document. " * 200, "doc.txt")
    schema = llm.schema_dsl("name, age int")
    batch_times: list[float] = []
    batch, spent = 0, 0.0
    conversation = model.conversation()
    for i in range(count):
        if i % 5 == 0:
            conversation = model.conversation()
        word = WORDS[i % len(WORDS)]
        other = WORDS[(i * 7) % len(WORDS)]
        kwargs = {}
        if i % 10 == 0:
            kwargs["fragments"] = [fragment]
        if i % 50 == 0:
            kwargs["schema"] = schema
        response = conversation.prompt(
            f"Question {i} about the {word} and the {other}", **kwargs
        )
        response.text()
        started = time.perf_counter()
        response.log_to_db(db)
        spent += time.perf_counter() - started
        batch += 1
        # Keep memory flat: earlier turns are not needed for the benchmark.
        conversation.responses.clear()
        if batch == 500 or i == count - 1:
            batch_times.append(spent / batch)
            batch, spent = 0, 0.0
    db.conn.close()
    return batch_times


def run_logs(path: Path, *args: str) -> tuple[float, int]:
    """(seconds, max RSS in KiB) of one ``llm logs`` run in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", LOGS_COMMAND, "-d", str(path), *args],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "LLM_USER_PATH": str(path.parent)},
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(after, before)


def peak_rss(path: Path, *args: str) -> int:
    """Max RSS (KiB) of a fresh process running ``llm logs`` with ``args``."""
    script = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            sys.executable,
            "-c",
            LOGS_COMMAND,
            "-d",
            str(path),
            *args,
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "LLM_USER_PATH": str(path.parent)},
    )
    return int(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="2,000 responses")
    args = parser.parse_args()
    count = 2_000 if args.quick else args.responses
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LLM_USER_PATH"] = tmp
        # Bytecode caching on, as in a normal install, even if the environment
        # disables it; the first timed command's warm-up run fills the cache.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        half_path = Path(tmp) / "half.db"
        path = Path(tmp) / "logs.db"
        started = time.perf_counter()
        build(half_path, count // 2)
        per_response = build(path, count)
        built = time.perf_counter() - started
        # The first batch also pays for imports and creating the schema.
        steady = per_response[1:] or per_response
        median_ms = statistics.median(steady) * 1000
        worst_ms = max(steady) * 1000
        print(f"responses logged: {count:,} (+{count // 2:,}) in {built:.1f}s")
        print(
            f"log_to_db per response: median {median_ms:.3f} ms, "
            f"slowest batch of 500 {worst_ms:.3f} ms (target <= 2 ms); "
            f"first batch {per_response[0] * 1000:.3f} ms"
        )
        print(f"database size: {path.stat().st_size / 1024 / 1024:.1f} MiB")
        run_logs(path, "--help")  # warm-up: fills the bytecode cache
        baseline = [run_logs(path, "--help")[0] for _ in range(3)]
        print(
            f"{'llm logs --help (start-up only)':<34} {statistics.median(baseline) * 1000:9.1f} ms"
        )
        for label, extra in (
            ("llm logs -n 3", ["-n", "3"]),
            ("llm logs -q walrus", ["-q", "walrus"]),
            ("llm logs -q walrus -n 0 --json", ["-q", "walrus", "-n", "0", "--json"]),
            ("llm logs -m bench -n 3", ["-m", "bench", "-n", "3"]),
            ("llm logs -n 0 --json", ["-n", "0", "--json"]),
            ("llm logs -n 0 --short", ["-n", "0", "--short"]),
            ("llm logs -n 0", ["-n", "0"]),
        ):
            run_logs(path, *extra)  # warm-up
            times = [run_logs(path, *extra)[0] for _ in range(3)]
            print(f"{label:<34} {statistics.median(times) * 1000:9.1f} ms")
        half_rss = peak_rss(half_path, "-n", "0", "--json")
        full_rss = peak_rss(path, "-n", "0", "--json")
        print(
            f"peak RSS of -n 0 --json: {half_rss / 1024:.1f} MiB at {count // 2:,} rows, "
            f"{full_rss / 1024:.1f} MiB at {count:,} rows"
        )


if __name__ == "__main__":
    main()
