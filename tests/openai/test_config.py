"""Keys and ``extra-openai-models.yaml``: which key goes where, and every config field."""

from __future__ import annotations

import pytest

import llm

from .fake_server import chat_reply, completion_reply, message_item, responses_reply


def test_stored_key_used(server, store_keys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    store_keys(openai="sk-stored")
    llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert server.last.authorization == "Bearer sk-stored"


def test_env_var_used_when_no_stored_key(server):
    llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert server.last.authorization == "Bearer sk-test"


def test_stored_key_beats_env_and_explicit_alias_beats_both(server, store_keys):
    store_keys(openai="sk-stored", other="sk-other")
    llm.get_model("gpt-4o-mini").prompt("hi").text()
    assert server.last.authorization == "Bearer sk-stored"
    llm.get_model("gpt-4o-mini").prompt("hi", key="other").text()
    assert server.last.authorization == "Bearer sk-other"


def test_model_key_attribute(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    model = llm.get_model("gpt-4o-mini")
    model.key = "sk-attribute"
    try:
        model.prompt("hi").text()
    finally:
        del model.key
    assert server.last.authorization == "Bearer sk-attribute"


def test_extra_model_all_fields(server, write_extra_models, store_keys):
    store_keys(openai="sk-openai", custom="sk-custom")
    write_extra_models(
        [
            {
                "model_id": "my-model",
                "model_name": "upstream-name",
                "aliases": ["mm", 7],
                "api_base": server.base_url,
                "api_key_name": "custom",
                "headers": {
                    "X-Title": "LLM",
                    "HTTP-Referer": "https://llm.datasette.io/",
                },
                "supports_tools": True,
                "supports_schema": True,
                "vision": True,
                "audio": True,
            }
        ]
    )
    model = llm.get_model("mm")
    assert model.model_id == "my-model"
    assert llm.get_model("7").model_id == "my-model"
    assert str(model) == "OpenAI Chat: my-model"
    assert llm.get_async_model("my-model").model_id == "my-model"
    assert model.supports_tools and model.supports_schema
    assert {"image/png", "audio/wav", "application/pdf"} <= set(model.attachment_types)
    model.prompt("hi").text()
    request = server.last
    assert request.body["model"] == "upstream-name"
    assert request.authorization == "Bearer sk-custom"
    assert request.headers["x-title"] == "LLM"
    assert request.headers["http-referer"] == "https://llm.datasette.io/"


def test_api_base_without_key_name_never_sends_openai_key(
    server, write_extra_models, store_keys
):
    store_keys(openai="sk-must-not-leak")  # and OPENAI_API_KEY=sk-test is set too
    write_extra_models(
        [{"model_id": "local", "model_name": "llama", "api_base": server.base_url}]
    )
    model = llm.get_model("local")
    assert model.needs_key is None
    model.prompt("hi").text()
    assert server.last.authorization == "Bearer DUMMY_KEY"
    # An explicit key (or the name of a stored one) is still honoured.
    model.prompt("hi", key="sk-explicit").text()
    assert server.last.authorization == "Bearer sk-explicit"


def test_custom_key_name_does_not_fall_back_to_openai_env(server, write_extra_models):
    write_extra_models(
        [{"model_id": "gw", "api_base": server.base_url, "api_key_name": "gateway"}]
    )
    with pytest.raises(llm.NeedsKeyException, match="llm keys set gateway"):
        llm.get_model("gw").prompt("hi").text()
    assert server.requests == []


def test_extra_model_without_api_base_uses_openai_key(server, write_extra_models):
    write_extra_models([{"model_id": "gpt-new", "aliases": ["new"]}])
    llm.get_model("new").prompt("hi").text()
    assert server.last.authorization == "Bearer sk-test"
    assert server.last_body["model"] == "gpt-new"


def test_extra_completion_and_responses_models(server, write_extra_models):
    write_extra_models(
        [
            {"model_id": "instruct-x", "model_name": "inst", "completion": True},
            {
                "model_id": "resp-x",
                "model_name": "resp",
                "responses": True,
                "reasoning": True,
            },
        ]
    )
    completion = llm.get_model("instruct-x")
    assert str(completion) == "OpenAI Completion: instruct-x"
    server.completions(completion_reply("done"))
    assert completion.prompt("go").text() == "done"
    assert server.last.path == "/v1/completions"

    reasoning = llm.get_model("resp-x")
    assert str(reasoning) == "OpenAI Responses: resp-x"
    assert "reasoning_effort" in reasoning.Options.model_fields
    server.responses(responses_reply(message_item("ok")))
    reasoning.prompt("go", reasoning_effort="low").text()
    assert server.last.path == "/v1/responses"
    assert server.last_body["reasoning"] == {"effort": "low", "summary": "auto"}


def test_service_tier_and_flags(server, write_extra_models):
    write_extra_models(
        [
            {"model_id": "plain"},
            {"model_id": "tiered", "service_tier": True, "can_stream": False},
        ]
    )
    assert "service_tier" not in llm.get_model("plain").Options.model_fields
    tiered = llm.get_model("tiered")
    assert "service_tier" in tiered.Options.model_fields
    assert tiered.can_stream is False
    tiered.prompt("hi", service_tier="flex").text()
    assert server.last_body["service_tier"] == "flex"
    assert server.last_body["stream"] is False


def test_malformed_yaml_warns_and_builtins_still_load(write_extra_models, capsys):
    path = write_extra_models("- model_id: broken\n  aliases: [unclosed\n")
    ids = [m.model_id for m in llm.get_models()]
    assert "gpt-4o-mini" in ids
    assert "broken" not in ids
    err = capsys.readouterr().err
    # One readable line: what is wrong and where.
    (line,) = err.splitlines()
    assert line.startswith(f"Warning: {path} is not valid YAML (")
    assert "at line 3, column 1); no extra models loaded" in line


def test_bad_entries_skipped_others_load(write_extra_models, capsys):
    path = write_extra_models(
        [
            {"model_id": "good-one"},
            {"model_name": "no-id"},
            "just a string",
            {"model_id": "bad-flag", "vision": "yes please"},
            {"model_id": "good-two", "aliases": ["g2"]},
        ]
    )
    ids = [m.model_id for m in llm.get_models()]
    assert "good-one" in ids and "good-two" in ids
    assert "bad-flag" not in ids
    err = capsys.readouterr().err
    assert err.count(str(path)) == 3
    assert f"Warning: {path} entry 2 skipped: model_id is required\n" in err
    assert "entry 4 skipped: vision must be true or false" in err


def test_yaml_truthy_flags(server, write_extra_models, capsys):
    # completion: 1 (or yes, on...) works like completion: true, as in the original.
    write_extra_models(
        "- model_id: inst-1\n  completion: 1\n"
        "- model_id: resp-yes\n  responses: yes\n  reasoning: 'true'\n"
        "- model_id: chat-0\n  completion: 0\n  vision: 'off'\n"
    )
    assert str(llm.get_model("inst-1")) == "OpenAI Completion: inst-1"
    server.completions(completion_reply("done"))
    assert llm.get_model("inst-1").prompt("go").text() == "done"
    assert server.last.path == "/v1/completions"
    resp = llm.get_model("resp-yes")
    assert str(resp) == "OpenAI Responses: resp-yes" and resp.reasoning is True
    chat = llm.get_model("chat-0")
    assert str(chat) == "OpenAI Chat: chat-0" and chat.vision is False
    assert capsys.readouterr().err == ""


def test_yaml_not_a_list(write_extra_models, capsys):
    write_extra_models("model_id: oops\n")
    assert "gpt-4o" in [m.model_id for m in llm.get_models()]
    assert "should contain a list" in capsys.readouterr().err


def test_yaml_file_with_real_yaml_syntax(server, write_extra_models):
    write_extra_models(
        f"""
- model_id: orca-openai-compat
  model_name: orca-mini-3b.ggmlv3
  api_base: "{server.base_url}"
  aliases: ["orca"]
"""
    )
    server.chat(chat_reply("Orca says hi"))
    assert llm.get_model("orca").prompt("hi").text() == "Orca says hi"
    assert server.last_body["model"] == "orca-mini-3b.ggmlv3"


def test_azure_configuration(server, write_extra_models, store_keys):
    store_keys(azure="az-key")
    write_extra_models(
        [
            {
                "model_id": "azure-4o",
                "model_name": "gpt-4o",
                "api_base": server.url,
                "api_type": "azure",
                "api_version": "2024-10-21",
                "api_engine": "deploy1",
                "api_key_name": "azure",
            }
        ]
    )
    path = "openai/deployments/deploy1/chat/completions"
    server.enqueue(path, chat_reply("From Azure"))
    assert llm.get_model("azure-4o").prompt("hi").text() == "From Azure"
    request = server.last
    assert request.path == f"/{path}?api-version=2024-10-21"
    assert request.headers["api-key"] == "az-key"
    assert request.body["model"] == "gpt-4o"


def test_model_added_to_extra_models_yaml_is_seen_in_the_same_process(user_path):
    assert llm.get_model("gpt-4o-mini").model_id == "gpt-4o-mini"
    with pytest.raises(llm.UnknownModelError):
        llm.get_model("added-later")
    # Written directly, as a user editing the file while a notebook runs would.
    (user_path / "extra-openai-models.yaml").write_text(
        "- model_id: added-later\n  model_name: upstream\n  api_base: http://127.0.0.1:9/v1\n"
    )
    assert llm.get_model("added-later").model_id == "added-later"
