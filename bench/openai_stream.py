"""OpenAI plugin throughput: streamed chat and Responses API replies from a local fake server.

Measures, per response, the wall time to stream N chunks over real HTTP
through our httpx transport, httpx-sse and our event parsing, plus the
plugin's own import and model registration cost. Run from the repository root:

    .venv/bin/python bench/openai_stream.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def subprocess_ms(code: str, runs: int) -> float:
    return timed(lambda: subprocess.run([sys.executable, "-c", code], check=True), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs")
    args = parser.parse_args()
    chunks = 200 if args.quick else 5000
    runs = 3 if args.quick else 7

    os.environ["LLM_USER_PATH"] = tempfile.mkdtemp()
    from tests.openai.fake_server import (
        FakeOpenAIServer,
        chat_reply,
        message_item,
        reasoning_item,
        responses_reply,
    )

    server = FakeOpenAIServer().start()
    os.environ["OPENAI_BASE_URL"] = server.base_url
    os.environ["OPENAI_API_KEY"] = "sk-bench"
    import llm

    text = "x" * chunks  # chunk_size=1: one SSE event per character
    chat_script = chat_reply(text, chunk_size=1)
    responses_script = responses_reply(
        reasoning_item("y" * (chunks // 4)), message_item(text), chunk_size=1
    )

    def chat_once() -> None:
        server.chat(chat_script)
        assert llm.get_model("gpt-4o-mini").prompt("go").text() == text

    def responses_once() -> None:
        server.responses(responses_script)
        assert llm.get_model("o3").prompt("go").text() == text

    def registry_once() -> None:
        from llm.registry import clear_registry_cache

        clear_registry_cache()
        llm.get_models()

    chat_once()  # warm up: httpx import, pydantic schemas
    responses_once()
    try:
        chat_ms = timed(chat_once, runs)
        responses_ms = timed(responses_once, runs)
        registry_ms = timed(registry_once, runs)
    finally:
        server.stop()
    import_ms = subprocess_ms("import llm.default_plugins.openai_models", runs)
    baseline_ms = subprocess_ms("import llm.hookspecs", runs)

    print(
        f"chat stream, {chunks} chunks:         {chat_ms:8.1f} ms  ({chunks / chat_ms * 1000:,.0f} chunks/s)"
    )
    events = chunks + chunks // 4
    print(
        f"responses stream, {events} events:    {responses_ms:8.1f} ms  ({events / responses_ms * 1000:,.0f} events/s)"
    )
    print(f"register all models (rebuild):  {registry_ms:8.1f} ms")
    print(
        f"import plugin (fresh process):  {import_ms:8.1f} ms  (import llm.hookspecs: {baseline_ms:.1f} ms)"
    )


if __name__ == "__main__":
    main()
