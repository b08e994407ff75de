"""Third-party plugins subclass Chat/AsyncChat/Completion the way llm-openrouter & co. do."""

from __future__ import annotations

import json
from typing import Optional

import pytest
from pydantic import Field

import llm
from llm.default_plugins.openai_models import (
    AsyncChat,
    Chat,
    Completion,
    _attachment,
    combine_chunks,
    not_nulls,
    remove_dict_none_values,
)
from llm.parts import StreamEvent
from llm.plugins import pm

from .conftest import run_async
from .fake_server import chat_reply, completion_reply


class _RouterMixin:
    needs_key = "router"
    key_env_var = "ROUTER_KEY"

    class Options(Chat.Options):
        provider: Optional[str] = Field(default=None, description="Upstream provider")
        online: Optional[bool] = Field(default=None, description="Search the web")

    def build_kwargs(self, prompt, stream):
        kwargs = super().build_kwargs(prompt, stream)
        kwargs.pop("provider", None)
        kwargs.pop("online", None)
        extra_body = {}
        if prompt.options.provider:
            extra_body["provider"] = {"order": [prompt.options.provider]}
        if prompt.options.online:
            extra_body["plugins"] = [{"id": "web"}]
        if extra_body:
            kwargs["extra_body"] = extra_body
        return kwargs

    def __str__(self):
        return f"Router: {self.model_id}"


class RouterChat(_RouterMixin, Chat):
    pass


class AsyncRouterChat(_RouterMixin, AsyncChat):
    pass


def make_router(server):
    kwargs = dict(
        model_id="router/claude",
        model_name="anthropic/claude",
        api_base=server.base_url,
        headers={"X-Title": "LLM"},
        vision=True,
        supports_schema=True,
        supports_tools=True,
    )
    return RouterChat(**kwargs), AsyncRouterChat(**kwargs)


class RouterPlugin:
    def __init__(self, server):
        self.server = server

    @llm.hookimpl
    def register_models(self, register):
        sync_model, async_model = make_router(self.server)
        register(sync_model, async_model, aliases=("claude",))


def test_registered_third_party_subclass(server, store_keys, monkeypatch):
    store_keys(openai="sk-openai", router="sk-router")
    plugin = RouterPlugin(server)
    pm.register(plugin, name="router-test")
    try:
        model = llm.get_model("claude")
        assert str(model) == "Router: router/claude"
        assert {"provider", "online", "temperature", "json_object"} <= set(
            model.Options.model_fields
        )
        model.prompt("hi", provider="anthropic", online=True, temperature=0.2).text()
        request = server.last
        assert request.authorization == "Bearer sk-router"
        assert request.headers["x-title"] == "LLM"
        assert request.body["model"] == "anthropic/claude"
        assert request.body["provider"] == {"order": ["anthropic"]}
        assert request.body["plugins"] == [{"id": "web"}]
        assert request.body["temperature"] == 0.2
        assert "online" not in request.body

        async def go():
            response = llm.get_async_model("claude").prompt("hi", provider="x")
            return await response.text()

        assert run_async(go()) == "Hello from the fake server"
        assert server.last_body["provider"] == {"order": ["x"]}
        assert server.last.authorization == "Bearer sk-router"
    finally:
        pm.unregister(name="router-test")


def test_router_key_from_env(server, monkeypatch):
    monkeypatch.setenv("ROUTER_KEY", "sk-env-router")
    sync_model, _ = make_router(server)
    sync_model.prompt("hi").text()
    assert server.last.authorization == "Bearer sk-env-router"


def test_positional_constructor_and_model_name_property(server):
    class LiteChat(Chat):
        needs_key = None

        def __init__(self, model_id, model_name, api_base, **kwargs):
            self._model_name = model_name
            super().__init__(model_id, api_base=api_base, **kwargs)
            self._model_name = model_name

        @property
        def model_name(self):
            return self._model_name

        @model_name.setter
        def model_name(self, value):
            self._model_name = value

    model = LiteChat("lite/x", "upstream-x", server.base_url)
    model.prompt("hi").text()
    assert server.last_body["model"] == "upstream-x"


def test_class_level_key_and_constructor_key(server):
    class LocalServer(Chat):
        model_id = "llama-server"
        key = "sk-llama-server"
        needs_key = None

        def __init__(self, **kwargs):
            super().__init__(
                model_name="llama-server",
                model_id=self.model_id,
                api_base=server.base_url,
                **kwargs,
            )

    LocalServer().prompt("hi").text()
    assert server.last.authorization == "Bearer sk-llama-server"

    class Anaconda(Chat):
        needs_key = ""

        def __init__(self, model_id):
            super().__init__(
                model_id, key="none", model_name=model_id, api_base=server.base_url
            )

    Anaconda("quant").prompt("hi").text()
    assert server.last.authorization == "Bearer none"  # the key it was given


def test_options_replaced_on_instance(server):
    class ThinkingOptions(Chat.Options):
        thinking_type: Optional[str] = "enabled"

    class ZChat(Chat):
        needs_key = None

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.Options = ThinkingOptions

        def build_kwargs(self, prompt, stream):
            kwargs = super().build_kwargs(prompt, stream)
            thinking = kwargs.pop("thinking_type", None)
            kwargs.setdefault("extra_body", {})["thinking"] = {"type": thinking}
            return kwargs

    model = ZChat(model_id="glm", api_base=server.base_url, reasoning=False)
    model.prompt("hi").text()
    assert server.last_body["thinking"] == {"type": "enabled"}


def test_custom_execute_using_helpers(server):
    """A DeepSeek-style subclass with its own execute() and build_messages()."""

    class DeepChat(Chat):
        needs_key = None

        def build_messages(self, prompt, conversation, image_detail=None):
            messages = super().build_messages(prompt, conversation)
            for message in messages:
                if message["role"] == "assistant":
                    message["reasoning_content"] = "kept"
            return messages

        def execute(self, prompt, stream, response, conversation=None, key=None):
            messages = self.build_messages(prompt, conversation)
            kwargs = self.build_kwargs(prompt, stream)
            client = self.get_client(key)
            chunks = []
            usage = None
            for chunk in client.chat.completions.create(
                model=self.model_name or self.model_id,
                messages=messages,
                stream=True,
                **kwargs,
            ):
                chunks.append(chunk)
                if chunk.usage:
                    usage = chunk.usage.model_dump()
                reasoning = (
                    getattr(chunk.choices[0].delta, "reasoning_content", None)
                    if chunk.choices
                    else None
                )
                if reasoning:
                    yield StreamEvent(type="reasoning", chunk=reasoning)
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
            client.close()
            response.response_json = remove_dict_none_values(combine_chunks(chunks))
            self.set_usage(response, usage)

    server.chat(
        chat_reply("Deep answer", reasoning_content="pondering"), chat_reply("Again")
    )
    model = DeepChat(
        "deepseek-chat", model_name="deepseek-chat", api_base=server.base_url
    )
    response = model.prompt("q")
    assert response.text() == "Deep answer"
    assert response.reasoning == "pondering"
    assert response.usage().input == 10
    assert response.json()["content"] == "Deep answer"
    assert response.json()["reasoning_content"] == "pondering"
    response.reply("more").text()
    assert server.last_body["messages"][1]["reasoning_content"] == "kept"


def test_allows_system_prompt_false(server):
    model = Chat("no-system", api_base=server.base_url, allows_system_prompt=False)
    model.needs_key = None
    with pytest.raises(llm.UnsupportedFeatureError, match="system prompts"):
        model.prompt("hi", system="nope").text()
    assert server.requests == []


def test_completion_subclass(server):
    class LocalCompletion(Completion):
        needs_key = None

    server.completions(completion_reply("finished"))
    model = LocalCompletion(
        "local-complete", model_name="base-model", api_base=server.base_url
    )
    assert model.prompt("start").text() == "finished"
    assert str(model) == "OpenAI Completion: local-complete"
    assert server.last_body["model"] == "base-model"


def test_helper_functions():
    assert not_nulls({"a": 1, "b": None}) == {"a": 1}
    assert not_nulls(Chat.Options(temperature=0.5)) == {"temperature": 0.5}
    image = _attachment(
        llm.Attachment(type="image/png", url="https://x/y.png"), image_detail="low"
    )
    assert image == {
        "type": "image_url",
        "image_url": {"url": "https://x/y.png", "detail": "low"},
    }
    assert json.loads(json.dumps(combine_chunks([])))["content"] == ""
