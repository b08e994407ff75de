"""``llm embed-multi``: CSV/TSV/JSON/NL input, --sql, --files, options and errors."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from llm_test_plugin import DemoEmbeddingModel

import llm

from .conftest import FlakyModel, assert_error, rows


def stored(path, collection="items"):
    return rows(
        path,
        "SELECT embeddings.id, content FROM embeddings "
        "JOIN collections ON collections.id = collection_id "
        "WHERE collections.name = ? ORDER BY embeddings.id",
        [collection],
    )


def demo_blob(value):
    return llm.encode(llm.get_embedding_model("demo").embed(value))


CSV = "id,title,body\none,First,The first item\ntwo,Second,The second item\n"


def test_csv_file(run, tmp_path, db_path):
    path = tmp_path / "data.csv"
    path.write_text(CSV)
    result = run("embed-multi", "items", str(path), "-m", "demo", "--store")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert stored(db_path) == [
        ("one", "First The first item"),
        ("two", "Second The second item"),
    ]
    assert rows(db_path, "SELECT embedding FROM embeddings WHERE id = 'one'") == [
        (demo_blob("First The first item"),)
    ]


@pytest.mark.parametrize(
    "data,args",
    [
        ("id\tcontent\none\tfirst\ntwo\tsecond\n", []),
        ('[{"id": "one", "content": "first"}, {"id": "two", "content": "second"}]', []),
        ('{"id": "one", "content": "first"}\n{"id": "two", "content": "second"}\n', []),
        (
            '{"id": "one", "content": "first"}\n{"id": "two", "content": "second"}\n',
            ["--format", "nl"],
        ),
        ("id,content\none,first\ntwo,second\n", ["--format", "csv"]),
    ],
)
def test_formats_from_stdin(run, db_path, data, args):
    result = run(
        "embed-multi", "items", "-", "-m", "demo", "--store", *args, input=data
    )
    assert result.exit_code == 0, result.output
    assert stored(db_path) == [("one", "first"), ("two", "second")]


def test_prefix_and_prepend(run, db_path):
    result = run(
        "embed-multi",
        "items",
        "-",
        "-m",
        "demo",
        "--prefix",
        "docs/",
        "--prepend",
        "search_document: ",
        "--store",
        input="id,content\none,hello\n",
    )
    assert result.exit_code == 0
    assert stored(db_path) == [("docs/one", "search_document: hello")]
    assert rows(db_path, "SELECT embedding FROM embeddings") == [
        (demo_blob("search_document: hello"),)
    ]


def test_batch_size(run, tmp_path):
    data = "id,content\n" + "".join(f"{i},text {i}\n" for i in range(25))
    path = tmp_path / "data.csv"
    path.write_text(data)
    assert run("embed-multi", "items", str(path), "-m", "demo").exit_code == 0
    assert DemoEmbeddingModel.batches == [10, 10, 5]
    DemoEmbeddingModel.batches.clear()
    path.write_text(data.replace("text", "changed"))
    assert run("embed-multi", "items", str(path), "--batch-size", "7").exit_code == 0
    assert DemoEmbeddingModel.batches == [7, 7, 7, 4]


def test_rerun_embeds_only_changed_rows(run, tmp_path, db_path):
    path = tmp_path / "data.csv"
    path.write_text(CSV)
    run("embed-multi", "items", str(path), "-m", "demo")
    DemoEmbeddingModel.batches.clear()
    assert run("embed-multi", "items", str(path)).exit_code == 0
    assert DemoEmbeddingModel.batches == []
    path.write_text(CSV + "three,Third,New\n")
    assert run("embed-multi", "items", str(path)).exit_code == 0
    assert DemoEmbeddingModel.batches == [1]
    assert [row[0] for row in stored(db_path)] == ["one", "three", "two"]


def test_sql_from_the_same_database(run, tmp_path):
    docs = tmp_path / "docs.db"
    conn = sqlite3.connect(str(docs))
    conn.execute("CREATE TABLE documents (id INTEGER, title TEXT, content TEXT)")
    conn.executemany(
        "INSERT INTO documents VALUES (?, ?, ?)",
        [(1, "One", "first doc"), (2, "Two", None), (3, "Three", "third doc")],
    )
    conn.commit()
    conn.close()
    result = run(
        "embed-multi",
        "docs",
        "-d",
        str(docs),
        "--sql",
        "select id, title, content from documents",
        "-m",
        "demo",
        "--store",
    )
    assert result.exit_code == 0, result.output
    assert stored(docs, "docs") == [
        ("1", "One first doc"),
        ("2", "Two "),
        ("3", "Three third doc"),
    ]
    # The source table is untouched.
    assert rows(docs, "SELECT count(*) FROM documents") == [(3,)]


def test_sql_with_attached_database_and_binary(run, tmp_path, db_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(str(other))
    conn.execute("CREATE TABLE photos (id TEXT, data BLOB)")
    conn.execute("INSERT INTO photos VALUES ('p1', ?)", [b"\x00\x01binary"])
    conn.commit()
    conn.close()
    result = run(
        "embed-multi",
        "photos",
        "--attach",
        "other",
        str(other),
        "--sql",
        "select id, data from other.photos",
        "--binary",
        "-m",
        "demo",
        "--store",
    )
    assert result.exit_code == 0, result.output
    assert rows(
        db_path, "SELECT id, content, content_blob, embedding FROM embeddings"
    ) == [("p1", None, b"\x00\x01binary", demo_blob(b"\x00\x01binary"))]


@pytest.fixture
def docs_dir(tmp_path):
    root = tmp_path / "docs"
    (root / "embeddings").mkdir(parents=True)
    (root / "index.md").write_text("# Index")
    (root / "embeddings" / "cli.md").write_text("# CLI")
    (root / "latin.md").write_bytes("caf\u00e9".encode("latin-1"))
    (root / "notes.txt").write_text("not markdown")
    return root


def test_files(run, docs_dir, db_path):
    result = run(
        "embed-multi",
        "documentation",
        "--files",
        str(docs_dir),
        "**/*.md",
        "-m",
        "demo",
        "--store",
    )
    assert result.exit_code == 0, result.output
    assert stored(db_path, "documentation") == [
        ("embeddings/cli.md", "# CLI"),
        ("index.md", "# Index"),
        ("latin.md", "caf\u00e9"),  # utf-8 failed, latin-1 fallback worked
    ]


def test_files_prefix_and_several_directories(run, docs_dir, tmp_path, db_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("A")
    result = run(
        "embed-multi",
        "documentation",
        "--files",
        str(docs_dir),
        "*.md",
        "--files",
        str(other),
        "*.txt",
        "--prefix",
        "llm-docs/",
        "-m",
        "demo",
    )
    assert result.exit_code == 0
    assert [row[0] for row in stored(db_path, "documentation")] == [
        "llm-docs/a.txt",
        "llm-docs/index.md",
        "llm-docs/latin.md",
    ]


def test_files_unreadable_with_given_encodings_are_reported_and_skipped(
    run, docs_dir, db_path
):
    result = run(
        "embed-multi",
        "documentation",
        "--files",
        str(docs_dir),
        "*.md",
        "--encoding",
        "utf-8",
        "-m",
        "demo",
    )
    assert result.exit_code == 0
    assert "Could not decode" in result.stderr and "latin.md" in result.stderr
    assert [row[0] for row in stored(db_path, "documentation")] == ["index.md"]


def test_files_with_other_encodings(run, tmp_path, db_path):
    root = tmp_path / "texts"
    root.mkdir()
    (root / "u16.txt").write_bytes("hello".encode("utf-16"))
    result = run(
        "embed-multi",
        "texts",
        "--files",
        str(root),
        "*.txt",
        "--encoding",
        "utf-16",
        "--encoding",
        "latin-1",
        "-m",
        "demo",
        "--store",
    )
    assert result.exit_code == 0
    assert stored(db_path, "texts") == [("u16.txt", "hello")]


def test_files_binary(run, tmp_path, db_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(b"\xff\xd8\xffA")
    (photos / "b.jpg").write_bytes(b"\xff\xd8\xffB")
    result = run(
        "embed-multi",
        "photos",
        "--files",
        str(photos),
        "*.jpg",
        "--binary",
        "-m",
        "demo",
    )
    assert result.exit_code == 0
    assert rows(db_path, "SELECT id, embedding FROM embeddings ORDER BY id") == [
        ("a.jpg", demo_blob(b"\xff\xd8\xffA")),
        ("b.jpg", demo_blob(b"\xff\xd8\xffB")),
    ]


def collections_in(path):
    if not path.exists():
        return []
    return rows(path, "SELECT name FROM collections")


@pytest.mark.parametrize(
    "data,message",
    [
        ("", "The input is empty"),
        ("id,content\n", "no rows to embed"),
        ('id,content\none,"unterminated\n', "Invalid CSV on line"),
        ('[{"id": "a", "c": "x"},\n  {"id": }]', "Invalid JSON on line 2"),
        ('{"id": "a", "c": "x"}\nnot json\n', "Invalid JSON on line 2"),
        ("id,content\na,b\nc\n", "CSV line 3"),
    ],
)
def test_bad_input_stores_nothing(run, db_path, data, message):
    result = run("embed-multi", "items", "-", "-m", "demo", input=data)
    assert_error(result, message)
    assert collections_in(db_path) == []
    assert DemoEmbeddingModel.batches == []


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "Give exactly one source"),
        (["-", "--sql", "select 1, 2"], "Give exactly one source"),
        (
            ["--attach", "x", "{db}", "--files", "{dir}", "*"],
            "--attach can only be used with --sql",
        ),
        (["-", "--binary"], "--binary works with --files or --sql"),
        (
            ["--files", "{dir}", "*", "--binary", "--prepend", "x"],
            "--prepend cannot be used",
        ),
        (
            ["--sql", "select id from nowhere"],
            "SQL query failed: no such table: nowhere",
        ),
        (["--sql", "select 1"], "at least two columns"),
        (["--files", "{dir}", "*.nothing"], "match *.nothing"),
        (
            ["--files", "{dir}", "*", "--encoding", "klingon"],
            "Unknown encoding: klingon",
        ),
        (["--sql", "select 1, 2", "--attach", "main", "{db}"], "Could not attach"),
    ],
)
def test_source_errors(run, tmp_path, args, message):
    other = tmp_path / "other.db"
    sqlite3.connect(str(other)).close()
    args = [arg.format(db=other, dir=tmp_path) for arg in args]
    result = run("embed-multi", "items", *args, "-m", "demo", input="id,c\na,b\n")
    assert_error(result, message)


def test_batch_size_must_be_positive(run):
    result = run(
        "embed-multi", "items", "-", "--batch-size", "0", "-m", "demo", input=CSV
    )
    assert result.exit_code == 2
    assert "must be at least 1" in result.stderr


def test_model_errors(run, db_path):
    data = "id,content\na,1 0\n"
    assert_error(
        run("embed-multi", "items", "-", input=data),
        "You need to specify an embedding model",
    )
    assert_error(
        run("embed-multi", "items", "-", "-m", "nope", input=data),
        "Unknown model: nope",
    )
    assert run("embed-multi", "items", "-", "-m", "vectors", input=data).exit_code == 0
    assert_error(
        run("embed-multi", "items", "-", "-m", "demo", input=data),
        "uses the embedding model 'vectors', not 'demo'",
    )
    conn = sqlite3.connect(str(db_path))
    conn.execute("UPDATE collections SET model = 'removed-plugin-model'")
    conn.commit()
    conn.close()
    assert_error(
        run("embed-multi", "items", "-", input=data),
        "'removed-plugin-model', which is not installed",
    )


def test_model_failure_keeps_finished_batches(run, db_path):
    data = "id,content\na,1 0\nb,0 1\nc,1 1\nd,FAIL\ne,2 2\n"
    result = run("embed-multi", "items", "-", "-m", "flaky", input=data)
    assert_error(result, "The flaky model failed on this batch")
    assert [len(batch) for batch in FlakyModel.batches] == [2, 2]
    assert [row[0] for row in stored(db_path)] == ["a", "b"]


def test_no_progress_bar_when_stderr_is_not_a_terminal(run):
    result = run("embed-multi", "items", "-", "-m", "demo", input=CSV)
    assert result.exit_code == 0
    assert result.stderr == ""


SCRIPT = """
import sys
import click
import llm
from llm.embeddings.plugin import register_commands


class Busy(llm.EmbeddingModel):
    # Rate limited once, on its second batch.
    model_id = "busy"
    calls = 0

    def embed_batch(self, items):
        type(self).calls += 1
        if type(self).calls == 2:
            raise llm.TransientError("slow down", status_code=429, retry_after=0)
        return [[1.0, float(len(item))] for item in items]


class Plugin:
    @llm.hookimpl
    def register_embedding_models(self, register):
        register(Busy())


llm.pm.register(Plugin())
group = click.Group()
register_commands(group)
group(sys.argv[1:])
"""


def embed_multi_on_a_terminal(env, *args: str) -> tuple[int, bytes, str]:
    """Run ``embed-multi`` with a terminal as stderr: (status, stdout, terminal)."""
    import pty

    leader, follower = pty.openpty()
    try:
        completed = subprocess.run(
            [sys.executable, "-c", SCRIPT, "embed-multi", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=60,
        )
        os.close(follower)
        follower = None
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO once the terminal has no writer
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    return completed.returncode, completed.stdout, b"".join(chunks).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal(tmp_path, subprocess_env, user_path):
    data = tmp_path / "data.csv"
    data.write_text("id,content\n" + "".join(f"{i},text {i}\n" for i in range(30)))
    status, stdout, terminal = embed_multi_on_a_terminal(
        subprocess_env, "items", str(data), "-m", "demo"
    )
    assert status == 0
    assert stdout == b""
    assert "Embedding" in terminal and "100%" in terminal
    assert stored(user_path / "embeddings.db") != []


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_retry_notice_gets_its_own_line_above_the_progress_bar(
    tmp_path, subprocess_env, user_path
):
    pyte = pytest.importorskip("pyte")
    data = tmp_path / "data.csv"
    data.write_text("id,content\n" + "".join(f"{i},text {i}\n" for i in range(30)))
    status, _, terminal = embed_multi_on_a_terminal(
        subprocess_env, "items", str(data), "-m", "busy", "--batch-size", "10"
    )
    assert status == 0, terminal
    screen = pyte.Screen(80, 10)
    pyte.Stream(screen).feed(terminal.replace("\n", "\r\n"))
    lines = [line.rstrip() for line in screen.display if line.strip()]
    assert lines[0] == "rate limited by busy, retrying in 0.0 s (1/3)"
    assert lines[1:] == ["Embedding  [####################################]  100%"]
    assert len(stored(user_path / "embeddings.db")) == 30


def test_help_matches_the_documented_options(run):
    result = run("embed-multi", "--help")
    assert "Usage: root embed-multi [OPTIONS] COLLECTION [INPUT_PATH]" in result.output
    for option in (
        "--format [json|csv|tsv|nl]",
        "--files <DIRECTORY TEXT>...",
        "--encoding TEXT",
        "--binary",
        "--sql TEXT",
        "--attach <TEXT FILE>...",
        "--batch-size INTEGER         Batch size to use when running embeddings\n",
        "--prefix TEXT",
        "-m, --model TEXT",
        "--prepend TEXT",
        "--store",
        "-d, --database PATH_OR_URL",
    ):
        assert option in result.output, option


def test_bad_sources_leave_no_empty_collection(run, tmp_path, db_path):
    assert_error(
        run("embed-multi", "items", "--files", str(tmp_path), "*.none", "-m", "demo"),
        "match *.none",
    )
    assert_error(
        run(
            "embed-multi", "items", "--sql", "select nothing from nowhere", "-m", "demo"
        ),
        "SQL query failed",
    )
    assert collections_in(db_path) == []


def test_sql_returning_no_rows_is_not_an_error(run, db_path):
    result = run("embed-multi", "items", "--sql", "select 1, 2 where 0", "-m", "demo")
    assert result.exit_code == 0
    assert rows(db_path, "SELECT count(*) FROM embeddings") == [(0,)]


def make_table(path, rows_):
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE t (id, data)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", rows_)
    conn.commit()
    conn.close()


def embed_table(run, path, *extra):
    return run(
        "embed-multi",
        "c",
        "-d",
        str(path),
        "--sql",
        "select id, data from t",
        "-m",
        "demo",
        *extra,
    )


@pytest.mark.parametrize("missing", [None, ""])
@pytest.mark.parametrize("binary", [False, True])
def test_sql_row_without_an_id_is_an_error(run, tmp_path, missing, binary):
    path = tmp_path / "x.db"
    make_table(path, [("a", "one"), (missing, "two"), ("c", "three")])
    result = embed_table(run, path, *(["--binary"] if binary else []))
    assert_error(result, "SQL row 2: the ID is empty")
    assert collections_in(path) == []
    assert rows(path, "SELECT count(*) FROM embeddings") == [(0,)]


def test_sql_blob_without_binary_is_an_error(run, tmp_path):
    path = tmp_path / "x.db"
    make_table(path, [("a", "text"), ("b", b"\xff\xd8\xff\x00photo")])
    result = embed_table(run, path, "--store")
    assert_error(result, "SQL row 2", "column 'data'", "binary", "--binary")
    assert collections_in(path) == []
    assert rows(path, "SELECT count(*) FROM embeddings") == [(0,)]
    # With --binary the same rows embed as bytes.
    result = embed_table(run, path, "--store", "--binary")
    assert result.exit_code == 0, result.output
    assert rows(path, "SELECT id, content_blob, embedding FROM embeddings") == [
        ("a", b"text", demo_blob(b"text")),
        ("b", b"\xff\xd8\xff\x00photo", demo_blob(b"\xff\xd8\xff\x00photo")),
    ]


def test_sql_utf8_blob_is_embedded_as_its_text(run, tmp_path):
    path = tmp_path / "x.db"
    make_table(path, [("a", "caf\u00e9".encode())])
    result = embed_table(run, path, "--store")
    assert result.exit_code == 0, result.output
    assert rows(
        path, "SELECT id, content, content_blob, embedding FROM embeddings"
    ) == [("a", "caf\u00e9", None, demo_blob("caf\u00e9"))]


def test_files_that_all_fail_leave_no_collection(run, tmp_path, db_path):
    root = tmp_path / "procs"
    root.mkdir()
    (root / "one.txt").write_bytes(b"\xff\xfe\x00")
    (root / "two.txt").write_bytes(b"\xc3\x28")
    result = run(
        "embed-multi",
        "procs",
        "-m",
        "demo",
        "--files",
        str(root),
        "*.txt",
        "--encoding",
        "utf-8",
    )
    assert "Could not decode" in result.stderr
    assert collections_in(db_path) == []
    assert run("collections", "list").stdout == ""
