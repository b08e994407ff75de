"""How long `import llm` takes: median wall time of fresh processes, beside bare Python.

uv run python bench/import_time.py [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def median_ms(code: str, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 runs each")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    rows = [
        ("python -c pass", "pass"),
        ("import llm", "import llm"),
        ("import llm; llm.Model", "import llm; llm.Model"),
        ("import llm; llm.get_models()", "import llm; llm.get_models()"),
    ]
    baseline = None
    for label, code in rows:
        value = median_ms(code, runs)
        baseline = baseline or value
        print(f"{label:32} {value:8.1f} ms  ({value / baseline:4.1f}x)")


if __name__ == "__main__":
    main()
