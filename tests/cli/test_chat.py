"""``llm chat``: the interactive loop, its ! commands and its options."""

from __future__ import annotations

import json

import pytest

import llm

from .conftest import logged_responses


def test_chat_conversation(invoke, mock_model, logs_path):
    mock_model.enqueue("Hi there")
    mock_model.enqueue("Still here")
    result = invoke(["chat", "-m", "mock"], input="hello\nhow are you?\nquit\n")
    assert result.exit_code == 0
    # Piped: the banner goes to stderr, so stdout holds only the conversation.
    assert result.stderr == (
        "Chatting with mock\n"
        "Type 'exit' or 'quit' to exit\n"
        "Type '!multi' to enter multiple lines, then '!end' to finish\n"
        "Type '!edit' to open your default editor and modify the prompt\n"
        "Type '!fragment <my_fragment> [<another_fragment> ...]' to insert one or "
        "more fragments\n"
    )
    assert result.stdout == "> Hi there\n> Still here\n> "
    second = mock_model.prompts[1]
    assert [(m.role, m.text) for m in second.messages] == [
        ("user", "hello"),
        ("assistant", "Hi there"),
        ("user", "how are you?"),
    ]
    responses = logged_responses(logs_path)
    assert [r["prompt"] for r in responses] == ["hello", "how are you?"]
    assert len({r["conversation_id"] for r in responses}) == 1


def test_chat_ends_at_end_of_input_and_on_exit(invoke, mock_model):
    result = invoke(["chat", "-m", "mock"], input="one\n")
    assert result.exit_code == 0
    result = invoke(["chat", "-m", "mock"], input="exit\nnot sent\n")
    assert result.exit_code == 0
    assert len(mock_model.prompts) == 1


def test_chat_system_prompt_only_on_first_turn(invoke, mock_model):
    result = invoke(["chat", "-m", "mock", "-s", "be nice"], input="a\nb\n")
    assert result.exit_code == 0
    first, second = mock_model.prompts
    assert first.system == "be nice"
    assert second.system == ""
    assert [m.role for m in second.messages][0] == "system"


def test_multi_line_input(invoke, mock_model):
    lines = "!multi\nline one\nline two\n!end\n"
    invoke(["chat", "-m", "mock"], input=lines)
    assert mock_model.prompts[0].prompt == "line one\nline two"


def test_multi_custom_delimiter(invoke, mock_model):
    lines = "!multi abc\nkeep\n!end\nstill\n!end abc\n"
    invoke(["chat", "-m", "mock"], input=lines)
    assert mock_model.prompts[0].prompt == "keep\n!end\nstill"


def test_edit_command(invoke, mock_model, monkeypatch):
    import click

    monkeypatch.setattr(click, "edit", lambda *a, **k: "written in the editor\n")
    invoke(["chat", "-m", "mock"], input="!edit\n")
    assert mock_model.prompts[0].prompt == "written in the editor"
    monkeypatch.setattr(click, "edit", lambda *a, **k: None)
    result = invoke(["chat", "-m", "mock"], input="!edit\n")
    assert "closed without saving" in result.stderr
    assert len(mock_model.prompts) == 1


def test_fragment_command(invoke, mock_model, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("fragment text")
    invoke(["chat", "-m", "mock"], input=f"!fragment {doc}\n")
    assert mock_model.prompts[0].prompt == "fragment text"
    lines = f"!multi\nexplain\n!fragment {doc}\n!end\n"
    invoke(["chat", "-m", "mock"], input=lines)
    assert mock_model.prompts[1].prompt == "fragment text\nexplain"


def test_missing_fragment_keeps_chatting(invoke, mock_model):
    mock_model.enqueue("after error")
    result = invoke(["chat", "-m", "mock"], input="!fragment nope-nope\nhello\n")
    assert result.exit_code == 1  # piped: the failed turn shows in the status
    assert "Error: Fragment 'nope-nope' not found" in result.stderr
    assert "after error" in result.stdout


def test_chat_options(invoke):
    result = invoke(
        ["chat", "-m", "echo", "-o", "temperature", "0.3", "--no-stream"], input="hi\n"
    )
    output = result.stdout
    reply = json.loads(output[output.index("> {") + 2 : output.rindex("}") + 1])
    assert reply["options"] == {"temperature": 0.3}
    assert reply["stream"] is False


def test_chat_continue_uses_conversation_model(invoke, mock_model):
    mock_model.enqueue("from prompt")
    invoke(["-m", "mock", "earlier"])
    mock_model.enqueue("from chat")
    result = invoke(["chat", "-c"], input="later\n")
    assert result.stderr.startswith("Chatting with mock")
    assert [m.text for m in mock_model.prompts[-1].messages] == [
        "earlier",
        "from prompt",
        "later",
    ]


def test_chat_cid(invoke, mock_model, logs_path):
    invoke(["-m", "mock", "first"])
    invoke(["-m", "mock", "second"])
    cid = logged_responses(logs_path)[0]["conversation_id"]
    invoke(["chat", "--cid", cid], input="third\n")
    assert [m.text for m in mock_model.prompts[-1].messages][0] == "first"


def test_chat_template(invoke, mock_model, user_path):
    templates = user_path / "templates"
    templates.mkdir()
    (templates / "pirate.yaml").write_text(
        "system: talk like a $who\nmodel: mock\ndefaults:\n  who: pirate\n"
    )
    invoke(["chat", "-t", "pirate", "-p", "who", "parrot"], input="hello\n")
    assert mock_model.prompts[0].system == "talk like a parrot"
    assert mock_model.prompts[0].prompt == "hello"


def test_chat_template_missing_parameter_fails_before_chatting(
    invoke, mock_model, user_path
):
    templates = user_path / "templates"
    templates.mkdir()
    (templates / "moody.yaml").write_text("system: be $mood\nmodel: mock\n")
    result = invoke(["chat", "-t", "moody"], input="hello\nquit\n")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "mood" in result.stderr
    assert "Chatting with" not in result.stderr
    assert mock_model.prompts == []


def test_chat_tools_with_approval(invoke, mock_model):
    mock_model.enqueue(llm.ToolCall(name="llm_version", tool_call_id="1"))
    mock_model.enqueue("approved")
    mock_model.enqueue(llm.ToolCall(name="llm_version", tool_call_id="2"))
    mock_model.enqueue("declined")
    result = invoke(
        ["chat", "-m", "mock", "-T", "llm_version", "--ta"],
        input="first\ny\nsecond\nn\n",
    )
    assert result.exit_code == 0
    assert "Tool call: llm_version({})" in result.stderr
    assert "Approve tool call? [y/N]" in result.stderr
    approved_results = mock_model.prompts[1].tool_results
    declined_results = mock_model.prompts[3].tool_results
    assert approved_results[0].output == llm.versions.llm_version()
    assert declined_results[0].output.startswith("Cancelled")


def test_chat_functions_and_debug(invoke, mock_model):
    mock_model.enqueue(
        llm.ToolCall(name="double", arguments={"n": 4}, tool_call_id="1")
    )
    mock_model.enqueue("done")
    code = "def double(n: int) -> int:\n    return n * 2\n"
    result = invoke(["chat", "-m", "mock", "--functions", code, "--td"], input="go\n")
    assert "Tool call: double({'n': 4})\n  8" in result.stderr
    assert mock_model.prompts[1].tool_results[0].output == "8"


def test_chat_attachment_and_fragment_options(invoke, mock_model, tmp_path):
    image = tmp_path / "i.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)
    doc = tmp_path / "doc.txt"
    doc.write_text("context")
    invoke(
        ["chat", "-m", "mock", "-a", str(image), "-f", str(doc), "--sf", str(doc)],
        input="one\ntwo\n",
    )
    first, second = mock_model.prompts
    assert first.attachments[0].path == str(image.resolve())
    assert first.prompt == "context\none"
    assert first.system == "context"
    assert second.attachments == [] and second.prompt == "two"


def test_chat_rejects_stdin_inputs(invoke):
    result = invoke(["chat", "-m", "mock", "-a", "-"], input="x\n")
    assert result.exit_code == 1
    assert "standard input" in result.stderr


def test_chat_model_error_keeps_going(invoke):
    bad = json.dumps({"error": "flaky"})
    result = invoke(["chat", "-m", "echo"], input=f"{bad}\nok\n")
    # The chat went on after the error; a script piping messages in still
    # learns from the exit status that a turn failed.
    assert result.exit_code == 1
    assert "Error: flaky" in result.stderr
    assert result.stdout.count('"prompt": "ok"') == 1
    fine = invoke(["chat", "-m", "echo"], input="ok\n")
    assert fine.exit_code == 0


def test_chat_unknown_model(invoke):
    result = invoke(["chat", "-m", "nope"], input="hi\n")
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown model: nope\n"


def test_chat_key_and_hide_reasoning(invoke):
    result = invoke(["chat", "-m", "keyed", "--key", "sk-x"], input="hi\n")
    assert "key=sk-x" in result.stdout
    reasoning = json.dumps({"reasoning": "pondering"})
    result = invoke(["chat", "-m", "echo"], input=reasoning + "\n")
    assert "pondering" in result.stderr
    result = invoke(["chat", "-m", "echo", "-R"], input=reasoning + "\n")
    assert "pondering" not in result.stderr


def test_chat_database_option(invoke, tmp_path, logs_path):
    other = tmp_path / "chat.db"
    invoke(["chat", "-m", "echo", "-d", str(other)], input="hi\n")
    assert [r["prompt"] for r in logged_responses(other)] == ["hi"]
    assert not logs_path.exists()


def test_chat_chain_limit(invoke, mock_model):
    for index in range(3):
        mock_model.enqueue(llm.ToolCall(name="llm_version", tool_call_id=str(index)))
    result = invoke(
        ["chat", "-m", "mock", "-T", "llm_version", "--cl", "1"], input="go\n"
    )
    assert "Error: Chain limit of 1 exceeded." in result.stderr


def test_chat_through_a_pipe(run_llm):
    result = run_llm(["chat", "-m", "echo"], input="piped line\n!multi\na\nb\n!end\n")
    assert result.returncode == 0, result.stderr
    assert '"prompt": "piped line"' in result.stdout
    assert '"prompt": "a\\nb"' in result.stdout


def test_chat_attachment_type_option(invoke, mock_model, tmp_path):
    sound = tmp_path / "sound.bin"
    sound.write_bytes(b"raw audio bytes")
    invoke(["chat", "-m", "mock", "--at", str(sound), "audio/wav"], input="listen\n")
    assert mock_model.prompts[0].attachments[0].resolve_type() == "audio/wav"


def test_history_drops_entries_holding_a_plain_word_key(user_path):
    # Output masking skips plain words so ordinary text survives, but history
    # drops a whole entry: a stored key that is letters only still counts.
    pytest.importorskip("prompt_toolkit")
    from llm.cli.chat_editor import ChatHistory

    (user_path / "keys.json").write_text(json.dumps({"local": "correcthorse"}))
    history = ChatHistory(user_path / "chat_history.txt")
    history.append_string("my key is correcthorse, right?")
    history.append_string("an ordinary question")
    stored = (user_path / "chat_history.txt").read_text()
    assert "correcthorse" not in stored
    assert "an ordinary question" in stored
