"""Cost of the retry/timeout/fallback layer on a successful call, and time-to-error on a closed port.

    .venv/bin/python bench/retry_overhead.py [--quick]

1. Overhead: a prompt to an in-process model that answers at once, run
   through the normal path (retries, timeout and fallback resolution, a
   fallbacks.json present) and again with the layer replaced by a bare
   ``execute()`` call; the difference per call is the layer's cost (target
   under 1 ms).
2. Time-to-error: ``llm -m local --retries 0 hi`` in a fresh process against a
   port where nothing listens (target under 0.5 s), beside ``llm --version``.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def per_call_us(fn, calls: int, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        timings.append((time.perf_counter() - start) / calls * 1e6)
    return statistics.median(timings)


def overhead(calls: int, runs: int) -> tuple[float, float]:
    import llm
    from llm import attempts
    from llm.execution import execute_arguments
    from llm.fallbacks import set_fallbacks

    class Instant(llm.Model):
        model_id = "instant"

        def execute(self, prompt, stream, response, conversation=None):
            yield "ok"

    model = Instant()
    set_fallbacks("instant", ["other"])  # so the layer reads a real file

    def prompt() -> None:
        model.prompt("hi").text()

    def bare_start(response):
        args, kwargs = execute_arguments(response)
        iterator = iter(response.model.execute(*args, **kwargs))
        return iterator, next(iterator, attempts.END)

    layered = per_call_us(prompt, calls, runs)
    real_start = attempts.start
    attempts.start = bare_start
    try:
        bare = per_call_us(prompt, calls, runs)
    finally:
        attempts.start = real_start
    return layered, bare


def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def time_to_error(
    runs: int,
) -> tuple[tuple[float, float], tuple[float, float]]:
    script = Path(sys.executable).parent / "llm"
    llm_cmd = [str(script)] if script.exists() else [sys.executable, "-m", "llm"]
    env = dict(os.environ)
    env["LLM_USER_PATH"] = os.environ["LLM_USER_PATH"]
    (Path(env["LLM_USER_PATH"]) / "extra-openai-models.yaml").write_text(
        f"- model_id: local\n  api_base: http://127.0.0.1:{free_port()}/v1\n",
        encoding="utf-8",
    )

    def timed(args: list[str], expect: int) -> tuple[float, float]:
        """Median wall time and CPU time (user + system) of ``args``."""
        walls, cpus = [], []
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = subprocess.run(args, env=env, capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(
                after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            )
            assert result.returncode == expect, result.stderr
        return statistics.median(walls), statistics.median(cpus)

    error = timed([*llm_cmd, "-m", "local", "--retries", "0", "-n", "hi"], 1)
    version = timed([*llm_cmd, "--version"], 0)
    return error, version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and runs")
    args = parser.parse_args()
    calls, runs = (200, 3) if args.quick else (2000, 7)
    os.environ["LLM_USER_PATH"] = tempfile.mkdtemp()
    os.environ.pop("LLM_RETRIES", None)
    os.environ.pop("LLM_TIMEOUT", None)

    layered, bare = overhead(calls, runs)
    print(f"prompt through the retry layer:  {layered:8.1f} us per call")
    print(f"prompt with the layer bypassed:  {bare:8.1f} us per call")
    print(
        f"retry layer overhead:            {layered - bare:8.1f} us per call (target < 1000)"
    )
    error, version = time_to_error(3 if args.quick else 7)
    # CPU time as well: on a shared, loaded machine wall time mostly measures the wait.
    print(
        f"closed port, --retries 0:        {error[0] * 1000:8.1f} ms to Error "
        f"(CPU {error[1] * 1000:.0f} ms; target < 500)"
    )
    print(
        f"llm --version, for scale:        {version[0] * 1000:8.1f} ms "
        f"(CPU {version[1] * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
