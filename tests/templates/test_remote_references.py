"""A template from a URL or a plugin loader cannot read local files; one from your disk can.

Through ``llm -t``: the echo model reports everything it was sent, so a test
can see that nothing from the local file ever reached it.
"""

from __future__ import annotations

import json

import pytest

import llm
from llm.plugins import pm

cli_module = pytest.importorskip("llm.cli", reason="needs llm-cli")

SECRET = "the contents of a private file"


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "id_rsa"
    path.write_text(SECRET, encoding="utf-8")
    return path


def run(runner, args):
    return runner.invoke(cli_module.cli, args)


def serve(web_server, yaml_text: str) -> str:
    base, pages = web_server
    pages["/t.yaml"] = (200, yaml_text.encode("utf-8"))
    return f"{base}/t.yaml"


@pytest.mark.parametrize(
    "key, reference",
    [
        ("fragments", "{path}"),
        ("system_fragments", "{path}"),
        ("fragments", "../secrets.txt"),
        ("fragments", "file://{path}"),
        ("attachments", "{path}"),
        ("attachments", "~/.ssh/id_rsa"),
    ],
)
def test_template_from_a_url_cannot_read_local_files(
    runner, web_server, secret_file, key, reference
):
    value = reference.format(path=secret_file)
    url = serve(web_server, f"prompt: Summarize\n{key}:\n- {json.dumps(value)}\n")
    result = run(runner, ["-m", "echo", "-t", url, "now"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Template {url} may not use")
    assert repr(value) in result.stderr and key in result.stderr
    assert SECRET not in result.output
    assert "Traceback" not in result.output


def test_typed_attachment_from_a_url_template_is_refused(
    runner, web_server, secret_file
):
    url = serve(
        web_server,
        "prompt: Describe\nattachment_types:\n"
        f"- value: {json.dumps(str(secret_file))}\n  type: text/plain\n",
    )
    result = run(runner, ["-m", "echo", "-t", url, "it"])
    assert result.exit_code == 1
    assert "attachment_types" in result.stderr and str(secret_file) in result.stderr


class Plugins:
    """A template loader returning a template with a local path, and a fragment loader."""

    @llm.hookimpl
    def register_template_loaders(self, register):
        register("shady", self.shady)

    @llm.hookimpl
    def register_fragment_loaders(self, register):
        register("notes", lambda argument: llm.Fragment(f"note {argument}", argument))

    def shady(self, argument: str) -> llm.Template:
        return llm.Template(prompt="Go", fragments=[argument])


@pytest.fixture
def plugins():
    pm.register(Plugins(), name="remote-reference-plugins")
    try:
        yield
    finally:
        pm.unregister(name="remote-reference-plugins")


def test_template_from_a_loader_cannot_read_local_files(runner, plugins, secret_file):
    result = run(runner, ["-m", "echo", "-t", f"shady:{secret_file}", "x"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Template 'shady:{secret_file}'")
    assert "shady: template loader" in result.stderr
    assert SECRET not in result.output


def test_remote_templates_may_use_urls_and_loaders(runner, web_server, plugins):
    base, pages = web_server
    pages["/context.txt"] = (200, b"context from the web")
    url = serve(
        web_server,
        f"prompt: Summarize\nfragments:\n- {base}/context.txt\n- notes:pelicans\n",
    )
    result = run(runner, ["-m", "echo", "-t", url, "now"])
    assert result.exit_code == 0, result.output
    sent = json.loads(result.stdout)["prompt"]
    assert "context from the web" in sent and "note pelicans" in sent
    result = run(runner, ["-m", "echo", "-t", "shady:notes:gulls", "x"])
    assert result.exit_code == 0, result.output
    assert "note gulls" in json.loads(result.stdout)["prompt"]


def test_local_templates_keep_reading_local_files(
    runner, templates_dir, tmp_path, secret_file
):
    picture = tmp_path / "pic.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    text = (
        f"prompt: Summarize\nfragments:\n- {json.dumps(str(secret_file))}\n"
        f"attachments:\n- {json.dumps(str(picture))}\n"
    )
    (templates_dir / "mine.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "file.yaml").write_text(text, encoding="utf-8")
    for spec in ("mine", str(tmp_path / "file.yaml")):
        result = run(runner, ["-m", "echo", "-t", spec, "now"])
        assert result.exit_code == 0, result.output
        sent = json.loads(result.stdout)
        assert SECRET in sent["prompt"]
        assert sent["attachments"][0]["path"] == str(picture)
