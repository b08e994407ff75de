"""``llm chat`` on a real pseudo-terminal: the line editor, history and Ctrl-C.

Keys are sent as a terminal sends them (``\\r`` for Enter, ``\\x1b\\r`` for
Alt-Enter, bracketed-paste markers around a paste); Ctrl-C while a reply
streams is a real SIGINT raised by the terminal. What was sent to the model is
read back from the logs database.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

pytest.importorskip("pexpect")
pytest.importorskip("pyte")

from .terminal import Screen, spawn, terminal_env  # noqa: E402

ENTER = "\r"
ALT_ENTER = "\x1b\r"
UP = "\x1b[A"
TAB = "\t"
CTRL_C = "\x03"
CTRL_D = "\x04"
CTRL_R = "\x12"


@pytest.fixture
def env(subprocess_env):
    # No cursor-position requests: pexpect is not a terminal that answers them.
    return terminal_env(subprocess_env, PROMPT_TOOLKIT_NO_CPR="1")


def chat(env, replies, *args) -> Screen:
    return Screen(spawn(env, replies, ["chat", "-m", "mock", *args]))


def sent(user_path) -> list[tuple[str, str | None]]:
    """(prompt, status) of every logged response, oldest first."""
    conn = sqlite3.connect(str(user_path / "logs.db"))
    try:
        return conn.execute(
            "select r.prompt, x.status from responses r "
            "left join response_extras x on x.response_id = r.id order by r.id"
        ).fetchall()
    finally:
        conn.close()


def history_entries(user_path) -> list[str]:
    from prompt_toolkit.history import FileHistory

    path = user_path / "chat_history.txt"
    if not path.exists():
        return []
    return list(reversed(list(FileHistory(str(path)).load_history_strings())))


def write_history(user_path, *entries: str) -> None:
    from prompt_toolkit.history import FileHistory

    history = FileHistory(str(user_path / "chat_history.txt"))
    for entry in entries:
        history.store_string(entry)


def test_round_trip_rendered_then_ctrl_d_exits_cleanly(env, user_path):
    screen = chat(env, [["**Bold** answer"]])
    screen.wait_for_prompt(1)
    assert "Alt-Enter for a new line, Up or Ctrl-R for history" in screen.text()
    screen.child.send("hello" + ENTER)
    screen.wait_for_prompt(2)
    assert "Bold answer" in screen.lines()  # rendered: no asterisks
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    # The shell's prompt would start on a fresh line.
    assert screen.screen.cursor.x == 0 and screen.cursor_line() == ""
    assert sent(user_path) == [("hello", None)]


def test_history_persists_across_chats(env, user_path):
    screen = chat(env, [["one"]])
    screen.wait_for_prompt(1)
    screen.child.send("first message" + ENTER)
    screen.wait_for_prompt(2)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert history_entries(user_path) == ["first message"]
    assert (user_path / "chat_history.txt").stat().st_mode & 0o777 == 0o600

    screen = chat(env, [["two"]])
    screen.wait_for_prompt(1)
    screen.child.send(UP)
    screen.wait(lambda: screen.cursor_line() == "> first message", "recalled line")
    screen.child.send(ENTER)
    screen.wait_for_prompt(2)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert [prompt for prompt, _ in sent(user_path)] == ["first message"] * 2
    assert history_entries(user_path) == ["first message"]  # no repeat stored


def test_ctrl_r_searches_history(env, user_path):
    write_history(user_path, "alpha question", "beta question")
    screen = chat(env, [["found"]])
    screen.wait_for_prompt(1)
    screen.child.send(CTRL_R)
    screen.wait_for("reverse-i-search")
    screen.child.send("alp")
    screen.wait_for("alpha question")
    screen.child.send(ENTER)  # take the match into the line
    screen.wait(lambda: screen.cursor_line() == "> alpha question", "the match")
    screen.child.send(ENTER)
    screen.wait_for_prompt(2)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert sent(user_path) == [("alpha question", None)]


def test_pasted_block_is_one_message(env, user_path):
    screen = chat(env, [["got it"]])
    screen.wait_for_prompt(1)
    screen.child.send("\x1b[200~line one\nline two\nline three\x1b[201~")
    screen.wait_for("line three")
    screen.child.send(ENTER)
    screen.wait_for_prompt(2)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert sent(user_path) == [("line one\nline two\nline three", None)]
    assert history_entries(user_path) == ["line one\nline two\nline three"]


def test_alt_enter_starts_a_new_line(env, user_path):
    screen = chat(env, [["ok"]])
    screen.wait_for_prompt(1)
    screen.child.send("first" + ALT_ENTER + "second" + ENTER)
    screen.wait_for_prompt(2)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert sent(user_path) == [("first\nsecond", None)]


def test_tab_completes_commands_and_multi_still_works(env, user_path):
    screen = chat(env, [["ok"]])
    screen.wait_for_prompt(1)
    screen.child.send("!mu" + TAB)
    screen.wait(lambda: screen.cursor_line() == "> !multi", "completion")
    screen.child.send(ENTER)
    screen.wait(lambda: screen.cursor_line() == "", "a block line")
    screen.child.send("inside" + ENTER)
    screen.child.send("the block" + ENTER)
    screen.child.send("!end" + ENTER)
    screen.wait_for_prompt(2)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert sent(user_path) == [("inside\nthe block", None)]
    # The block is one history entry; !multi and !end are not kept.
    assert history_entries(user_path) == ["inside\nthe block"]


def test_fragment_aliases_complete(env, user_path, run_llm, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text("fragment text")
    assert run_llm(["fragments", "set", "mydocs", str(doc)]).returncode == 0
    screen = chat(env, [["ok"]])
    screen.wait_for_prompt(1)
    screen.child.send("!fragment myd" + TAB)
    screen.wait(lambda: screen.cursor_line() == "> !fragment mydocs", "alias")
    screen.child.send(ALT_ENTER + "summarise" + ENTER)
    screen.wait_for_prompt(2)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert sent(user_path) == [("summarise", None)]


def test_end_recalled_from_history_is_not_sent(env, user_path):
    write_history(user_path, "!end")  # as an older version may have stored it
    screen = chat(env, [])
    screen.wait_for_prompt(1)
    screen.child.send(UP)
    screen.wait(lambda: screen.cursor_line() == "> !end", "recalled !end")
    screen.child.send(ENTER)
    screen.wait_for("Not in a !multi block: '!end' was not sent")
    screen.wait_for_prompt(2)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert not (user_path / "logs.db").exists() or sent(user_path) == []


def test_ctrl_c_stops_the_answer_and_returns_to_the_prompt(env, user_path):
    words = [f"word{n} " for n in range(200)]
    screen = chat(env, [words, ["second answer"]], "-o", "delay", "0.05")
    screen.wait_for_prompt(1)
    screen.child.send("tell me" + ENTER)
    screen.wait_for("word5")
    screen.child.sendintr()  # the terminal's Ctrl-C: a real SIGINT
    screen.wait_for("Interrupted")
    screen.wait_for_prompt(2)
    assert "word199" not in screen.text()
    screen.child.send("again" + ENTER)
    screen.wait_for("second answer")
    screen.wait_for_prompt(3)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert "Traceback" not in screen.text()
    assert sent(user_path) == [("tell me", "interrupted"), ("again", None)]


def test_ctrl_c_clears_the_line_then_leaves(env, user_path):
    screen = chat(env, [])
    screen.wait_for_prompt(1)
    screen.child.send("half typed")
    screen.wait(lambda: screen.cursor_line() == "> half typed", "typing")
    screen.child.send(CTRL_C)
    screen.wait(lambda: screen.cursor_line() == ">", "a cleared line")
    assert not screen.ended
    screen.child.send(CTRL_C)
    assert screen.wait_for_exit() == 0
    assert screen.screen.cursor.x == 0 and screen.cursor_line() == ""
    assert not (user_path / "logs.db").exists() or sent(user_path) == []


def test_keys_never_reach_the_history(env, user_path):
    (user_path / "keys.json").write_text(json.dumps({"openai": "stored-key-value-1"}))
    screen = chat(env, [["a"], ["b"], ["c"]])
    screen.wait_for_prompt(1)
    screen.child.send("is sk-abcdefghijklmnopqrstuvwxyz0123 valid?" + ENTER)
    screen.wait_for_prompt(2)
    screen.child.send("try stored-key-value-1" + ENTER)
    screen.wait_for_prompt(3)
    screen.child.send("an ordinary question" + ENTER)
    screen.wait_for_prompt(4)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert len(sent(user_path)) == 3  # all of them went to the model
    assert history_entries(user_path) == ["an ordinary question"]
    stored = (user_path / "chat_history.txt").read_text()
    assert "sk-abc" not in stored and "stored-key-value-1" not in stored


def test_edit_keeps_the_edited_message_in_history(env, user_path, tmp_path):
    import sys

    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\nopen(sys.argv[1], 'w').write('written in the editor\\n')\n"
    )
    env["VISUAL"] = env["EDITOR"] = f"{sys.executable} {editor}"
    screen = chat(env, [["ok"]])
    screen.wait_for_prompt(1)
    screen.child.send("!edit" + ENTER)
    screen.wait_for_prompt(2)
    screen.child.send(CTRL_D)
    assert screen.wait_for_exit() == 0
    assert sent(user_path) == [("written in the editor", None)]
    # Up recalls what was sent, not the command that opened the editor.
    assert history_entries(user_path) == ["written in the editor"]
