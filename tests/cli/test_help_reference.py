"""Every command in the reference CLI help exists here with the same option flags."""

from __future__ import annotations

import re

import pytest

from .conftest import HELP_MD

# Options we add on purpose beyond the reference help, by command.
_RELIABILITY = {"--retries", "--timeout"}
EXTRA_OPTIONS = {
    # The issue asks for attachments in chat too; Markdown rendering (issue 17).
    "chat": {"-a", "--attachment", "--at", "--attachment-type", "--fallback"}
    | {"-u", "--usage", "--render"}
    | _RELIABILITY,
    # The spec's own help lists -p/--path (the later reference renamed it -d);
    # --batch shows the responses of one llm batch run (issue 18).
    "logs list": {"-p", "--path", "--render", "--batch"},
    # Retries, timeouts and fallback models (issue 15).
    "prompt": {"--fallback", "--render"} | _RELIABILITY,
    "embed": _RELIABILITY,
    "embed-multi": _RELIABILITY,
    # Issue 16: prices beside each model, cost after each chat answer.
    "models list": {"--prices"},
    "models": {"--prices"},
    # Keys kept in the system keychain or fetched by a command (issue 17).
    "keys set": {"--keyring", "--command"},
}


def parse_options(help_text: str) -> set[str]:
    """Option flags listed in the Options: section of a --help text."""
    if "Options:" not in help_text:
        return set()
    section = help_text.split("Options:", 1)[1].split("\nCommands:", 1)[0]
    flags: set[str] = set()
    for line in section.splitlines():
        if not re.match(r"^  -", line):
            continue
        declaration = re.split(r"\s{2,}", line.strip())[0]
        for part in declaration.split(", "):
            flags.add(part.split()[0])
    return flags


def parse_commands(help_text: str) -> set[str]:
    if "Commands:" not in help_text:
        return set()
    section = help_text.split("Commands:", 1)[1]
    return {
        line.split()[0].rstrip("*")
        for line in section.splitlines()
        if re.match(r"^  \S", line)
    }


def reference_sections() -> list[tuple[list[str], str]]:
    text = HELP_MD.read_text(encoding="utf-8")
    sections = []
    pattern = re.compile(r"^#+ llm (.*?)--help\n```\n(.*?)\n```", re.M | re.S)
    for match in pattern.finditer(text):
        command = match.group(1).split()
        sections.append((command, match.group(2)))
    return sections


SECTIONS = reference_sections() if HELP_MD.exists() else []


def test_reference_parsed():
    if not HELP_MD.exists():
        pytest.skip("reference help.md not available")
    commands = [" ".join(c) for c, _ in SECTIONS]
    assert "" in commands and "prompt" in commands and "models options set" in commands
    assert parse_options(dict((" ".join(c), t) for c, t in SECTIONS)["prompt"]) >= {
        "-s",
        "--system",
        "--at",
        "--attachment-type",
        "--json",
    }


@pytest.mark.parametrize(
    "command,reference", SECTIONS, ids=[" ".join(c) or "llm" for c, _ in SECTIONS]
)
def test_command_matches_reference(invoke, command, reference):
    from llm.cli import cli

    # Commands contributed by other packages only count when they are installed.
    if command and cli.get_command(None, command[0]) is None:  # type: ignore[arg-type]
        pytest.skip(f"llm {command[0]} is not installed")
    result = invoke([*command, "--help"])
    assert result.exit_code == 0, result.stdout
    ours = parse_options(result.stdout)
    expected = parse_options(reference)
    missing = expected - ours
    assert not missing, f"llm {' '.join(command)} lacks {sorted(missing)}"
    extra = ours - expected - EXTRA_OPTIONS.get(" ".join(command), set())
    assert not extra, f"llm {' '.join(command)} has unexpected {sorted(extra)}"
    expected_commands = parse_commands(reference)
    if command == []:
        # Top level: our own commands must all be there; plugin ones when installed.
        own = {"prompt", "chat", "keys", "models", "aliases", "plugins", "install"}
        own |= {"uninstall", "tools", "schemas", "fragments", "logs", "templates"}
        expected_commands &= own
    assert expected_commands <= parse_commands(result.stdout)
