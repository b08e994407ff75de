"""Template speed: listing a folder of saved templates, loading one, evaluating one.

    python bench/templates.py [--templates N] [--quick]

Runs in a temporary LLM_USER_PATH, so your own templates are never touched.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def timed(label: str, repeat: int, function) -> None:
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    elapsed = (time.perf_counter() - start) / repeat
    print(f"{label:44} {elapsed * 1000:9.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--templates", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="50 templates")
    args = parser.parse_args()
    count = 50 if args.quick else args.templates
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["LLM_USER_PATH"] = tmp
        from llm.templates import (
            Template,
            load_template,
            save_template,
            scan_templates,
        )

        template = Template(
            system="Summarize in the voice of $voice",
            prompt="Text:\n$input\n\nKeep it under $words words.",
            defaults={"voice": "GlaDOS", "words": 100},
            options={"temperature": 0.4},
            fragments=["https://example.com/style.txt"],
        )
        start = time.perf_counter()
        for index in range(count):
            save_template(f"t{index:05d}", template)
        per_save = (time.perf_counter() - start) / count
        print(f"{'save_template':44} {per_save * 1000:9.3f} ms")
        timed(f"scan_templates ({count} files)", 3, scan_templates)
        timed("load_template by name", 50, lambda: load_template("t00000"))
        text = "word " * 2000
        timed(
            "evaluate (10k characters of input)",
            1000,
            lambda: template.evaluate(text, {"voice": "Yoda"}),
        )


if __name__ == "__main__":
    main()
