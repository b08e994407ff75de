"""``llm batch`` with OpenAI models: concurrent requests, rate limits, and the Batch API."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

import llm
from llm.pricing import format_dollars

from .fake_server import chat_reply, error_reply, rate_limited, responses_reply

cli_module = pytest.importorskip("llm.cli")


def run(args, **kwargs):
    return CliRunner().invoke(cli_module.cli, args, **kwargs)


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def logged(user_path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(str(user_path / "logs.db"))
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def rows_file(tmp_path):
    def write(*rows: dict) -> str:
        path = tmp_path / "rows.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
        return str(path)

    return write


def test_local_batch_sends_one_request_per_row(server, rows_file, user_path):
    server.chat(*(chat_reply(f"answer {n}") for n in range(6)))
    path = rows_file(*({"id": f"r{n}", "prompt": f"question {n}"} for n in range(6)))
    result = run(["batch", path, "-m", "4o-mini", "--parallel", "3", "-s", "Be brief"])
    assert result.exit_code == 0, result.output
    found = lines(result.stdout)
    assert [o["id"] for o in found] == [f"r{n}" for n in range(6)]
    # Replies were handed out as requests arrived; each row got the one its request did.
    bodies = {
        r.body["messages"][1]["content"]: r.body
        for r in server.requests_to("chat/completions")
    }
    assert set(bodies) == {f"question {n}" for n in range(6)}
    assert all(body["stream"] is False for body in bodies.values())
    assert all(body["messages"][0]["content"] == "Be brief" for body in bodies.values())
    assert sorted(o["response"] for o in found) == [f"answer {n}" for n in range(6)]
    assert found[0]["usage"] == {"input": 10, "output": 5}
    # gpt-4o-mini has a shipped price: each row and the summary say what it cost.
    assert all(o["cost"] > 0 for o in found)
    total = sum(o["cost"] for o in found)
    assert (
        f"6 done, 0 failed, 60 input and 30 output tokens, {format_dollars(total)}, "
        in result.stderr
    )
    assert logged(user_path, "select count(*) from batch_responses") == [(6,)]


def test_rate_limits_are_waited_out_not_failed(server, rows_file, retry_waits):
    server.chat(
        rate_limited("7"), rate_limited("7"), *(chat_reply("ok") for _ in range(4))
    )
    path = rows_file(*({"prompt": f"q{n}"} for n in range(4)))
    result = run(["batch", path, "-m", "4o-mini", "--parallel", "4", "--retries", "3"])
    assert result.exit_code == 0, result.output
    assert [o["response"] for o in lines(result.stdout)] == ["ok"] * 4
    assert retry_waits.count(7.0) >= 2
    assert len(server.requests_to("chat/completions")) == 6


def test_a_row_failing_for_good_does_not_stop_the_others(server, rows_file):
    server.chat(error_reply(400, "Bad prompt"), chat_reply("fine"))
    path = rows_file({"prompt": "a"}, {"prompt": "b"})
    result = run(["batch", path, "-m", "4o-mini", "--parallel", "1"])
    assert result.exit_code == 1
    assert [(o["response"], o["error"]) for o in lines(result.stdout)] == [
        (None, "Bad prompt (HTTP 400)"),
        ("fine", None),
    ]
    assert "Error: Line 1: Bad prompt (HTTP 400)" in result.stderr


def submit(path, *args):
    result = run(["batch", path, "-m", "4o-mini", "--provider-batch", *args])
    return result, result.stdout.strip()


def test_provider_batch_submit_status_and_fetch(server, rows_file, user_path):
    server.batch_api.polls_before_done = 2
    server.chat(chat_reply("first"), error_reply(400, "Too long"), chat_reply("third"))
    path = rows_file(
        {"id": "a", "prompt": "one"},
        {"id": "b", "prompt": "two", "system": "Be terse"},
        {"id": "c", "prompt": "three"},
    )
    result, batch_id = submit(path, "-o", "temperature", "0.2")
    assert result.exit_code == 0, result.output
    assert "Submitted 3 prompts to openai as batch_1" in result.stderr
    # The uploaded file holds the requests a live call would send, unstreamed.
    upload = server.requests_to("files")[0]
    assert b'name="purpose"' in upload.raw and b"batch" in upload.raw
    (created,) = server.requests_to("batches")
    assert created.body["endpoint"] == "/v1/chat/completions"
    assert created.body["completion_window"] == "24h"
    requests = [
        json.loads(line)
        for line in server.batch_api.files[created.body["input_file_id"]].splitlines()
    ]
    assert [r["custom_id"] for r in requests] == ["a", "b", "c"]
    assert requests[1]["url"] == "/v1/chat/completions"
    assert requests[1]["body"] == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be terse"},
            {"role": "user", "content": "two"},
        ],
        "stream": False,
        "temperature": 0.2,
    }
    assert server.requests_to("chat/completions") == []

    status = run(["batch", "status", batch_id])
    assert "Provider: in_progress: 0 of 3 done" in status.stdout
    early = run(["batch", "fetch", batch_id])
    assert early.exit_code == 1
    assert "has not finished: in_progress" in early.stderr
    assert "add --wait" in early.stderr

    fetched = run(["batch", "fetch", batch_id, "--wait", "--interval", "60"])
    assert fetched.exit_code == 1  # row b failed
    found = lines(fetched.stdout)
    assert [(o["id"], o["response"], o["error"]) for o in found] == [
        ("a", "first", None),
        ("b", None, "Too long (HTTP 400)"),
        ("c", "third", None),
    ]
    assert found[0]["usage"] == {"input": 10, "output": 5}
    assert "Batch " in fetched.stderr and "2 done, 1 failed" in fetched.stderr
    # Each answer is logged like a normal prompt, tagged with the batch.
    logs = json.loads(run(["logs", "--batch", batch_id, "--json"]).stdout)
    assert [(r["prompt"], r["system"], r["response"]) for r in logs] == [
        ("one", None, "first"),
        ("three", None, "third"),
    ]
    assert logs[0]["options_json"] == {"temperature": 0.2}
    # OpenAI bills its Batch API at half price, and so the answers are costed.
    from llm.pricing import TokenCounts, compute_cost

    live = compute_cost(TokenCounts(input=10, output=5), llm.get_price("gpt-4o-mini"))
    assert found[0]["cost"] == pytest.approx(live.total / 2)
    assert logs[0]["cost_usd"] == pytest.approx(live.total / 2)
    assert logs[0]["cost_details"]["batch_discount"] == 0.5
    # Fetching again writes the same output without asking the provider.
    asked = len(server.requests)
    again = run(["batch", "fetch", batch_id])
    assert again.stdout == fetched.stdout
    assert len(server.requests) == asked
    assert logged(user_path, "select count(*) from responses") == [(2,)]


def test_provider_batch_with_a_schema_and_the_responses_api(server, rows_file):
    server.batch_api.polls_before_done = 0
    server.responses(
        responses_reply(
            {
                "type": "message",
                "id": "m",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {
                        "type": "output_text",
                        "text": '{"name": "Ada"}',
                        "annotations": [],
                    }
                ],
            }
        )
    )
    path = rows_file({"prompt": "Who?"})
    result = run(["batch", path, "-m", "o3", "--provider-batch", "--schema", "name,"])
    assert result.exit_code == 0, result.output
    (created,) = server.requests_to("batches")
    assert created.body["endpoint"] == "/v1/responses"
    fetched = run(["batch", "fetch", result.stdout.strip()])
    (output,) = lines(fetched.stdout)
    assert output["data"] == {"name": "Ada"}


def test_provider_batch_rows_without_an_answer(server, rows_file):
    server.batch_api.polls_before_done = 0
    server.batch_api.final_status = "expired"
    server.batch_api.answer_limit = 1
    path = rows_file({"prompt": "a"}, {"prompt": "b"})
    _, batch_id = submit(path)
    fetched = run(["batch", "fetch", batch_id])
    assert [o["error"] for o in lines(fetched.stdout)] == [
        None,
        "No result from openai (the batch ended as expired)",
    ]
    assert fetched.exit_code == 1


def test_a_batch_the_provider_rejected(server, rows_file):
    server.batch_api.polls_before_done = 0
    server.batch_api.final_status = "failed"
    server.batch_api.answer_limit = 0
    server.batch_api.batch_errors = [{"code": "x", "message": "Bad file", "line": 1}]
    _, batch_id = submit(rows_file({"prompt": "a"}))
    fetched = run(["batch", "fetch", batch_id])
    assert fetched.exit_code == 1
    assert f"Error: Batch {batch_id} failed: Bad file" in fetched.stderr


def test_provider_batch_refuses_tools_and_bad_rows_are_kept(server, rows_file):
    path = rows_file({"prompt": "a"})
    tools = run(["batch", path, "-m", "4o-mini", "--provider-batch", "-T", "llm_time"])
    assert tools.exit_code == 1
    assert "--provider-batch cannot run tools" in tools.stderr
    path = rows_file({"prompt": "a"}, {"nothing": 1})
    result, batch_id = submit(path)
    assert result.exit_code == 1
    assert "Error: Line 2: no 'prompt' field" in result.stderr
    assert "Submitted 1 prompts" in result.stderr
    server.batch_api.polls_before_done = 0
    fetched = run(["batch", "fetch", batch_id])
    assert [o["error"] for o in lines(fetched.stdout)] == [
        None,
        "Line 2: no 'prompt' field (choose the field with --column)",
    ]


def test_provider_batch_refuses_a_repeated_id(server, rows_file):
    # The provider matches answers to rows by id: a repeat is never sent.
    path = rows_file({"id": "x", "prompt": "a"}, {"id": "x", "prompt": "b"})
    result, batch_id = submit(path)
    assert result.exit_code == 1
    assert 'Error: Line 2: id "x" is already used by the row on line 1' in result.stderr
    assert "Submitted 1 prompts" in result.stderr
    server.batch_api.polls_before_done = 0
    fetched = run(["batch", "fetch", batch_id])
    assert [(o["id"], o["error"]) for o in lines(fetched.stdout)] == [("x", None)]


def test_provider_batch_sends_output_to_fetch(server, rows_file, tmp_path):
    out = tmp_path / "out.jsonl"
    args = ["batch", rows_file({"prompt": "a"}), "-m", "4o-mini", "--provider-batch"]
    result = run([*args, "--output", str(out)])
    assert result.exit_code == 1
    assert "give --output to 'llm batch fetch ID'" in result.stderr
    assert server.requests_to("files") == []
    result, batch_id = submit(rows_file({"prompt": "a"}))
    server.batch_api.polls_before_done = 0
    fetched = run(["batch", "fetch", batch_id, "--output", str(out)])
    assert fetched.exit_code == 0, fetched.output
    assert [o["response"] for o in lines(out.read_text())] == [
        "Hello from the fake server"
    ]


def test_nothing_to_submit(server, rows_file):
    result = run(["batch", rows_file({"x": 1}), "-m", "4o-mini", "--provider-batch"])
    assert result.exit_code == 1
    assert "No rows could be sent" in result.stderr
    assert server.requests_to("files") == []


def test_models_without_a_batch_api(server, rows_file):
    result = run(
        ["batch", rows_file({"prompt": "a"}), "-m", "echo", "--provider-batch"]
    )
    assert result.exit_code == 1
    assert "No provider batch API is available for model echo" in result.stderr


def test_the_openai_provider_supports_only_plain_openai_models():
    from llm.default_plugins.openai_models import Chat
    from llm.default_plugins.openai_models.batch_api import OpenAIBatchProvider

    provider = OpenAIBatchProvider()
    assert provider.supports(llm.get_model("gpt-4o-mini"))
    assert not provider.supports(Chat("azure-thing", api_type="azure"))

    class Custom(Chat):
        def get_client(self, key, *, async_=False):
            raise AssertionError

    assert not provider.supports(Custom("custom"))
    assert not provider.supports(llm.get_model("echo"))


def test_provider_batch_keeps_fragments_and_attachments(server, rows_file, tmp_path):
    server.batch_api.polls_before_done = 0
    context = tmp_path / "context.txt"
    context.write_text("Background facts")
    image = tmp_path / "dot.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    path = rows_file({"id": "a", "prompt": "Describe", "attachments": [str(image)]})
    result, batch_id = submit(path, "-f", str(context))
    assert result.exit_code == 0, result.output
    (created,) = server.requests_to("batches")
    (line,) = server.batch_api.files[created.body["input_file_id"]].splitlines()
    content = json.loads(line)["body"]["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "Background facts\nDescribe"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")
    fetched = run(["batch", "fetch", batch_id])
    assert fetched.exit_code == 0, fetched.output
    (record,) = json.loads(run(["logs", "--batch", batch_id, "--json"]).stdout)
    assert record["prompt"] == "Describe"
    assert [f["content"] for f in record["prompt_fragments"]] == ["Background facts"]
    assert record["attachments"][0]["type"] == "image/png"
