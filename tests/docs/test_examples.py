"""The examples in docs/*.md run, and print what the pages show (see examples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .examples import PageSession, kind
from .markdown import Block, blocks

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = {page: blocks(page) for page in sorted(DOCS.glob("*.md"))}
EXAMPLES = [
    block
    for page in PAGES.values()
    for block in page
    if kind(block) not in (None, "output")
]


@pytest.fixture(scope="session")
def sessions(tmp_path_factory, docs_server):
    """One PageSession per page, made when its first example runs."""
    made: dict[Path, PageSession] = {}

    def session(page: Path) -> PageSession:
        if page not in made:
            root = tmp_path_factory.mktemp(page.stem)
            made[page] = PageSession(PAGES[page], root, docs_server)
        return made[page]

    yield session
    for page_session in made.values():
        page_session.close()


@pytest.mark.parametrize("block", EXAMPLES, ids=[b.name for b in EXAMPLES])
def test_example(block: Block, sessions, monkeypatch):
    reason = block.note.get("skip")
    if reason:
        pytest.skip(f"docs/{block.name}: {reason}")
    problem = sessions(block.page).run_through(block, monkeypatch)
    if problem:
        pytest.fail(problem, pytrace=False)
