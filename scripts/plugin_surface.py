"""Which names from ``llm`` do published plugins use?

Downloads (``pip download --no-deps``) the newest release of each plugin in
PLUGINS, reads every Python file in it (tests and setup scripts left out) and
records each name imported from ``llm`` or one of its submodules and each
``llm.X.Y`` attribute chain the code touches. The result is written to
tests/compat/plugin_surface.json, which tests/compat/test_plugin_surface.py
checks against our packages offline.

Run it by hand when plugins change, with any Python that has pip:

    python3 scripts/plugin_surface.py            # rewrite the data file
    python3 scripts/plugin_surface.py --keep DIR # also keep the downloads
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "tests" / "compat" / "plugin_surface.json"

# The plugins named in docs/plugins.md and the original's plugin directory, plus
# other widely installed ones; ``NAME==VERSION`` pins an older release. A name
# that cannot be downloaded is reported and left out of the data file.
PLUGINS = [
    # remote model APIs
    "llm-anthropic",
    "llm-gemini",
    "llm-openrouter",
    "llm-mistral",
    "llm-groq",
    "llm-deepseek",
    "llm-perplexity",
    "llm-bedrock",
    "llm-bedrock-anthropic",
    "llm-bedrock-meta",
    "llm-vertex",
    "llm-cohere",
    "llm-command-r",
    "llm-reka",
    "llm-replicate",
    "llm-together",
    "llm-fireworks",
    "llm-anyscale-endpoints",
    "llm-lambda-labs",
    "llm-venice",
    "llm-grok",
    "llm-github-models",
    "llm-openai-plugin",
    "llm-azure",
    "llm-github-copilot",
    "llm-cerebras",
    "llm-sambanova",
    "llm-xai",
    "llm-cloudflare",
    "llm-huggingface",
    "llm-litellm",
    "llm-palm",
    "llm-fal",
    # local models
    "llm-ollama",
    "llm-llama-server",
    "llm-gpt4all",
    "llm-mlx",
    "llm-mlc",
    "llm-gguf",
    "llm-llamafile",
    "llm-lmstudio",
    "llm-llama-cpp",
    "llm-markov",
    "llm-echo",
    # embeddings
    "llm-sentence-transformers",
    "llm-clip",
    "llm-embed-jina",
    "llm-embed-onnx",
    "llm-cluster",
    "llm-jina",
    # commands and utilities
    "llm-cmd",
    "llm-cmd-comp",
    "llm-jq",
    "llm-python",
    "llm-docs",
    "llm-consortium",
    "llm-classify",
    "llm-commit",
    "llm-sort",
    "llm-arxiv",
    # tools
    "llm-tools-simpleeval",
    "llm-tools-quickjs",
    "llm-tools-sqlite",
    "llm-tools-datasette",
    "llm-tools-exa",
    "llm-tools-rag",
    "llm-tools-brave",
    "llm-tools-edit",
    # fragments and templates
    "llm-fragments-github",
    "llm-fragments-pypi",
    "llm-fragments-pdf",
    "llm-fragments-reader",
    "llm-fragments-site-text",
    "llm-fragments-youtube",
    "llm-fragments-go",
    "llm-fragments-rust",
    "llm-fragments-reddit",
    "llm-hacker-news",
    "llm-video-frames",
    "llm-pdf-to-images",
    "llm-templates-github",
    "llm-templates-fabric",
    # older releases that reached into llm-openai's private helpers
    "llm-github-models==0.5",
]


def download(name: str, dest: Path) -> Path | None:
    """Fetch the newest release of ``name`` (a wheel when there is one)."""
    target = dest / name
    target.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--ignore-requires-python",
            "--quiet",
            "--dest",
            str(target),
            name,
        ],
        capture_output=True,
        text=True,
    )
    files = list(target.iterdir())
    if result.returncode or not files:
        print(f"  {name}: download failed: {result.stderr.strip()[-300:]}")
        return None
    return files[0]


def python_sources(archive: Path) -> Iterator[tuple[str, str]]:
    """(path, text) of each runtime Python file in a wheel or sdist."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            members = [(n, lambda n=n: zf.read(n)) for n in zf.namelist()]
            yield from _filtered(members)
    else:
        with tarfile.open(archive) as tf:
            members = [
                (m.name, lambda m=m: tf.extractfile(m).read())
                for m in tf.getmembers()
                if m.isfile()
            ]
            yield from _filtered(members)


def _filtered(members) -> Iterator[tuple[str, str]]:
    for name, read in members:
        parts = name.split("/")
        base = parts[-1]
        if not base.endswith(".py") or base in ("setup.py", "conftest.py"):
            continue
        if base.startswith("test_") or {"tests", "test"} & set(parts[:-1]):
            continue
        yield name, read().decode("utf-8", "replace")


class SurfaceVisitor(ast.NodeVisitor):
    """Collect dotted ``llm...`` names a module imports or reaches as attributes."""

    def __init__(self) -> None:
        self.bound: dict[str, str] = {}  # local name -> dotted llm path
        self.names: set[str] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "llm" or alias.name.startswith("llm."):
                self.names.add(alias.name)
                if alias.asname:
                    self.bound[alias.asname] = alias.name
                else:
                    self.bound["llm"] = "llm"

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or not (module == "llm" or module.startswith("llm.")):
            return
        for alias in node.names:
            if alias.name == "*":
                continue
            dotted = f"{module}.{alias.name}"
            self.names.add(dotted)
            self.bound[alias.asname or alias.name] = dotted

    def collect_attributes(self, tree: ast.AST) -> None:
        """Record the longest ``bound.attr.attr`` chain of each expression."""
        inner: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(
                node.value, ast.Attribute
            ):
                inner.add(id(node.value))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or id(node) in inner:
                continue
            attrs: list[str] = []
            current: ast.expr = node
            while isinstance(current, ast.Attribute):
                attrs.append(current.attr)
                current = current.value
            if isinstance(current, ast.Name) and current.id in self.bound:
                base = self.bound[current.id]
                self.names.add(".".join([base, *reversed(attrs)]))


def surface_of(archive: Path) -> set[str]:
    """Every llm name the plugin's runtime code uses."""
    names: set[str] = set()
    for path, text in python_sources(archive):
        try:
            tree = ast.parse(text, filename=path)
        except SyntaxError:
            print(f"  skipped {path}: not parseable by this Python")
            continue
        visitor = SurfaceVisitor()
        visitor.visit(tree)
        visitor.collect_attributes(tree)
        names |= visitor.names
    return names


def version_of(archive: Path, name: str) -> str:
    """The release version from a wheel or sdist file name."""
    stem = archive.name
    for suffix in (".tar.gz", ".zip", ".whl"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    prefix = name.split("==")[0].replace("-", "_").lower()
    rest = stem.lower().replace("-", "_")
    if rest.startswith(prefix + "_"):
        return stem[len(prefix) + 1 :].split("-")[0]
    return stem.split("-")[1] if "-" in stem else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep downloads in this directory")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dest = args.keep or Path(tmp)
        dest.mkdir(parents=True, exist_ok=True)
        plugins: dict[str, str] = {}
        users: dict[str, set[str]] = {}
        for name in PLUGINS:
            archive = download(name, dest)
            if archive is None:
                continue
            plugins[name] = version_of(archive, name)
            found = surface_of(archive)
            print(f"  {name} {plugins[name]}: {len(found)} names")
            for dotted in found:
                users.setdefault(dotted, set()).add(name)
    data = {
        "about": "Names from llm used by published plugins; written by "
        "scripts/plugin_surface.py, checked by tests/compat/test_plugin_surface.py",
        "plugins": dict(sorted(plugins.items())),
        "names": {k: sorted(v) for k, v in sorted(users.items())},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(data, indent=1) + "\n")
    print(f"{len(plugins)} plugins, {len(users)} names -> {args.output}")


if __name__ == "__main__":
    main()
