"""Settings changed by many ``llm`` processes at once are all kept.

Each process imports the CLI, then waits for a shared start signal, so their
read-modify-write cycles of the same JSON file overlap as much as possible.
"""

from __future__ import annotations

import json
import subprocess
import sys

WAIT_THEN_RUN = """
import json, os, sys, time
from llm.cli import main
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.001)
sys.argv = ["llm", *json.loads(sys.argv[2])]
main()
"""


def run_together(subprocess_env, tmp_path, commands: list[list[str]]) -> None:
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WAIT_THEN_RUN, str(go), json.dumps(args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=subprocess_env,
        )
        for args in commands
    ]
    go.touch()
    # Every process is waited for before any is judged, so a failure leaves none behind.
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr.decode()


def test_parallel_keys_set_keeps_every_key(subprocess_env, user_path, tmp_path):
    names = [f"z{n}" for n in range(10)]
    run_together(
        subprocess_env,
        tmp_path,
        [["keys", "set", name, "--value", f"secret-{name}"] for name in names],
    )
    stored = json.loads((user_path / "keys.json").read_text())
    assert {k: v for k, v in stored.items() if not k.startswith("//")} == {
        name: f"secret-{name}" for name in names
    }
    # The lock file sits beside keys.json; no temporary files are left over.
    leftovers = {p.name for p in user_path.iterdir()}
    assert leftovers == {"keys.json", "keys.json.lock"}


def test_parallel_aliases_fallbacks_and_options_keep_every_change(
    subprocess_env, user_path, tmp_path
):
    commands = []
    models = ["mock", "echo", "keyed", "legacy"]
    # Each falls back to the next: models of the test plugin, present wherever
    # llm-cli's tests run (gpt-4o-mini needs llm-openai).
    fallback = {model: models[(n + 1) % len(models)] for n, model in enumerate(models)}
    for n, model in enumerate(models):
        commands.append(["aliases", "set", f"a{n}", "echo"])
        commands.append(["models", "fallbacks", "set", model, fallback[model]])
        commands.append(["models", "options", "set", "mock", "temperature", f"0.{n}"])
    run_together(subprocess_env, tmp_path, commands)
    aliases = json.loads((user_path / "aliases.json").read_text())
    assert aliases == {f"a{n}": "echo" for n in range(4)}
    fallbacks = json.loads((user_path / "fallbacks.json").read_text())
    assert fallbacks == {model: [fallback[model]] for model in models}
    options = json.loads((user_path / "model_options.json").read_text())
    assert list(options) == ["mock"]
    assert options["mock"]["temperature"] in {f"0.{n}" for n in range(4)}
