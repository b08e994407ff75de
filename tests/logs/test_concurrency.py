"""Many processes logging to one database at once lose nothing and never see "database is locked"."""

from __future__ import annotations

import subprocess
import sys

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
