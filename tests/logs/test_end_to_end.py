"""``llm`` and ``llm logs`` in real processes: logging, continuing, and Ctrl-C mid-stream."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from llm.logs import open_logs_db

SLOW_MODEL = """
import sys, threading
import llm
from llm.plugins import pm

class Slow(llm.Model):
    model_id = "slow"
    can_stream = True

    def execute(self, prompt, stream, response, conversation=None):
        yield "first chunk\\n"
        threading.Event().wait(60)  # until the test interrupts us
        yield "never sent"

class SlowPlugin:
    @llm.hookimpl
    def register_models(self, register):
        register(Slow())

pm.register(SlowPlugin(), name="slow-plugin")
from llm.cli import main
sys.argv = ["llm", *sys.argv[1:]]
main()
"""


def llm_run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "llm", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def cli_available():
    try:
        from llm.cli import cli  # noqa: F401
        from llm.cli.commands import prompt  # noqa: F401
    except ImportError:
        pytest.skip("the llm root command is not installed")


def test_prompt_continue_and_read_back(cli_available, subprocess_env, user_path):
    first = llm_run(subprocess_env, "-m", "echo", "pelican names", "-s", "be brief")
    assert first.returncode == 0, first.stderr
    second = llm_run(subprocess_env, "-c", "walrus names")
    assert second.returncode == 0, second.stderr
    # -c kept the echo model and sent the first exchange as history.
    roles = [m["role"] for m in json.loads(second.stdout)["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    listed = llm_run(subprocess_env, "logs", "-c", "--json")
    records = json.loads(listed.stdout)
    assert [r["prompt"] for r in records] == ["pelican names", "walrus names"]
    assert len({r["conversation_id"] for r in records}) == 1
    assert records[0]["system"] == "be brief"
    assert records[0]["conversation_name"] == "pelican names"
    skipped = llm_run(subprocess_env, "-m", "echo", "not logged", "--no-log")
    assert skipped.returncode == 0
    assert llm_run(subprocess_env, "logs", "off").returncode == 0
    llm_run(subprocess_env, "-m", "echo", "also not logged")
    llm_run(subprocess_env, "-m", "echo", "logged anyway", "--log")
    llm_run(subprocess_env, "logs", "on")
    prompts = [
        r["prompt"]
        for r in json.loads(llm_run(subprocess_env, "logs", "-n", "0", "--json").stdout)
    ]
    assert prompts == ["pelican names", "walrus names", "logged anyway"]
    result = llm_run(subprocess_env, "logs", "-d", str(user_path / "nope.db"))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: No database found at")


def test_ctrl_c_mid_stream_keeps_what_arrived(cli_available, subprocess_env, user_path):
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_MODEL, "-m", "slow", "tell me everything"],
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "first chunk\n"
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode != 0
    db = open_logs_db(user_path / "logs.db")
    [row] = list(db.query("select id, prompt, response from responses"))
    assert row["prompt"] == "tell me everything"
    assert row["response"] == "first chunk\n"
    assert db.execute("select status from response_extras").fetchall() == [
        ("interrupted",)
    ]
    db.close()
