"""``llm prompt`` inputs: attachments, fragments and schemas."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import llm

from .conftest import echo_output, rows

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24


@pytest.fixture
def web():
    """A local web server: ``web.pages[path] = (content_type, body)``."""
    pages: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def _send(self, body: bool) -> None:
            if self.path not in pages:
                self.send_response(404)
                self.end_headers()
                return
            content_type, content = pages[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if body:
                self.wfile.write(content)

        def do_GET(self):
            self._send(True)

        def do_HEAD(self):
            self._send(False)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Web:
        url = f"http://127.0.0.1:{server.server_address[1]}"

    Web.pages = pages  # type: ignore[attr-defined]
    try:
        yield Web
    finally:
        server.shutdown()
        server.server_close()


# --- attachments ---------------------------------------------------------------


def test_attachment_path(invoke, tmp_path):
    image = tmp_path / "image.png"
    image.write_bytes(PNG)
    result = invoke(["-m", "echo", "describe", "-a", str(image)])
    attachments = echo_output(result.stdout)["attachments"]
    assert attachments == [
        {
            "type": "image/png",
            "url": None,
            "path": str(image.resolve()),
            "id": llm.Attachment(content=PNG).id(),
        }
    ]


def test_attachment_from_stdin(invoke):
    result = invoke(["-m", "echo", "describe", "-a", "-"], input=PNG)
    output = echo_output(result.stdout)
    assert output["prompt"] == "describe"
    assert output["attachments"][0]["type"] == "image/png"
    assert output["attachments"][0]["id"] == llm.Attachment(content=PNG).id()


def test_attachment_type_option(invoke, tmp_path):
    data = tmp_path / "sound.bin"
    data.write_bytes(b"not really audio")
    result = invoke(["-m", "echo", "listen", "--at", str(data), "audio/wav"])
    assert echo_output(result.stdout)["attachments"][0]["type"] == "audio/wav"
    result = invoke(
        ["-m", "echo", "listen", "--attachment-type", "-", "audio/mpeg"],
        input=b"raw bytes",
    )
    assert echo_output(result.stdout)["attachments"][0]["type"] == "audio/mpeg"


def test_attachment_url(invoke, web):
    web.pages["/cat.png"] = ("image/png", PNG)
    result = invoke(["-m", "echo", "what", "-a", f"{web.url}/cat.png"])
    attachment = echo_output(result.stdout)["attachments"][0]
    assert attachment["url"] == f"{web.url}/cat.png"
    assert attachment["type"] == "image/png"


def test_unsupported_attachment_type(invoke, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    result = invoke(["-m", "echo", "read", "--at", str(text), "text/plain"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: This model does not support attachments of type 'text/plain'"
    )
    image = tmp_path / "image.png"
    image.write_bytes(PNG)
    result = invoke(["-m", "legacy", "read", "-a", str(image)])
    assert result.exit_code == 1
    assert "does not support attachments" in result.stderr


def test_missing_attachment_file(invoke, tmp_path):
    """A usage error naming the option, exit 2, as in the original."""
    missing = tmp_path / "nope.png"
    result = invoke(["-m", "echo", "read", "-a", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == (
        "Usage: cli prompt [OPTIONS] [PROMPT]\n"
        "Try 'cli prompt --help' for help.\n"
        "\n"
        f"Error: Invalid value for '-a' / '--attachment': File {missing} does not exist\n"
    )
    result = invoke(["-m", "echo", "read", "--at", str(missing), "image/png"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Invalid value for '--at' / '--attachment-type': File {missing} "
        "does not exist\n"
    )
    result = invoke(["-m", "echo", "read", "-a", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Invalid value for '-a' / '--attachment': {tmp_path} is a "
        "directory, not a file\n"
    )


# --- fragments -----------------------------------------------------------------


def test_fragment_file_and_order(invoke, tmp_path, logs_path):
    one = tmp_path / "one.txt"
    one.write_text("first fragment")
    two = tmp_path / "two.txt"
    two.write_text("second fragment")
    result = invoke(
        ["-m", "echo", "the prompt", "-f", str(one), "--fragment", str(two)]
    )
    assert echo_output(result.stdout)["prompt"] == (
        "first fragment\nsecond fragment\nthe prompt"
    )
    stored = rows(logs_path, "select content from fragments order by id")
    assert [r["content"] for r in stored] == ["first fragment", "second fragment"]


def test_system_fragment(invoke, tmp_path):
    instructions = tmp_path / "explain.txt"
    instructions.write_text("Explain in detail")
    result = invoke(["-m", "echo", "x", "--sf", str(instructions), "-s", "and briefly"])
    assert echo_output(result.stdout)["system"] == "Explain in detail\n\nand briefly"
    result = invoke(["-m", "echo", "x", "--system-fragment", str(instructions)])
    assert echo_output(result.stdout)["system"] == "Explain in detail"


def test_fragment_from_stdin(invoke):
    result = invoke(["-m", "echo", "summarize", "-f", "-"], input="piped document")
    assert echo_output(result.stdout)["prompt"] == "piped document\nsummarize"


def test_fragment_url_alias_and_hash(invoke, web):
    web.pages["/robots.txt"] = ("text/plain; charset=utf-8", b"User-agent: *")
    result = invoke(["-m", "echo", "explain", "-f", f"{web.url}/robots.txt"])
    assert echo_output(result.stdout)["prompt"] == "User-agent: *\nexplain"
    assert (
        invoke(["fragments", "set", "robots", f"{web.url}/robots.txt"]).exit_code == 0
    )
    result = invoke(["-m", "echo", "again", "-f", "robots"])
    assert echo_output(result.stdout)["prompt"] == "User-agent: *\nagain"
    from llm.fragments import fragment_hash

    digest = fragment_hash("User-agent: *")
    result = invoke(["-m", "echo", "by hash", "-f", digest])
    assert echo_output(result.stdout)["prompt"] == "User-agent: *\nby hash"


def test_fragment_loader_plugin(invoke, tmp_path):
    image = tmp_path / "pic.png"
    image.write_bytes(PNG)

    class Loader:
        @llm.hookimpl
        def register_fragment_loaders(self, register):
            def shout(argument):
                "Upper-cases its argument"
                return [
                    llm.Fragment(argument.upper(), f"shout:{argument}"),
                    llm.Attachment(path=str(image)),
                ]

            register("shout", shout)

    from llm.plugins import pm

    pm.register(Loader(), name="shout-loader")
    try:
        result = invoke(["-m", "echo", "then", "-f", "shout:hello"])
        output = echo_output(result.stdout)
        assert output["prompt"] == "HELLO\nthen"
        assert output["attachments"][0]["type"] == "image/png"
        loaders = invoke(["fragments", "loaders"]).stdout
        assert "shout:\n  Upper-cases its argument" in loaders
    finally:
        pm.unregister(name="shout-loader")


def test_missing_fragment(invoke):
    result = invoke(["-m", "echo", "x", "-f", "no-such-fragment"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Fragment 'no-such-fragment' not found")


# --- schemas -------------------------------------------------------------------


def test_schema_dsl_and_json(invoke):
    result = invoke(["-m", "echo", "invent", "--schema", "name, age int"])
    schema = echo_output(result.stdout)["schema"]
    assert schema == llm.schema_dsl("name, age int")
    raw = '{"type": "object", "properties": {"dogs": {"type": "array"}}}'
    result = invoke(["-m", "echo", "invent", "--schema", raw])
    assert echo_output(result.stdout)["schema"] == json.loads(raw)


def test_schema_multi(invoke):
    result = invoke(["-m", "echo", "invent", "--schema-multi", "name, bio"])
    assert echo_output(result.stdout)["schema"] == llm.schema_dsl(
        "name, bio", multi=True
    )


def test_schema_file_id_and_template(invoke, tmp_path, logs_path):
    path = tmp_path / "dog.schema.json"
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    path.write_text(json.dumps(schema))
    result = invoke(["-m", "echo", "invent", "--schema", str(path)])
    assert echo_output(result.stdout)["schema"] == schema
    schema_id = rows(logs_path, "select id from schemas")[0]["id"]
    result = invoke(["-m", "echo", "again", "--schema", schema_id])
    assert echo_output(result.stdout)["schema"] == schema
    assert invoke(["--schema", "name, age int", "--save", "dog"]).exit_code == 0
    result = invoke(["-m", "echo", "tmpl", "--schema", "t:dog"])
    assert echo_output(result.stdout)["schema"] == llm.schema_dsl("name, age int")
    result = invoke(["-m", "echo", "tmpl", "--schema-multi", "t:dog"])
    assert echo_output(result.stdout)["schema"] == llm.schema_dsl(
        "name, age int", multi=True
    )


def test_invalid_schemas(invoke):
    # Anything that is not a schema is a usage error (exit 2), as in the original.
    result = invoke(["-m", "echo", "x", "--schema", "{not json"])
    assert result.exit_code == 2
    assert "Error: Invalid value for '--schema': Schema is not valid JSON" in (
        result.stderr
    )
    result = invoke(["-m", "echo", "x", "--schema", "name bogus_type"])
    assert result.exit_code == 2
    assert "Error: Invalid value for '--schema': Invalid type" in result.stderr
    result = invoke(["-m", "echo", "x", "--schema-multi", "0" * 32])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f"Error: Invalid value for '--schema-multi': No stored schema with ID {'0' * 32}\n"
    )


def test_single_word_schema_is_a_stored_id(invoke):
    # A concise schema has a comma or a space; one word is looked up as an ID first.
    result = invoke(["-m", "echo", "x", "--schema", "dogs"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "\n\nError: Invalid value for '--schema': No stored schema with ID dogs "
        "(for a one-field concise schema add a comma: 'dogs,')\n"
    )
    assert result.stderr.startswith("Usage: ")
    result = invoke(["-m", "echo", "x", "--schema", "dogs,"])
    assert result.exit_code == 0
    assert echo_output(result.stdout)["schema"] == llm.schema_dsl("dogs")


# Longer than any file name may be (255 bytes on most file systems).
LONG_DSL = ", ".join(f"field{i} int" for i in range(40))


def test_long_schema_dsl_is_a_schema_not_a_file_name(invoke):
    assert len(LONG_DSL) > 300
    result = invoke(["-m", "echo", "invent", "--schema", LONG_DSL])
    assert result.exit_code == 0, result.output
    assert echo_output(result.stdout)["schema"] == llm.schema_dsl(LONG_DSL)
    result = invoke(["-m", "echo", "invent", "--schema-multi", LONG_DSL])
    assert echo_output(result.stdout)["schema"] == llm.schema_dsl(LONG_DSL, multi=True)


@pytest.mark.parametrize("option", ["-f", "-a", "-t"])
def test_long_values_that_are_not_files_get_a_clear_error(invoke, option):
    result = invoke(["-m", "echo", "x", option, LONG_DSL])
    # A missing attachment is a usage error (exit 2), as in the original.
    assert result.exit_code == (2 if option == "-a" else 1)
    assert result.stderr.splitlines()[-1].startswith("Error: ")
    assert "too long" not in result.stderr
