"""Many processes logging to one database at once lose nothing and never see "database is locked"."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from llm.logs import open_logs_db

WRITER = """
import sys
import llm
from llm.logs import open_logs_db

path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = open_logs_db(path)
model = llm.get_model("mock")
conversation = model.conversation()
for i in range(count):
    response = conversation.prompt(f"{name} prompt {i}", fragments=[f"shared fragment {i % 3}"])
    response.text()
    response.log_to_db(db)
    if i % 10 == 0:
        # Readers run alongside the writers too.
        list(db.query("select count(*) from responses"))
print("done")
"""


def test_parallel_writers_lose_nothing(tmp_path, subprocess_env):
    path = tmp_path / "shared.db"
    processes, per_process = 8, 40
    started = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), f"p{n}", str(per_process)],
            env=subprocess_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    for process in started:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert out.strip() == "done"
        assert "locked" not in err
    db = open_logs_db(path)
    total = processes * per_process
    assert db["responses"].count == total
    assert db["conversations"].count == processes
    # Each shared fragment was stored exactly once despite the races.
    assert db["fragments"].count == 3
    assert db["prompt_fragments"].count == total
    # The full-text index saw every row.
    assert db.execute(
        "select count(*) from responses_fts where responses_fts match 'prompt'"
    ).fetchone() == (total,)
    prompts = {r[0] for r in db.execute("select prompt from responses")}
    assert prompts == {
        f"p{n} prompt {i}" for n in range(processes) for i in range(per_process)
    }
    assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    db.close()


UNTIL_TOLD = """
import select, sys
import llm
from llm.logs import open_logs_db

path, name = sys.argv[1], sys.argv[2]
db = open_logs_db(path)
model = llm.get_model("mock")
conversation = model.conversation()
i = 0
while True:
    response = conversation.prompt(f"{name} prompt {i}", fragments=[f"shared {i % 3}"])
    response.text()
    response.log_to_db(db)
    i += 1
    if i == 1:
        print("started", flush=True)
    # Keep writing until the test closes our stdin.
    if select.select([sys.stdin], [], [], 0)[0]:
        break
print(i)
"""


def test_backup_while_others_write_is_consistent(tmp_path, user_path, subprocess_env):
    """``llm logs backup`` run three times while four processes keep logging."""
    pytest.importorskip("llm.cli", reason="the llm logs backup command needs llm-cli")
    path = user_path / "logs.db"
    open_logs_db(path).close()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", UNTIL_TOLD, str(path), f"w{n}"],
            env=subprocess_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    try:
        for writer in writers:
            assert writer.stdout.readline() == "started\n", writer.stderr.read()
        backups = [tmp_path / f"backup{n}.db" for n in range(3)]
        for backup in backups:
            result = subprocess.run(
                [sys.executable, "-m", "llm", "logs", "backup", str(backup)],
                env=subprocess_env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr
            assert result.stdout.startswith("Backed up ")
        assert all(writer.poll() is None for writer in writers)  # still writing
    finally:
        written = 0
        for writer in writers:
            out, err = writer.communicate("stop\n", timeout=120)
            assert writer.returncode == 0, err
            written += int(out.split()[-1])
    previous = 0
    for backup in backups:
        conn = sqlite3.connect(str(backup))
        try:
            assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
            # The full-text index holds exactly the rows of the copy.
            conn.execute(
                "insert into responses_fts (responses_fts) values ('integrity-check')"
            )
            responses = conn.execute("select count(*) from responses").fetchone()[0]
            indexed = conn.execute(
                "select count(*) from responses_fts_docsize"
            ).fetchone()[0]
            matches = conn.execute(
                "select count(*) from responses_fts where responses_fts match 'prompt'"
            ).fetchone()[0]
            assert responses == indexed == matches
            # No response without its conversation or fragment links.
            assert conn.execute(
                "select count(*) from responses r left join conversations c "
                "on c.id = r.conversation_id where c.id is null"
            ).fetchone() == (0,)
            assert conn.execute("select count(*) from prompt_fragments").fetchone() == (
                responses,
            )
        finally:
            conn.close()
        # Each writer had logged before the first backup; later backups see at
        # least as much, and none more than was written.
        assert max(previous, len(writers)) <= responses <= written
        previous = responses
    with open_logs_db(path) as db:
        assert db["responses"].count == written
