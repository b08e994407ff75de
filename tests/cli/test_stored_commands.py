"""``llm tools``, ``llm schemas``, ``llm fragments`` and ``llm plugins``."""

from __future__ import annotations

import json

import pytest
import yaml

import llm
from llm.plugins import pm


class Files(llm.Toolbox):
    """Work with files in a directory."""

    def __init__(self, root: str = "."):
        self.root = root

    def read(self, name: str) -> str:
        "Read a file"
        return name


class Dynamic(llm.Toolbox):
    """Tools discovered at run time.

    Usage: Dynamic("prefix")
    """

    def __init__(self, prefix: str):
        self.prefix = prefix

    def prepare(self):
        def found(x: int) -> int:
            "A discovered tool"
            return x

        self.add_tool(found)


class Plugin:
    @llm.hookimpl
    def register_tools(self, register):
        register(Files)
        register(Dynamic)


@pytest.fixture
def toolboxes():
    pm.register(Plugin(), name="toolbox-plugin")
    try:
        yield
    finally:
        pm.unregister(name="toolbox-plugin")


# --- tools ---------------------------------------------------------------------


def test_tools_list(invoke, toolboxes):
    output = invoke(["tools"]).stdout
    assert output == invoke(["tools", "list"]).stdout
    assert "llm_version() -> str (plugin: llm.default_plugins.default_tools)" in output
    assert "  Return the installed version of llm" in output
    assert "\nFiles:\n" in output
    assert "  Files_read(name: str) -> str\n" in output
    assert "\nDynamic(prefix: str)\n" in output
    assert 'Usage: Dynamic("prefix")' in output


def test_tools_list_json(invoke, toolboxes):
    data = json.loads(invoke(["tools", "--json"]).stdout)
    names = [tool["name"] for tool in data["tools"]]
    assert "llm_version" in names and "llm_time" in names
    files = next(t for t in data["toolboxes"] if t["name"] == "Files")
    assert [t["name"] for t in files["tools"]] == ["Files_read"]
    assert "server_side_tools" not in data


def test_tools_list_configured_instances(invoke, toolboxes):
    output = invoke(["tools", 'Dynamic("p")']).stdout
    assert output.startswith('Dynamic("p"):\n')
    assert "Dynamic_found(x: int) -> int" in output
    data = json.loads(invoke(["tools", 'Files("/tmp")', "--json"]).stdout)
    assert data["instances"][0]["tools"][0]["name"] == "Files_read"


def test_tools_list_functions(invoke):
    code = "def triple(n: int) -> int:\n    'Times three'\n    return n * 3\n"
    output = invoke(["tools", "--functions", code]).stdout
    assert "triple(n: int) -> int\n\n  Times three" in output


def test_tools_server_side(invoke):
    data = json.loads(invoke(["tools", "--json", "-m", "echo"]).stdout)
    assert [t["name"] for t in data["server_side_tools"]] == [
        "EchoSearch",
        "ServerSideTool",
    ]
    assert data["server_side_tools"][0]["signature"] == "(depth: int = 1)"
    assert (
        json.loads(invoke(["tools", "--json", "-m", "mock"]).stdout)[
            "server_side_tools"
        ]
        == []
    )
    result = invoke(["tools", "-m", "nope"])
    assert result.exit_code == 1
    assert "Unknown model: nope" in result.stderr


# --- schemas -------------------------------------------------------------------


def test_schemas_dsl(invoke):
    result = invoke(["schemas", "dsl", "name, age int"])
    assert json.loads(result.stdout) == llm.schema_dsl("name, age int")
    result = invoke(["schemas", "dsl", "name", "--multi"])
    assert json.loads(result.stdout) == llm.schema_dsl("name", multi=True)
    result = invoke(["schemas", "dsl", "name wrongtype"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Invalid type")


def test_schemas_list_and_show(invoke, tmp_path):
    from llm.logs import open_logs_db

    invoke(["-m", "echo", "a", "--schema", "name, age int"])
    invoke(["-m", "echo", "b", "--schema", "name, age int"])
    invoke(["-m", "echo", "c", "--schema-multi", "title,"])
    listed = yaml.safe_load(invoke(["schemas"]).stdout)
    summaries = {item["summary"].strip(): item for item in listed}
    assert set(summaries) == {"{name, age}", "[{title}]"}
    assert summaries["{name, age}"]["usage"].startswith("2 times, most recently")
    schema_id = summaries["{name, age}"]["id"]
    assert json.loads(invoke(["schemas", "show", schema_id]).stdout) == llm.schema_dsl(
        "name, age int"
    )
    full = yaml.safe_load(invoke(["schemas", "list", "--full"]).stdout)
    assert all("schema" in item for item in full)
    records = json.loads(invoke(["schemas", "--json"]).stdout)
    assert {r["id"] for r in records} == {item["id"] for item in listed}
    # The original's fields: id, content, recently_used, times_used.
    (record,) = [r for r in records if r["id"] == schema_id]
    assert list(record) == ["id", "content", "recently_used", "times_used"]
    assert record["content"] == llm.schema_dsl("name, age int")
    assert record["times_used"] == 2
    assert summaries["{name, age}"]["usage"] == (
        f"2 times, most recently {record['recently_used']}\n"
    )
    lines = invoke(["schemas", "--nl"]).stdout.splitlines()
    assert [json.loads(line) for line in lines] == records
    queried = yaml.safe_load(invoke(["schemas", "-q", "title"]).stdout)
    assert [item["summary"].strip() for item in queried] == ["[{title}]"]
    other = tmp_path / "other.db"
    open_logs_db(other).close()
    assert invoke(["schemas", "-d", str(other)]).output == ""
    assert invoke(["schemas", "-d", str(other), "--json"]).output == "[]\n"
    # Reading never creates a database: a -d path that does not exist is named.
    missing = invoke(["schemas", "-d", str(tmp_path / "missing.db")])
    assert missing.exit_code == 1
    assert "No database found at" in missing.stderr
    assert not (tmp_path / "missing.db").exists()


def test_schemas_show_missing(invoke):
    result = invoke(["schemas", "show", "0" * 32])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No stored schema")


# --- fragments -----------------------------------------------------------------


def test_fragments_set_show_list_remove(invoke, tmp_path):
    doc = tmp_path / "docs.md"
    doc.write_text("# Docs\n\nSome documentation text")
    assert invoke(["fragments", "set", "docs", str(doc)]).exit_code == 0
    assert invoke(["fragments", "show", "docs"]).stdout == doc.read_text() + "\n"
    listed = yaml.safe_load(invoke(["fragments"]).stdout)
    assert listed[0]["aliases"] == ["docs"]
    assert listed[0]["source"] == str(doc.resolve())
    digest = listed[0]["hash"]
    assert invoke(["fragments", "show", digest]).stdout == doc.read_text() + "\n"
    data = json.loads(invoke(["fragments", "list", "--json"]).stdout)
    assert data[0]["hash"] == digest and data[0]["content"] == doc.read_text()
    assert invoke(["fragments", "--aliases"]).stdout.count("hash:") == 1
    assert yaml.safe_load(invoke(["fragments", "-q", "documentation"]).stdout)
    nothing = invoke(["fragments", "-q", "absent-word"])
    assert (nothing.exit_code, nothing.output) == (0, "")
    assert invoke(["fragments", "-q", "absent-word", "--json"]).output == "[]\n"
    assert invoke(["fragments", "remove", "docs"]).exit_code == 0
    assert invoke(["fragments", "--aliases"]).output == ""
    # The fragment itself stays.
    assert invoke(["fragments", "show", digest]).exit_code == 0


def test_fragments_listed_by_date(invoke, logs_path):
    import sqlite3

    for name in ("newer", "older"):
        invoke(["fragments", "set", name, "-"], input=f"{name} text")
    conn = sqlite3.connect(logs_path)
    with conn:
        conn.execute(
            "update fragments set datetime_utc = '2024-01-01 00:00:00' "
            "where content = 'older text'"
        )
    conn.close()
    listed = yaml.safe_load(invoke(["fragments"]).stdout)
    assert [item["aliases"] for item in listed] == [["older"], ["newer"]]
    data = json.loads(invoke(["fragments", "--json"]).stdout)
    assert [item["content"] for item in data] == ["older text", "newer text"]


def test_fragments_set_from_stdin(invoke):
    assert invoke(["fragments", "set", "piped", "-"], input="from stdin").exit_code == 0
    assert invoke(["fragments", "show", "piped"]).stdout == "from stdin\n"


def test_fragments_errors(invoke):
    result = invoke(["fragments", "show", "nothing"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Fragment 'nothing' not found\n"
    result = invoke(["fragments", "remove", "nothing"])
    assert result.exit_code == 1
    result = invoke(["fragments", "set", "x", "/no/such/file.txt"])
    assert result.exit_code == 1
    assert "not found" in result.stderr


def test_fragments_loaders_none(invoke):
    result = invoke(["fragments", "loaders"])
    assert result.exit_code == 0


# --- plugins -------------------------------------------------------------------


def test_plugins(invoke):
    plugins = json.loads(invoke(["plugins"]).stdout)
    names = [p["name"] for p in plugins]
    assert "llm_test_plugin" in names or "llm-test-plugin" in names
    assert not any(name.startswith("llm.default_plugins") for name in names)
    everything = json.loads(invoke(["plugins", "--all"]).stdout)
    assert len(everything) > len(plugins)
    assert any("default_tools" in p["name"] for p in everything)
    hooked = json.loads(invoke(["plugins", "--all", "--hook", "register_tools"]).stdout)
    assert hooked and all("register_tools" in p["hooks"] for p in hooked)
    assert json.loads(invoke(["plugins", "--hook", "no_such_hook"]).stdout) == []
