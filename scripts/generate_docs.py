"""Write the parts of docs/ that are made from the code itself.

docs/*.md pages hold regions between two markers:

    <!-- generated: NAME (scripts/generate_docs.py) -->
    ...
    <!-- end generated: NAME -->

and this script rewrites what is between them:

* ``help``: the ``--help`` text of every ``llm`` command (docs/help.md);
* ``logs-schema``: the schema of a freshly migrated logs.db (docs/logging.md).

    uv run python scripts/generate_docs.py           # rewrite the regions
    uv run python scripts/generate_docs.py --check   # exit 1 with a diff if stale

tests/docs/test_generated.py runs the check. The text is produced in a child
process with a clean environment, so it is the same on every machine: no
``LLM_*``/``OPENAI_*`` variables, an empty user directory, only the default
plugins (``LLM_LOAD_PLUGINS=''``), 80 columns.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REGENERATE = "uv run python scripts/generate_docs.py"
WIDTH = 80

REGION = re.compile(
    r"(?P<start><!-- generated: (?P<name>[\w-]+) \(scripts/generate_docs\.py\) -->\n)"
    r"(?P<body>.*?)"
    r"(?P<end><!-- end generated: (?P=name) -->)",
    re.S,
)


# --- what the regions hold (run in the clean child process) ----------------


def command_help() -> str:
    """``llm --help`` and the help of every command below it, as Markdown."""
    import click
    from click.testing import CliRunner

    from llm.cli.root import cli

    runner = CliRunner()
    sections: list[str] = []

    def walk(path: list[str], command: click.Command) -> None:
        result = runner.invoke(
            cli, [*path, "--help"], prog_name="llm", terminal_width=WIDTH
        )
        if result.exit_code != 0:
            raise RuntimeError(f"llm {' '.join(path)} --help failed:\n{result.output}")
        heading = "#" * min(len(path) + 2, 6)
        title = " ".join(["llm", *path, "--help"])
        sections.append(f"{heading} {title}\n\n```\n{result.output.rstrip()}\n```\n")
        if isinstance(command, click.Group):
            ctx = click.Context(command, info_name=path[-1] if path else "llm")
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk([*path, name], sub)

    walk([], cli)
    return "\n".join(sections)


def logs_schema() -> str:
    """CREATE statements of a new logs.db, in the order the migrations made them."""
    from llm.logs import open_logs_db

    with tempfile.TemporaryDirectory() as directory:
        with open_logs_db(Path(directory) / "logs.db") as db:
            rows = db.conn.execute(
                "select type, name, sql from sqlite_master where sql is not null "
                "order by rowid"
            ).fetchall()
    virtual = [name for kind, name, sql in rows if sql.startswith("CREATE VIRTUAL")]
    statements = [
        sql + ";"
        for kind, name, sql in rows
        # A full-text table's shadow tables are SQLite's business, not ours.
        if not any(name.startswith(f"{v}_") and kind == "table" for v in virtual)
    ]
    return "```sql\n" + "\n".join(statements) + "\n```\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "help": command_help,
    "logs-schema": logs_schema,
}


def worker() -> None:
    json.dump({name: make() for name, make in GENERATORS.items()}, sys.stdout)


# --- rewriting the pages ----------------------------------------------------


def clean_environment(user_dir: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LLM_", "OPENAI_")) and key not in ("COLUMNS", "LINES")
    }
    env.update(LLM_USER_PATH=user_dir, LLM_LOAD_PLUGINS="", COLUMNS=str(WIDTH))
    return env


def generate() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as user_dir:
        result = subprocess.run(
            [sys.executable, __file__, "--worker"],
            env=clean_environment(user_dir),
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    if result.returncode != 0:
        sys.exit(f"Generating the docs failed:\n{result.stderr}")
    return json.loads(result.stdout)


def rewrite(text: str, generated: dict[str, str], page: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in GENERATORS:
            sys.exit(f"{page}: unknown generated region {name!r}")
        return match["start"] + generated[name] + match["end"]

    return REGION.sub(replace, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="report stale pages instead of writing"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    generated = generate()
    stale = []
    found: set[str] = set()
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        found.update(match["name"] for match in REGION.finditer(text))
        new = rewrite(text, generated, page)
        if new == text:
            continue
        name = page.relative_to(ROOT).as_posix()
        if args.check:
            stale.append(name)
            sys.stdout.writelines(
                difflib.unified_diff(
                    text.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"{name} (committed)",
                    f"{name} (generated)",
                )
            )
        else:
            page.write_text(new, encoding="utf-8")
            print(f"Updated {name}")
    missing = sorted(set(GENERATORS) - found)
    if missing:
        sys.exit(f"No page holds the generated region(s) {', '.join(missing)}")
    if stale:
        sys.exit(
            f"\nOut of date with the code: {', '.join(stale)}. "
            f"Regenerate with: {REGENERATE}"
        )


if __name__ == "__main__":
    main()
