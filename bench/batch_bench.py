"""``llm batch`` throughput, logging cost and memory against a local OpenAI-protocol server.

    .venv/bin/python bench/batch_bench.py [--quick]

The fake OpenAI server (tests/openai/fake_server.py) runs in a process of its
own, keeps connections open as OpenAI's does, and answers every chat
completion after ``--latency`` seconds (100 ms).

1. Throughput: ``llm batch`` of ``--rows`` prompts (1,000) with ``--parallel``
   (50) against gpt-4o-mini (its async version, over httpx), in-process so the
   log writer can be measured; checks every row succeeded and every response is
   in logs.db tagged with the batch. Target: under 5 s (one at a time would
   take rows x latency: 100 s). Then the same with logging off (``-n``).
2. Logging share: time the background log writer spent writing, and time the
   event loop spent snapshotting responses for it (the only part of logging
   on the batch's own thread), as shares of the wall time.
3. Memory: peak RSS of ``llm batch`` subprocesses for 1x and 10x the rows
   (no latency), which should be about the same: input and output stream.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = """
import sys, time
sys.path.insert(0, {root!r})
from tests.openai import fake_server
fake_server.DEFAULTS["chat/completions"] = fake_server.slow(
    {latency}, fake_server.chat_reply("A short answer from the server")
)
server = fake_server.FakeOpenAIServer().start()
server.keep_alive = True
server.requests = type("Discard", (list,), {{"append": lambda self, item: None}})()
print(server.base_url, flush=True)
sys.stdin.read()
server.stop()
"""


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER.format(root=str(ROOT), latency=latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def write_prompts(path: Path, rows: int) -> None:
    with path.open("w") as fp:
        for number in range(rows):
            fp.write(json.dumps({"id": number, "prompt": f"Question {number}"}) + "\n")


def check_output(path: Path, rows: int) -> None:
    found = [json.loads(line) for line in path.read_text().splitlines()]
    assert [o["id"] for o in found] == list(range(rows)), "output out of order"
    failed = [o for o in found if o["error"]]
    assert not failed, f"{len(failed)} rows failed, e.g. {failed[0]}"


def logged(user_dir: Path) -> tuple[int, int]:
    conn = sqlite3.connect(str(user_dir / "logs.db"))
    try:
        responses = conn.execute("select count(*) from responses").fetchone()[0]
        linked = conn.execute("select count(*) from batch_responses").fetchone()[0]
        return responses, linked
    finally:
        conn.close()


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of this process, or of process ``pid`` (Linux)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_process(args: list[str]) -> tuple[float, float, float, float]:
    """Run ``llm batch`` here: (wall s, CPU s, writer busy s, loop logging s)."""
    from llm.cli import cli
    from llm.cli.batch_running import LocalBatch
    from llm.logs.background import BackgroundWriter

    measured = {"writer": 0.0, "loop": 0.0}
    close, on_result = BackgroundWriter.close, LocalBatch.on_result

    def timed_close(self):
        close(self)
        measured["writer"] += self.busy_seconds

    def timed_on_result(self, result):
        started = time.perf_counter()
        on_result(self, result)
        measured["loop"] += time.perf_counter() - started

    BackgroundWriter.close = timed_close
    LocalBatch.on_result = timed_on_result
    started, cpu = time.perf_counter(), cpu_seconds()
    try:
        cli.main(["batch", *args], standalone_mode=False)
    finally:
        wall = time.perf_counter() - started
        cpu = cpu_seconds() - cpu
        BackgroundWriter.close, LocalBatch.on_result = close, on_result
    return wall, cpu, measured["writer"], measured["loop"]


def peak_rss_mb(args: list[str], env: dict[str, str]) -> float:
    process = subprocess.Popen(
        [sys.executable, "-m", "llm", "batch", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "batch failed"
    return usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 rows, parallel 20")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--parallel", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1)
    options = parser.parse_args()
    rows = 200 if options.quick else options.rows
    parallel = 20 if options.quick else options.parallel

    work = Path(tempfile.mkdtemp())
    user_dir = work / "user"
    user_dir.mkdir()
    prompts = work / "prompts.jsonl"
    write_prompts(prompts, rows)
    server, base_url = start_server(options.latency)
    os.environ.update(
        LLM_USER_PATH=str(user_dir), OPENAI_BASE_URL=base_url, OPENAI_API_KEY="sk-bench"
    )
    try:
        common = [str(prompts), "-m", "gpt-4o-mini", "--parallel", str(parallel)]
        out = work / "out.jsonl"
        in_process([str(prompts), "-m", "gpt-4o-mini", "-n", "--output", str(out)])
        server_cpu = cpu_seconds(server.pid)
        wall, cpu, writer, loop = in_process([*common, "--output", str(out)])
        server_cpu = cpu_seconds(server.pid) - server_cpu
        check_output(out, rows)
        responses, linked = logged(user_dir)
        assert responses == linked == rows, (responses, linked)
        quiet, quiet_cpu, _, _ = in_process([*common, "-n", "--output", str(out)])
        check_output(out, rows)
        sequential = rows * options.latency
        load = os.getloadavg()[0]
        print(
            f"{rows} prompts, {options.latency * 1000:.0f} ms latency, --parallel {parallel}"
        )
        print(f"  (machine load average {load:.1f} on {os.cpu_count()} CPUs)")
        print(
            f"  wall time, logged:        {wall:6.2f} s  (one at a time: {sequential:.0f} s)"
        )
        print(
            f"  client CPU, logged:       {cpu:6.2f} s; server CPU {server_cpu:.2f} s"
        )
        print(
            f"  wall time, -n (no log):   {quiet:6.2f} s  (client CPU {quiet_cpu:.2f} s)"
        )
        print(f"  rows logged / linked:     {responses} / {linked}")
        print(
            f"  log writer thread busy:   {writer:6.2f} s = {writer / wall:5.1%} of wall"
            " (in parallel with the batch)"
        )
        print(
            f"  event loop, log handoff:  {loop:6.2f} s = {loop / wall:5.1%} of wall"
            " (snapshots + output lines)"
        )
    finally:
        server.communicate("")

    server, base_url = start_server(0.0)
    env = dict(
        os.environ,
        OPENAI_BASE_URL=base_url,
        PYTHONPATH=str(ROOT),
    )
    try:
        small, large = rows, rows * 10
        sizes = {}
        for count in (small, large):
            write_prompts(prompts, count)
            sizes[count] = peak_rss_mb(
                [*common, "--output", str(work / "memory.jsonl")], env
            )
        print("peak RSS (no latency):")
        for count, megabytes in sizes.items():
            print(f"  {count:>6} rows: {megabytes:6.1f} MB")
    finally:
        server.communicate("")


if __name__ == "__main__":
    main()
