"""The lean HTTP path: what goes on the wire without the openai SDK, and when the SDK is still used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import llm
from llm.default_plugins.openai_models import Chat

from .conftest import needs_embeddings, run_async
from .fake_server import Reply, chat_reply, error_reply

PROBE = """
import json, sys
from llm.cli import main
sys.argv = ["llm", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
print("MODULES" + json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args,path",
    [
        (["-m", "gpt-4o-mini", "hi"], "/v1/chat/completions"),
        (["embed", "-m", "3-small", "-c", "x"], "/v1/embeddings"),
    ],
)
def test_prompt_and_embed_never_import_the_sdk(server, subprocess_env, args, path):
    if args[0] == "embed":
        needs_embeddings()
    subprocess_env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-test")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=60,
    )
    stderr, _, modules = result.stderr.rpartition("MODULES")
    assert stderr == ""
    assert result.stdout.strip(), args
    loaded = {name.split(".")[0] for name in json.loads(modules)}
    assert "openai" not in loaded, args
    assert "httpx" in loaded
    # httpx's own command line, and the rich it loads, are not needed.
    assert not {"rich", "pygments"} & loaded, args
    assert [r.path for r in server.requests] == [path]


def test_headers_from_environment_and_model(server, write_extra_models, monkeypatch):
    monkeypatch.setenv("OPENAI_ORG_ID", "org-1")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-1")
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "X-One: 1\nX-Two: env\nnonsense")
    write_extra_models(
        [
            {
                "model_id": "custom",
                "api_base": server.base_url,
                "api_key_name": "openai",
                "headers": {"X-Two": "model"},
            }
        ]
    )
    llm.get_model("custom").prompt("hi").text()
    headers = server.last.headers
    assert headers["authorization"] == "Bearer sk-test"
    assert headers["openai-organization"] == "org-1"
    assert headers["openai-project"] == "proj-1"
    assert headers["x-one"] == "1"
    assert headers["x-two"] == "model"
    assert headers["user-agent"].startswith("llm/")


def test_sdk_call_options_from_build_kwargs(server):
    class Extras(Chat):
        def build_kwargs(self, prompt, stream):
            kwargs = super().build_kwargs(prompt, stream)
            kwargs["extra_body"] = {"provider": {"order": ["a"]}}
            kwargs["extra_headers"] = {"X-Extra": "yes"}
            kwargs["extra_query"] = {"trace": "1"}
            kwargs["timeout"] = 30
            return kwargs

    Extras("m", api_base=server.base_url).prompt("hi").text()
    request = server.last
    assert request.path == "/v1/chat/completions?trace=1"
    assert request.headers["x-extra"] == "yes"
    assert request.body["provider"] == {"order": ["a"]}
    assert not {"extra_body", "extra_headers", "extra_query", "timeout"} & set(
        request.body
    )


def test_whole_reply_to_a_streamed_request(server):
    """Some compatible servers ignore ``stream`` and answer with one JSON body."""

    def whole(request):
        reply = chat_reply("All at once")(
            type(request)(request.method, request.path, request.headers, {})
        )
        return reply

    server.chat(whole)
    response = llm.get_model("gpt-4o-mini").prompt("hi")
    assert response.text() == "All at once"
    assert server.last_body["stream"] is True
    assert response.usage().input == 10


def test_overridden_get_client_runs_through_the_sdk(server):
    seen = []

    class OwnClient(Chat):
        def get_client(self, key, *, async_=False):
            seen.append(async_)
            return super().get_client(key, async_=async_)

    model = OwnClient("m", api_base=server.base_url)
    assert model.lean_endpoint(None) is None
    server.chat(chat_reply("Via the SDK"), error_reply(401, "No"))
    assert model.prompt("hi").text() == "Via the SDK"
    assert seen == [False]
    assert "x-stainless-lang" in server.last.headers
    with pytest.raises(llm.ModelError) as info:
        model.prompt("again").text()
    assert str(info.value) == "No (HTTP 401)"
    assert info.value.status_code == 401


def test_lean_requests_carry_no_sdk_headers(server):
    llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert "x-stainless-lang" not in server.last.headers


def test_get_client_still_returns_an_sdk_client(server):
    import openai

    model = llm.get_model("gpt-4o-mini")
    with model.get_client(None) as client:
        assert isinstance(client, openai.OpenAI)
        assert str(client.base_url).rstrip("/") == server.base_url


def test_async_stream_and_not_json_reply(server):
    server.chat(chat_reply("Async lean"), Reply(text="upstream exploded", status=200))

    async def go():
        model = llm.get_async_model("gpt-4o-mini")
        first = await model.prompt("hi").text()
        try:
            await model.prompt("again", stream=False).text()
        except llm.ModelError as ex:
            return first, str(ex)
        return first, None

    first, error = run_async(go())
    assert first == "Async lean"
    assert error == "The API reply is not JSON: 'upstream exploded'"


def test_sdk_clients_do_not_retry_on_their_own(server):
    with llm.get_model("gpt-4o-mini").get_client(None) as client:
        assert client.max_retries == 0
