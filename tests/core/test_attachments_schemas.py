"""Attachments (type detection, content, ids), schemas and fragments."""

import base64
import hashlib
import http.server
import json
import threading

import pytest

import llm
from llm.attachments import mimetype_from_bytes, mimetype_from_path
from llm.schemas import make_schema_id, schema_summary

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x10\x00\x00\x00\x01\x00\x01\x00" + b"\0" * 32
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\0" * 64


@pytest.mark.parametrize(
    "content,expected",
    [
        (PNG, "image/png"),
        (WAV, "audio/wav"),
        (MP3, "audio/mpeg"),
        (b"%PDF-1.4\n" + b"\0" * 20, "application/pdf"),
    ],
)
def test_type_detection_from_content(content, expected, tmp_path):
    assert llm.Attachment(content=content).resolve_type() == expected
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    assert llm.Attachment(path=path).resolve_type() == expected


def test_explicit_type_wins():
    assert llm.Attachment(content=PNG, type="image/webp").resolve_type() == "image/webp"


def test_undetectable_type_is_clear_error():
    with pytest.raises(llm.AttachmentError, match="Could not determine the type"):
        llm.Attachment(content=b"\x01\x02\x03").resolve_type()


def test_missing_file_is_clear_error(tmp_path):
    with pytest.raises(llm.AttachmentError, match="Could not read"):
        llm.Attachment(path=tmp_path / "nope.png").resolve_type()


def test_content_bytes_base64_and_id(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(PNG)
    attachment = llm.Attachment(path=str(path))
    assert attachment.content_bytes() == PNG
    assert attachment.base64_content() == base64.b64encode(PNG).decode()
    assert attachment.id() == hashlib.sha256(PNG).hexdigest()
    url_attachment = llm.Attachment(url="https://example.com/a.png")
    assert (
        url_attachment.id()
        == hashlib.sha256(
            json.dumps({"url": "https://example.com/a.png"}).encode()
        ).hexdigest()
    )


@pytest.fixture
def png_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def do_GET(self):
            if self.path == "/missing":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_attachment_fetch(png_server):
    attachment = llm.Attachment(url=png_server + "/a.png")
    assert attachment.resolve_type() == "image/png"
    assert attachment.content_bytes() == PNG
    with pytest.raises(llm.AttachmentError, match="404"):
        llm.Attachment(url=png_server + "/missing").content_bytes()


def test_unreachable_url_is_clear_error():
    with pytest.raises(llm.AttachmentError, match="Could not fetch"):
        llm.Attachment(url="http://127.0.0.1:9/x.png").content_bytes()


@pytest.mark.parametrize(
    "dsl,expected",
    [
        ("name", {"name": {"type": "string"}}),
        (
            "name, age int, score float, ok bool",
            {
                "name": {"type": "string"},
                "age": {"type": "integer"},
                "score": {"type": "number"},
                "ok": {"type": "boolean"},
            },
        ),
        (
            "name: the name, age int: their age",
            {
                "name": {"type": "string", "description": "the name"},
                "age": {"type": "integer", "description": "their age"},
            },
        ),
        (
            "name: the person's name\nbio: a bio, short",
            {
                "name": {"type": "string", "description": "the person's name"},
                "bio": {"type": "string", "description": "a bio, short"},
            },
        ),
    ],
)
def test_schema_dsl(dsl, expected):
    schema = llm.schema_dsl(dsl)
    assert schema == {
        "type": "object",
        "properties": expected,
        "required": list(expected),
    }


def test_schema_dsl_multi():
    schema = llm.schema_dsl("name, age int", multi=True)
    assert schema["properties"]["items"]["type"] == "array"
    assert schema["properties"]["items"]["items"]["properties"]["age"] == {
        "type": "integer"
    }
    assert schema_summary(schema) == "[{name, age}]"


@pytest.mark.parametrize("bad", ["", "name, age integerish", "name str extra", "1name"])
def test_schema_dsl_errors(bad):
    with pytest.raises(llm.SchemaError):
        llm.schema_dsl(bad)


def test_schema_id_is_stable():
    a = make_schema_id({"type": "object", "properties": {"a": {"type": "string"}}})
    b = make_schema_id({"type": "object", "properties": {"a": {"type": "string"}}})
    assert a == b and len(a[0]) == 32


def test_fragment_is_a_string_with_source_and_id():
    fragment = llm.Fragment("content", "file.txt")
    assert fragment == "content"
    assert fragment.source == "file.txt"
    assert fragment.id() == hashlib.sha256(b"content").hexdigest()
    import copy
    import pickle

    assert pickle.loads(pickle.dumps(fragment)).source == "file.txt"
    assert copy.deepcopy(fragment).source == "file.txt"


# An ID3v2.3 tag followed by an MPEG audio frame header: an ordinary MP3 file.
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\0" * 64


def test_id3_tagged_file_is_mp3_whatever_puremagic_ranks_first(tmp_path):
    # puremagic 2 (what Python 3.12+ installs) ranks a rare MP3 variant first.
    assert mimetype_from_bytes(MP3) == "audio/mpeg"
    path = tmp_path / "song.bin"
    path.write_bytes(MP3)
    assert mimetype_from_path(path) == "audio/mpeg"
