"""Fixtures for the templates tests: a loader plugin, a local web server, an editor."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import llm
from llm.plugins import pm


class DemoLoaderPlugin:
    """A template loader plugin like a third party would write one."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    @llm.hookimpl
    def register_template_loaders(self, register):
        register("demo", self.load_demo)
        register("raw", self.load_raw)

    def load_demo(self, name: str) -> llm.Template:
        """Load a built-in demo template.

        Names: summarize, french, broken, code
        """
        self.calls.append(name)
        if name == "summarize":
            return llm.Template(name="summarize", system="Summarize this", model="echo")
        if name == "french":
            return llm.Template(prompt="Say $input in French", defaults={"x": 1})
        if name == "code":
            return llm.Template(
                name="code", prompt="hi", functions="def boom():\n    return 1\n"
            )
        raise ValueError(f"Template {name!r} is not a demo template")

    def load_raw(self, name: str):
        if name == "dict":
            return {"prompt": "from a dict: $input"}
        return 42


@pytest.fixture
def loader_plugin():
    plugin = DemoLoaderPlugin()
    pm.register(plugin, name="demo-template-loader")
    try:
        yield plugin
    finally:
        pm.unregister(name="demo-template-loader")


@pytest.fixture
def templates_dir(user_path) -> Path:
    path = user_path / "templates"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def runner():
    testing = pytest.importorskip("click.testing")  # only the CLI tests need it
    return testing.CliRunner()


@pytest.fixture
def web_server():
    """Serve ``pages`` (path -> (status, body bytes)) on 127.0.0.1; yields (base_url, pages)."""
    pages: dict[str, tuple[int, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            status, body = pages.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", "text/yaml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


EDITOR_SCRIPT = """\
import os, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as fp:
    before = fp.read()
with open(os.environ["TEST_EDITOR_LOG"], "a", encoding="utf-8") as fp:
    fp.write(before)
new = os.environ.get("TEST_EDITOR_WRITE")
if new is not None:
    with open(path, "w", encoding="utf-8") as fp:
        fp.write(new)
"""


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """Set $EDITOR to a script; ``editor(text)`` makes it write ``text``, ``editor(None)``
    leaves the file alone. Returns the log path holding what the editor was shown."""
    script = tmp_path / "fake_editor.py"
    script.write_text(EDITOR_SCRIPT, encoding="utf-8")
    log = tmp_path / "editor.log"
    monkeypatch.setenv("EDITOR", f'"{sys.executable}" "{script}"')
    monkeypatch.setenv("TEST_EDITOR_LOG", str(log))

    def configure(text: str | None) -> Path:
        if text is None:
            monkeypatch.delenv("TEST_EDITOR_WRITE", raising=False)
        else:
            monkeypatch.setenv("TEST_EDITOR_WRITE", text)
        return log

    return configure
