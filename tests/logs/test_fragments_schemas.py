"""Fragment resolution and storage, and stored schemas (``llm.logs.fragments`` / ``llm.logs.schemas``)."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading

import pytest

import llm
from llm.errors import FragmentNotFound, SchemaError
from llm.logs.fragments import (
    get_fragment,
    list_fragments,
    remove_fragment_alias,
    resolve_fragment,
    set_fragment_alias,
    store_fragment,
)
from llm.logs.schemas import (
    get_schema,
    list_schemas,
    schema_from_reference,
    store_schema,
)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server naming
        self.server.user_agents.append(self.headers.get("User-Agent"))
        if self.path == "/robots.txt":
            body = "User-agent: *\nDisallow: /caf\u00e9\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.user_agents = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_resolve_url_fragment(logs_db, server):
    url = f"http://127.0.0.1:{server.server_address[1]}/robots.txt"
    [fragment] = resolve_fragment(logs_db, url)
    assert str(fragment) == "User-agent: *\nDisallow: /caf\u00e9\n"
    assert fragment.source == url
    assert server.user_agents[0].startswith("llm/")
    with pytest.raises(FragmentNotFound, match="404"):
        resolve_fragment(logs_db, url.replace("robots", "missing"))


def test_resolve_file_alias_and_hash(logs_db, tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("# Docs\nhello")
    [fragment] = resolve_fragment(logs_db, str(path))
    assert str(fragment) == "# Docs\nhello"
    assert fragment.source == str(path.resolve())
    digest = set_fragment_alias(logs_db, "docs", str(path))
    assert digest == hashlib.sha256(b"# Docs\nhello").hexdigest()
    path.unlink()  # the stored copy is used from now on
    assert str(resolve_fragment(logs_db, "docs")[0]) == "# Docs\nhello"
    assert str(resolve_fragment(logs_db, digest)[0]) == "# Docs\nhello"
    assert get_fragment(logs_db, "docs")["aliases"] == ["docs"]
    assert remove_fragment_alias(logs_db, "docs") is True
    assert remove_fragment_alias(logs_db, "docs") is False
    assert get_fragment(logs_db, "docs") is None
    assert get_fragment(logs_db, digest)["content"] == "# Docs\nhello"


def test_resolve_errors(logs_db, tmp_path):
    with pytest.raises(FragmentNotFound, match="'nothing-here' not found"):
        resolve_fragment(logs_db, "nothing-here")
    with pytest.raises(
        FragmentNotFound, match="no fragment loader has the prefix 'gh'"
    ):
        resolve_fragment(logs_db, "gh:simonw/llm")
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(FragmentNotFound, match="not UTF-8"):
        resolve_fragment(logs_db, str(binary))
    with pytest.raises(FragmentNotFound, match="directory"):
        resolve_fragment(logs_db, str(tmp_path))
    with pytest.raises(ValueError, match="Invalid alias"):
        set_fragment_alias(logs_db, "bad alias!", str(binary))


def test_loader_prefixes(logs_db):
    class Loaders:
        @llm.hookimpl
        def register_fragment_loaders(self, register):
            register(
                "echo",
                lambda argument: llm.Fragment(
                    f"echo of {argument}", f"echo:{argument}"
                ),
            )
            register(
                "many",
                lambda argument: [
                    argument,
                    argument + "!",
                    llm.Attachment(content=b"x", type="text/plain"),
                ],
            )
            register("broken", self.broken)

        def broken(self, argument):
            raise RuntimeError("service down")

    from llm.plugins import pm

    plugin = Loaders()
    pm.register(plugin, name="test-loaders")
    try:
        [fragment] = resolve_fragment(logs_db, "echo:hi")
        assert str(fragment) == "echo of hi" and fragment.source == "echo:hi"
        first, second, attachment = resolve_fragment(logs_db, "many:abc")
        assert (str(first), str(second)) == ("abc", "abc!")
        assert first.source == "many:abc"
        assert isinstance(attachment, llm.Attachment)
        with pytest.raises(FragmentNotFound, match="broken:x: service down"):
            resolve_fragment(logs_db, "broken:x")
        with pytest.raises(ValueError, match="exactly one"):
            set_fragment_alias(logs_db, "m", "many:abc")
        assert (
            set_fragment_alias(logs_db, "e", "echo:hi")
            == llm.Fragment("echo of hi").id()
        )
    finally:
        pm.unregister(plugin)


def test_store_and_list_fragments(logs_db):
    first = store_fragment(logs_db, llm.Fragment("alpha content", "a.txt"))
    assert store_fragment(logs_db, "alpha content") == first
    store_fragment(logs_db, "beta content", source="b.txt")
    assert [f["content"] for f in list_fragments(logs_db)] == [
        "alpha content",
        "beta content",
    ]
    assert [f["source"] for f in list_fragments(logs_db, ["beta"])] == ["b.txt"]
    assert list_fragments(logs_db, ["alpha", "beta"]) == []
    set_fragment_alias(logs_db, "b", hashlib.sha256(b"beta content").hexdigest())
    [aliased] = list_fragments(logs_db, aliases_only=True)
    assert aliased["aliases"] == ["b"]
    assert set(aliased) >= {"hash", "aliases", "datetime_utc", "source", "content"}


def test_schemas_store_get_list(logs_db, mock_model):
    schema = llm.schema_dsl("name, age int")
    schema_id = store_schema(logs_db, schema)
    assert store_schema(logs_db, schema) == schema_id
    assert get_schema(logs_db, schema_id) == schema
    assert get_schema(logs_db, "f" * 32) is None
    for _ in range(2):
        mock_model.enqueue('{"name": "a", "age": 1}')
        response = mock_model.prompt("x", schema=schema)
        response.text()
        response.log_to_db(logs_db)
    other = store_schema(logs_db, llm.schema_dsl("title"))
    listed = list_schemas(logs_db)
    assert [s["id"] for s in listed] == [schema_id, other]
    assert listed[0]["summary"] == "{name, age}"
    assert listed[0]["usage_count"] == 2
    assert listed[0]["last_used"].endswith("+00:00")
    assert listed[1]["usage_count"] == 0
    assert [s["id"] for s in list_schemas(logs_db, ["title"])] == [other]


def test_schema_from_reference(logs_db, tmp_path):
    dsl = llm.schema_dsl("name, bio")
    assert schema_from_reference(logs_db, "name, bio") == dsl
    assert schema_from_reference(logs_db, json.dumps(dsl)) == dsl
    path = tmp_path / "s.json"
    path.write_text(json.dumps(dsl))
    assert schema_from_reference(logs_db, str(path)) == dsl
    stored = store_schema(logs_db, dsl)
    assert schema_from_reference(logs_db, stored) == dsl
    assert (
        schema_from_reference(logs_db, stored, multi=True)["properties"]["items"][
            "items"
        ]
        == dsl
    )
    with pytest.raises(SchemaError, match="No stored schema with ID a{32}$"):
        schema_from_reference(logs_db, "a" * 32)
    # One word is an ID, looked up before the concise syntax is tried.
    with pytest.raises(SchemaError, match="No stored schema with ID name "):
        schema_from_reference(logs_db, "name")
    assert schema_from_reference(logs_db, "name,") == llm.schema_dsl("name")
    with pytest.raises(SchemaError, match="not valid JSON"):
        schema_from_reference(logs_db, "{broken")


def test_template_schemas_come_from_the_given_lookup(logs_db):
    dsl = llm.schema_dsl("name")
    looked_up = []

    def templates(name):
        looked_up.append(name)
        return dsl

    assert schema_from_reference(logs_db, "t:dog", templates=templates) == dsl
    assert looked_up == ["dog"]
    with pytest.raises(SchemaError, match="need a template lookup"):
        schema_from_reference(logs_db, "t:dog")
