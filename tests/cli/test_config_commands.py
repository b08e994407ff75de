"""``llm keys`` and ``llm aliases``."""

from __future__ import annotations

import json
import os
import stat


def test_keys_set_list_get_path(invoke, user_path):
    # As the original: the message is on stdout, and only without a keys.json.
    result = invoke(["keys"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "No keys found\n",
        "",
    )
    assert invoke(["keys", "set", "openai", "--value", "sk-1"]).exit_code == 0
    assert invoke(["keys", "set", "anthropic", "--value", "sk-2"]).exit_code == 0
    assert invoke(["keys"]).stdout == "anthropic\nopenai\n"
    assert invoke(["keys", "list"]).stdout == "anthropic\nopenai\n"
    assert invoke(["keys", "get", "openai"]).stdout == "sk-1\n"
    path = user_path / "keys.json"
    assert invoke(["keys", "path"]).stdout == f"{path}\n"
    data = json.loads(path.read_text())
    assert data["openai"] == "sk-1" and data["anthropic"] == "sk-2"
    path.write_text("{}")
    result = invoke(["keys", "list"])
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_keys_set_reads_a_piped_key(invoke, user_path):
    result = invoke(["keys", "set", "secret"], input="piped-value\n")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads((user_path / "keys.json").read_text())["secret"] == "piped-value"


def test_keys_get_missing(invoke):
    result = invoke(["keys", "get", "nope"])
    assert result.exit_code == 1
    assert result.stderr == "Error: No key found with name 'nope'\n"


def test_corrupt_keys_file(invoke, user_path):
    (user_path / "keys.json").write_text("[1, 2")
    for args in (["keys"], ["keys", "get", "x"], ["keys", "set", "x", "--value", "y"]):
        result = invoke(args)
        assert result.exit_code == 1
        assert "keys.json is not valid JSON" in result.stderr
    assert (user_path / "keys.json").read_text() == "[1, 2"


def test_aliases_list(invoke):
    result = invoke(["aliases"])
    lines = result.stdout.splitlines()
    assert "scripted : mock" in [" ".join(line.split()) for line in lines]
    assert any(line.endswith(": embed-demo (embedding)") for line in lines)
    assert invoke(["aliases", "list"]).stdout == result.stdout
    data = json.loads(invoke(["aliases", "list", "--json"]).stdout)
    assert data["scripted"] == "mock"
    assert data["demo"] == "embed-demo"


def test_aliases_set_remove_path(invoke, user_path, mock_model):
    assert invoke(["aliases", "set", "mm", "scripted"]).exit_code == 0
    assert json.loads((user_path / "aliases.json").read_text()) == {"mm": "mock"}
    mock_model.enqueue("via user alias")
    assert invoke(["-m", "mm", "hi"]).stdout == "via user alias\n"
    assert invoke(["aliases", "path"]).stdout == f"{user_path / 'aliases.json'}\n"
    assert invoke(["aliases", "remove", "mm"]).exit_code == 0
    assert json.loads((user_path / "aliases.json").read_text()) == {}
    result = invoke(["aliases", "remove", "mm"])
    assert result.exit_code == 1
    assert result.stderr == "Error: No such alias: mm\n"


def test_aliases_set_with_query(invoke, user_path):
    result = invoke(["aliases", "set", "e", "-q", "ech"])
    assert result.exit_code == 0
    assert result.stderr == "Alias 'e' set to model 'echo'\n"
    assert json.loads((user_path / "aliases.json").read_text()) == {"e": "echo"}
    result = invoke(["aliases", "set", "x", "-q", "zzz", "-q", "yyy"])
    assert result.exit_code == 1
    assert result.stderr == "Error: No model found matching query: zzz, yyy\n"
    result = invoke(["aliases", "set", "x"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: You must provide a model_id or at least one -q option\n"
    )


def test_aliases_for_embedding_models(invoke, user_path):
    assert invoke(["aliases", "set", "emb", "embed-demo"]).exit_code == 0
    assert "emb : embed-demo (embedding)" in [
        " ".join(line.split()) for line in invoke(["aliases"]).stdout.splitlines()
    ]


def test_aliases_set_to_a_model_not_installed_yet(invoke, user_path):
    # aliases.md: the alias is kept and works once a plugin provides the model.
    result = invoke(["aliases", "set", "x", "no-such-model"])
    assert result.exit_code == 0
    assert result.output == ""
    assert json.loads((user_path / "aliases.json").read_text()) == {
        "x": "no-such-model"
    }


def test_corrupt_aliases_file_is_not_replaced(invoke, user_path):
    (user_path / "aliases.json").write_text("{oops")
    result = invoke(["aliases", "set", "x", "mock"])
    assert result.exit_code == 1
    assert "aliases.json is not valid JSON" in result.stderr
    result = invoke(["aliases", "remove", "x"])
    assert result.exit_code == 1
    assert (user_path / "aliases.json").read_text() == "{oops"


def test_alias_claimed_twice_is_listed_once(invoke, user_path):
    # "scripted" is the mock model's plugin alias; a user alias now points it elsewhere.
    (user_path / "aliases.json").write_text(json.dumps({"scripted": "echo"}))
    lines = [" ".join(line.split()) for line in invoke(["aliases"]).stdout.splitlines()]
    assert [line for line in lines if line.startswith("scripted ")] == [
        "scripted : echo"
    ]
