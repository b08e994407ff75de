"""Files holding prompts, responses and keys are created readable by their owner only.

Run in real subprocesses with the usual umask (022), which on its own would
make new files world-readable. Files the user made keep their permissions.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from .test_startup import read_until

pytestmark = pytest.mark.skipif(
    sys.platform.startswith("win"), reason="POSIX permissions"
)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def with_umask_022() -> None:
    os.umask(0o022)


def llm(subprocess_env, *args: str, input: str | None = None):
    result = subprocess.run(
        [sys.executable, "-m", "llm", *args],
        input=input,
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=60,
        preexec_fn=with_umask_022,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_new_logs_database_and_its_wal_files_are_private(subprocess_env, user_path):
    """While ``llm chat`` has logged a reply its database is open: -wal and -shm exist."""
    with subprocess.Popen(
        [sys.executable, "-m", "llm", "chat", "-m", "echo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env,
        preexec_fn=with_umask_022,
    ) as process:
        process.stdin.write(b"hello\n")
        process.stdin.flush()
        # The next "> " comes once the reply has been printed and logged.
        read_until(process.stdout, "\n}\n> ")
        database = user_path / "logs.db"
        files = {
            name: mode(user_path / name)
            for name in ("logs.db", "logs.db-wal", "logs.db-shm")
            if (user_path / name).exists()
        }
        process.communicate(b"quit\n", timeout=30)
    assert database.exists()
    assert set(files) == {"logs.db", "logs.db-wal", "logs.db-shm"}
    assert files == dict.fromkeys(files, 0o600)
    assert process.returncode == 0


def test_new_embeddings_database_is_private(subprocess_env, user_path):
    pytest.importorskip("llm.embeddings")  # llm embed comes with llm-embeddings
    llm(subprocess_env, "embed", "notes", "one", "-m", "embed-demo", "-c", "hello")
    assert mode(user_path / "embeddings.db") == 0o600


def test_backup_is_private(subprocess_env, user_path, tmp_path):
    llm(subprocess_env, "-m", "echo", "hi")
    backup = tmp_path / "backup.db"
    llm(subprocess_env, "logs", "backup", str(backup))
    assert mode(backup) == 0o600


def test_files_the_user_made_keep_their_permissions(subprocess_env, user_path):
    logs = user_path / "logs.db"
    logs.touch()
    os.chmod(logs, 0o640)
    llm(subprocess_env, "-m", "echo", "hi")
    assert mode(logs) == 0o640
    other = user_path / "shared.db"
    other.touch()
    os.chmod(other, 0o664)
    llm(subprocess_env, "-m", "echo", "hi", "-d", str(other))
    assert mode(other) == 0o664
    assert "hi" in llm(subprocess_env, "logs", "-d", str(other), "--json").stdout
