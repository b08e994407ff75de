"""Start-up in real processes: what gets imported, stdin handling, streaming, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

MODULES_MARKER = "__MODULES__"

PROBE = f"""
import json, sys
sys.argv = ["llm", *json.loads(sys.argv[1])]
from llm.cli import main
code = 0
try:
    main()
except SystemExit as ex:
    code = ex.code or 0
sys.stdout.flush()
print("{MODULES_MARKER}" + json.dumps(sorted(k for k, v in sys.modules.items() if v)), file=sys.stderr)
sys.exit(code)
"""

HEAVY = ("pydantic", "sqlite_utils", "openai", "yaml", "numpy", "httpx")


def probe(subprocess_env, args, input=None):
    """Run the CLI with ``args``; returns (result, set of imported module names)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        input=input,
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=60,
    )
    stderr, _, modules = result.stderr.rpartition(MODULES_MARKER)
    result.stderr = stderr
    return result, set(json.loads(modules))


def top_level(modules):
    return {name.split(".")[0] for name in modules}


def test_version_imports_almost_nothing(subprocess_env):
    result, modules = probe(subprocess_env, ["--version"])
    assert result.returncode == 0
    assert result.stdout.startswith("llm, version ")
    loaded = top_level(modules)
    for name in (*HEAVY, "click", "pluggy", "llm_test_plugin"):
        assert name not in loaded, name
    assert "importlib.metadata" not in modules


def test_help_does_not_load_plugins_once_cached(subprocess_env):
    cold, cold_modules = probe(subprocess_env, ["--help"])
    assert cold.returncode == 0
    assert "openai" not in top_level(cold_modules)
    warm, modules = probe(subprocess_env, ["--help"])
    assert warm.stdout == cold.stdout
    loaded = top_level(modules)
    for name in (*HEAVY, "pluggy", "llm_test_plugin"):
        assert name not in loaded, name
    # Plugin commands are still listed, from the cache.
    assert "test-plugin-hello" in warm.stdout


def test_prompt_to_plugin_model_stays_lean(subprocess_env):
    result, modules = probe(subprocess_env, ["-m", "echo", "hi"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["prompt"] == "hi"
    loaded = top_level(modules)
    assert "openai" not in loaded
    assert "numpy" not in loaded
    assert "httpx" not in loaded
    assert "llm_test_plugin" in loaded


def test_python_m_llm_and_console_script(run_llm, subprocess_env):
    result = run_llm(["-m", "echo", "via python -m"])
    assert json.loads(result.stdout)["prompt"] == "via python -m"
    script = os.path.join(os.path.dirname(sys.executable), "llm")
    if os.path.exists(script):
        result = subprocess.run(
            [script, "--version"], capture_output=True, text=True, env=subprocess_env
        )
        assert result.stdout.startswith("llm, version ")


def test_stdin_pipe_and_argument(run_llm):
    result = run_llm(["-m", "echo", "explain"], input="piped code\n")
    assert json.loads(result.stdout)["prompt"] == "piped code\n explain"


def test_errors_go_to_stderr_only(run_llm):
    result = run_llm(["-m", "nope", "hi"])
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "Error: Unknown model: nope\n"


def test_raise_errors_shows_traceback(run_llm):
    result = run_llm(["-m", "nope", "hi"], env={"LLM_RAISE_ERRORS": "1"})
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "UnknownModelError" in result.stderr


SCRIPTED = """
import json, sys
import llm_test_plugin
llm_test_plugin.MockModel.enqueue(*json.loads(sys.argv[1]))
sys.argv = ["llm", *json.loads(sys.argv[2])]
from llm.cli import main
main()
"""


def scripted(subprocess_env, chunks, args, **kwargs):
    """Start ``llm`` in a subprocess with the mock model's reply queued."""
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPTED, json.dumps(chunks), json.dumps(args)],
        env=subprocess_env,
        **kwargs,
    )


def read_until(stream, text: str, timeout: float = 30) -> str:
    """Read from a pipe until ``text`` has arrived."""
    return read_for(stream.fileno(), text, timeout)


def test_streaming_is_flushed_per_chunk(subprocess_env):
    chunks = ["first ", "second ", "third"]
    with scripted(
        subprocess_env,
        chunks,
        ["-m", "mock", "hi", "-o", "delay", "0.8"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        read_until(process.stdout, "first")
        # The first chunk arrived while the model is still producing the rest.
        assert process.poll() is None
        stdout, _ = process.communicate(timeout=30)
        assert stdout.decode().endswith("third\n")


def test_ctrl_c_stops_cleanly_and_keeps_what_arrived(subprocess_env, user_path):
    chunks = [f"chunk{i} " for i in range(50)]
    with scripted(
        subprocess_env,
        chunks,
        ["-m", "mock", "tell me a long story", "-o", "delay", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        read_until(process.stdout, "chunk1 ")
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"Traceback" not in stderr
    assert b"chunk49" not in stdout
    conn = sqlite3.connect(str(user_path / "logs.db"))
    try:
        response, status = conn.execute(
            "select r.response, x.status from responses r "
            "left join response_extras x on x.response_id = r.id"
        ).fetchone()
    finally:
        conn.close()
    assert response.startswith("chunk0 chunk1 ")
    assert "chunk49" not in response
    assert status == "interrupted"


def _pty_available():
    try:
        import pty  # noqa: F401
        import termios  # noqa: F401
    except ImportError:
        return False
    return True


PTY_CHILD = """
import fcntl, json, os, sys, termios
# Become the session leader and take the pty as controlling terminal.
terminal = int(sys.argv[3])
os.setsid()
fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)
if json.loads(sys.argv[2]):
    os.dup2(terminal, 0)  # stdin is the terminal too
import llm_test_plugin, llm
llm_test_plugin.MockModel.enqueue(llm.ToolCall(name="llm_version", tool_call_id="t1"))
llm_test_plugin.MockModel.enqueue("finished")
sys.argv = ["llm", *json.loads(sys.argv[1])]
from llm.cli import main
main()
"""


def read_for(fd: int, text: str, timeout: float = 30) -> str:
    """Read from a file descriptor until ``text`` arrives (or fail after ``timeout``)."""
    import select

    seen = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting for {text!r}, got {seen!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 1024)
            if not chunk:
                raise AssertionError(f"closed before {text!r}, got {seen!r}")
            seen += chunk
    return seen.decode()


def run_with_terminal(subprocess_env, args, answer, stdin_is_tty, piped=""):
    """Run llm with a pseudo-terminal as its controlling terminal; answer the prompt.

    With ``stdin_is_tty`` the terminal is stdin too (the question goes to
    stderr); otherwise ``piped`` is sent on a pipe and the question is asked
    on the terminal itself.
    """
    import pty

    master, slave = pty.openpty()
    try:
        with subprocess.Popen(
            [
                sys.executable,
                "-c",
                PTY_CHILD,
                json.dumps(args),
                json.dumps(stdin_is_tty),
                str(slave),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(slave,),
            env=subprocess_env,
        ) as process:
            try:
                if not stdin_is_tty:
                    process.stdin.write(piped.encode())
                process.stdin.close()
                source = process.stderr.fileno() if stdin_is_tty else master
                asked = read_for(source, "Approve tool call?")
                os.write(master, answer.encode() + b"\n")
                stdout = process.stdout.read()
                stderr = process.stderr.read()
                process.wait(timeout=30)
            finally:
                if process.poll() is None:
                    process.kill()
            if stdin_is_tty:
                stderr = asked.encode() + stderr
            return process.returncode, stdout.decode(), stderr.decode(), asked
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.skipif(not _pty_available(), reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("answer", ["y", "n"])
def test_tools_approve_on_terminal(subprocess_env, answer):
    code, stdout, stderr, asked = run_with_terminal(
        subprocess_env, ["-m", "mock", "go", "-T", "llm_version", "--ta"], answer, True
    )
    assert code == 0, stderr
    assert "Tool call: llm_version({})" in stderr
    assert stdout.endswith("finished\n")


@pytest.mark.skipif(not _pty_available(), reason="needs a POSIX pseudo-terminal")
def test_tools_approve_asks_the_terminal_when_stdin_is_piped(subprocess_env, user_path):
    code, stdout, stderr, terminal = run_with_terminal(
        subprocess_env,
        ["-m", "mock", "-T", "llm_version", "--ta"],
        "n",
        False,
        piped="piped prompt",
    )
    assert code == 0, stderr
    assert "Approve tool call? [y/N]" in terminal
    conn = sqlite3.connect(str(user_path / "logs.db"))
    try:
        prompt, output = conn.execute(
            "select r.prompt, t.output from responses r "
            "join tool_results t on t.response_id = r.id"
        ).fetchone()
        first_prompt = conn.execute(
            "select prompt from responses order by id limit 1"
        ).fetchone()[0]
    finally:
        conn.close()
    assert first_prompt == "piped prompt"
    assert output.startswith("Cancelled")


def test_closed_pipe_is_quiet(subprocess_env):
    """``llm ... | head -1``: when the reader stops early there is no traceback."""
    with subprocess.Popen(
        [sys.executable, "-m", "llm", "-m", "echo", "-n"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env,
    ) as process:
        process.stdin.write(b"x" * 300_000)
        process.stdin.close()
        process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        process.wait(timeout=60)
    assert b"Traceback" not in stderr
    assert process.returncode == 141  # 128 + SIGPIPE, as `| head` expects


CHAT_SCRIPTED = """
import json, sys
import llm_test_plugin
llm_test_plugin.MockModel.enqueue(*[f"part{i} " for i in range(40)])
llm_test_plugin.MockModel.enqueue("second reply")
sys.argv = ["llm", "chat", "-m", "mock", "-o", "delay", "0.2"]
from llm.cli import main
main()
"""


def test_ctrl_c_in_chat_stops_the_reply_not_the_chat(subprocess_env, user_path):
    with subprocess.Popen(
        [sys.executable, "-c", CHAT_SCRIPTED],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env,
    ) as process:
        process.stdin.write(b"first\n")
        process.stdin.flush()
        read_until(process.stdout, "part1 ")
        process.send_signal(signal.SIGINT)
        read_for(process.stderr.fileno(), "Interrupted")
        stdout, stderr = process.communicate(b"second\nquit\n", timeout=30)
    assert process.returncode == 0
    assert b"second reply" in stdout
    assert b"Traceback" not in stderr
    conn = sqlite3.connect(str(user_path / "logs.db"))
    try:
        rows = conn.execute(
            "select r.prompt, x.status from responses r "
            "left join response_extras x on x.response_id = r.id order by r.id"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [("first", "interrupted"), ("second", None)]
