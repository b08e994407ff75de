"""Keys that live outside keys.json: in the system keychain, or printed by a command.

Where such a key lives is recorded in ``key_sources.json`` in the user
directory, never in keys.json, so keys.json keeps the original's format (plain
strings) and the original never mistakes a marker for a key. The key itself
is never written to disk or logged: it is read from the keychain, or taken
from the command's standard output, when needed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import KeySourceError
from .files import PRIVATE_MODE
from .jsonfiles import read_json_object, updating_json_object
from .model_reliability import MAX_TIMEOUT
from .paths import user_dir

KEY_SOURCES_FILE = "key_sources.json"
KEYRING_SERVICE = "llm"
KEYRING = "keyring"
COMMAND = "command"
DEFAULT_COMMAND_TIMEOUT = 30.0
TIMEOUT_ENV_VAR = "LLM_KEY_COMMAND_TIMEOUT"

# Keys printed by commands, remembered for the life of the process (a chat
# should not unlock a password manager on every turn).
_command_keys: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class KeySource:
    """Where one named key lives: ``keyring`` (with its service) or ``command``."""

    name: str
    kind: str
    service: str = KEYRING_SERVICE
    command: str = ""

    def describe(self) -> str:
        """A short human description, such as ``command: pass show openai``."""
        if self.kind == COMMAND:
            return f"command: {self.command}"
        return f"system keychain (service {self.service!r})"

    def to_json(self) -> dict[str, str]:
        if self.kind == COMMAND:
            return {"source": COMMAND, "command": self.command}
        return {"source": KEYRING, "service": self.service}


def key_sources_path() -> Path:
    """Path of the file recording which keys live in the keychain or a command."""
    return user_dir() / KEY_SOURCES_FILE


def load_key_sources() -> dict[str, KeySource]:
    """Every recorded key source by name; entries this version cannot use are skipped."""
    sources: dict[str, KeySource] = {}
    for name, entry in read_json_object(key_sources_path()).items():
        if not isinstance(entry, dict):
            continue
        kind = entry.get("source")
        if kind == COMMAND and isinstance(entry.get("command"), str):
            sources[name] = KeySource(name, COMMAND, command=entry["command"])
        elif kind == KEYRING:
            service = entry.get("service")
            if not isinstance(service, str) or not service:
                service = KEYRING_SERVICE
            sources[name] = KeySource(name, KEYRING, service=service)
    return sources


def _write_source(name: str, entry: dict[str, str] | None) -> None:
    path = key_sources_path()
    if entry is None and not path.exists():
        return  # nothing recorded, nothing to forget
    with updating_json_object(path, mode=PRIVATE_MODE) as data:
        if entry is None:
            data.pop(name, None)
        else:
            data[name] = entry


def forget_key_source(name: str) -> None:
    """Stop looking for ``name`` outside keys.json (the keychain entry is kept)."""
    _write_source(name, None)


def set_key_command(name: str, command: str) -> None:
    """Record that the key ``name`` is whatever ``command`` prints on stdout."""
    if not command.strip():
        raise ValueError("The key command is empty")
    _write_source(name, KeySource(name, COMMAND, command=command).to_json())


def store_in_keyring(name: str, value: str, service: str = KEYRING_SERVICE) -> None:
    """Save ``value`` in the system keychain and record that ``name`` lives there."""
    keyring = _keyring()
    try:
        keyring.set_password(service, name, value)
    except Exception as ex:
        raise KeySourceError(
            f"Could not store key '{name}' in the system keychain: {ex}", name
        ) from ex
    _write_source(name, KeySource(name, KEYRING, service=service).to_json())


def read_key_source(source: KeySource) -> str:
    """The key ``source`` points at; KeySourceError if it cannot be read."""
    if source.kind == COMMAND:
        return run_key_command(source.name, source.command)
    keyring = _keyring()
    try:
        value = keyring.get_password(source.service, source.name)
    except Exception as ex:
        raise KeySourceError(
            f"Could not read key '{source.name}' from the system keychain: {ex}",
            source.name,
        ) from ex
    if value is None:
        raise KeySourceError(
            f"Key '{source.name}' is not in the system keychain any more; "
            f"store it again with 'llm keys set {source.name} --keyring'",
            source.name,
        )
    return value


def command_timeout() -> float:
    """Seconds a key command may run: ``LLM_KEY_COMMAND_TIMEOUT``, else 30."""
    raw = os.environ.get(TIMEOUT_ENV_VAR)
    if not raw:
        return DEFAULT_COMMAND_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise KeySourceError(
            f"{TIMEOUT_ENV_VAR} should be a number of seconds, not {raw!r}"
        ) from None
    if not 0 < value <= MAX_TIMEOUT:  # also refuses nan
        raise KeySourceError(
            f"{TIMEOUT_ENV_VAR} should be more than 0 and at most a year, not {raw!r}"
        )
    return value


def run_key_command(name: str, command: str, *, cache: bool = True) -> str:
    """Run ``command`` through the shell; its stdout, trimmed, is the key.

    Standard input is the null device, so a piped prompt is never swallowed;
    a password manager that asks for a passphrase does so on the terminal
    itself. Errors quote the command's stderr, never its output.
    """
    if cache and (name, command) in _command_keys:
        return _command_keys[(name, command)]
    import subprocess

    timeout = command_timeout()
    try:
        result = subprocess.run(
            command,
            shell=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise KeySourceError(
            f"The command for key '{name}' did not finish within {timeout:g} "
            f"seconds: {command} (set {TIMEOUT_ENV_VAR} to allow longer)",
            name,
        ) from None
    except OSError as ex:
        raise KeySourceError(
            f"Could not run the command for key '{name}': {ex}", name
        ) from None
    if result.returncode != 0:
        message = (
            f"The command for key '{name}' failed "
            f"(exit status {result.returncode}): {command}"
        )
        detail = result.stderr.decode("utf-8", errors="replace").strip()
        if detail:
            message += "\n" + "\n".join(detail.splitlines()[-5:])
        raise KeySourceError(message, name)
    key = result.stdout.decode("utf-8", errors="replace").strip()
    if not key:
        raise KeySourceError(
            f"The command for key '{name}' printed nothing: {command}", name
        )
    if cache:
        _command_keys[(name, command)] = key
    return key


def _keyring():  # type: ignore[no-untyped-def]
    try:
        import keyring
    except ImportError:
        # llm install puts it next to llm however llm was installed (pip, uv
        # tool, pipx); a bare pip may be another environment's.
        raise KeySourceError(
            "Keys in the system keychain need the keyring package: "
            "run 'llm install keyring' (or install the llm[keyring] extra)"
        ) from None
    try:
        backend = keyring.get_keyring()
    except Exception as ex:  # a misconfigured PYTHON_KEYRING_BACKEND, for one
        raise KeySourceError(f"The system keychain is not usable: {ex}") from ex
    if _is_unusable(backend):
        raise KeySourceError(
            "No system keychain is available (keyring found no usable backend: "
            "see https://pypi.org/project/keyring/ to configure one)"
        )
    return keyring


def _is_unusable(backend: object) -> bool:
    from keyring.backends import fail, null

    return isinstance(backend, (fail.Keyring, null.Keyring))
