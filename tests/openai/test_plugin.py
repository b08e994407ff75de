"""The plugin registers the right models, lazily, with the right capabilities and options."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import llm
from llm.default_plugins import openai_models
from llm.default_plugins.openai_models import (
    AsyncChat,
    AsyncCompletion,
    AsyncResponses,
    Chat,
    Completion,
    Responses,
)
from llm.plugins import pm


def test_plugin_registered_as_default_plugin():
    plugin = pm.get_plugin("llm.default_plugins.openai_models")
    assert plugin is openai_models
    names = {p["name"]: p for p in llm.get_plugins(all=True)}
    hooks = names["llm.default_plugins.openai_models"]["hooks"]
    assert hooks == [
        "register_batch_providers",
        "register_commands",
        "register_embedding_models",
        "register_models",
        "register_prices",
    ]
    # Default plugins are not listed as installed third-party plugins.
    assert "llm.default_plugins.openai_models" not in {
        p["name"] for p in llm.get_plugins()
    }


def test_loading_plugin_does_not_import_sdk(subprocess_env):
    code = """
import json, sys
import llm
llm.load_plugins()
from llm.default_plugins import openai_models
models = [m.model_id for m in llm.get_models()]
embeds = [m.model_id for m in llm.get_embedding_models()]
print(json.dumps({
    "heavy": [m for m in ("openai", "yaml", "httpx", "httpx2") if m in sys.modules],
    "has_default": "gpt-4o-mini" in models,
    "has_embed": "text-embedding-3-small" in embeds,
}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data == {"heavy": [], "has_default": True, "has_embed": True}


def test_default_model_is_gpt_4o_mini():
    model = llm.get_model()
    assert model.model_id == "gpt-4o-mini"
    assert llm.get_model("4o-mini").model_id == model.model_id
    assert str(model) == "OpenAI Chat: gpt-4o-mini"


@pytest.mark.parametrize(
    "alias,model_id",
    [
        ("4o", "gpt-4o"),
        ("4.1", "gpt-4.1"),
        ("4.1-mini", "gpt-4.1-mini"),
        ("4.1-nano", "gpt-4.1-nano"),
        ("3.5", "gpt-3.5-turbo"),
        ("chatgpt", "gpt-3.5-turbo"),
        ("chatgpt-16k", "gpt-3.5-turbo-16k"),
        ("3.5-16k", "gpt-3.5-turbo-16k"),
        ("4", "gpt-4"),
        ("gpt4", "gpt-4"),
        ("4t", "gpt-4-turbo"),
        ("4-turbo", "gpt-4-turbo"),
        ("gpt-4-turbo-preview", "gpt-4-turbo"),
        ("3.5-instruct", "gpt-3.5-turbo-instruct"),
        ("chatgpt-instruct", "gpt-3.5-turbo-instruct"),
    ],
)
def test_aliases(alias, model_id):
    assert llm.get_model(alias).model_id == model_id
    assert llm.get_async_model(alias).model_id == model_id


def test_model_classes_and_names():
    expected = {
        "gpt-4o": (Chat, AsyncChat, "OpenAI Chat: gpt-4o"),
        "o1": (Responses, AsyncResponses, "OpenAI Responses: o1"),
        "o3-mini": (Responses, AsyncResponses, "OpenAI Responses: o3-mini"),
        "gpt-5": (Responses, AsyncResponses, "OpenAI Responses: gpt-5"),
        "gpt-5.6-luna": (Responses, AsyncResponses, "OpenAI Responses: gpt-5.6-luna"),
        "gpt-3.5-turbo-instruct": (
            Completion,
            AsyncCompletion,
            "OpenAI Completion: gpt-3.5-turbo-instruct",
        ),
    }
    for model_id, (sync_class, async_class, name) in expected.items():
        model = llm.get_model(model_id)
        async_model = llm.get_async_model(model_id)
        assert type(model) is sync_class
        assert type(async_model) is async_class
        assert str(model) == name
        assert str(async_model) == name


def test_every_openai_model_has_sync_and_async():
    entries = [
        e for e in llm.get_models_with_aliases() if str(e.model).startswith("OpenAI ")
    ]
    assert len(entries) >= 40
    for entry in entries:
        assert entry.async_model is not None
        assert entry.async_model.model_id == entry.model_id


def test_capabilities():
    mini = llm.get_model("gpt-4o-mini")
    assert mini.supports_tools and mini.supports_schema and mini.can_stream
    assert {
        "image/png",
        "image/jpeg",
        "image/webp",
        "image/gif",
        "application/pdf",
    } <= set(mini.attachment_types)
    audio = llm.get_model("gpt-4o-audio-preview")
    assert set(audio.attachment_types) == {"audio/wav", "audio/mpeg"}
    assert not llm.get_model("gpt-3.5-turbo").attachment_types
    assert not llm.get_model("gpt-3.5-turbo").supports_schema
    assert not llm.get_model("o3-mini").attachment_types
    assert llm.get_model("o3").reasoning
    instruct = llm.get_model("gpt-3.5-turbo-instruct")
    assert not instruct.supports_tools and not instruct.supports_schema


def _fields(model_id):
    return set(llm.get_model(model_id).Options.model_fields)


SHARED = {
    "temperature",
    "max_tokens",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "stop",
    "logit_bias",
    "seed",
}


def test_options_per_model():
    assert _fields("gpt-3.5-turbo") == SHARED | {"json_object", "service_tier"}
    assert _fields("gpt-4o") == SHARED | {"json_object", "service_tier", "image_detail"}
    assert _fields("o3-mini") == SHARED | {
        "json_object",
        "service_tier",
        "reasoning_effort",
        "chat_completions",
    }
    assert _fields("gpt-5") == SHARED | {
        "json_object",
        "service_tier",
        "reasoning_effort",
        "chat_completions",
        "image_detail",
        "verbosity",
    }
    assert _fields("gpt-3.5-turbo-instruct") == SHARED | {"logprobs"}


def test_option_descriptions():
    from llm.options import describe_options

    rows = {
        name: (kind, text)
        for name, kind, text in describe_options(llm.get_model("gpt-5").Options)
    }
    assert rows["temperature"][0] == "float"
    assert "between 0 and 2" in rows["temperature"][1]
    assert "JSON" in rows["logit_bias"][1]
    assert "reasoning" in rows["reasoning_effort"][1]
    assert all(text for _, text in rows.values())


def test_embedding_models_and_aliases():
    expected = {
        "ada-002": ("text-embedding-ada-002", None),
        "ada": ("text-embedding-ada-002", None),
        "3-small": ("text-embedding-3-small", None),
        "3-large": ("text-embedding-3-large", None),
        "3-small-512": ("text-embedding-3-small", 512),
        "3-large-256": ("text-embedding-3-large", 256),
        "3-large-1024": ("text-embedding-3-large", 1024),
    }
    for alias, (openai_name, dimensions) in expected.items():
        model = llm.get_embedding_model(alias)
        assert model.openai_model_id == openai_name
        assert model.dimensions == dimensions
    assert llm.get_embedding_model("text-embedding-3-large-256").dimensions == 256
    # `oai` is only the alias the docs show a user setting with `llm aliases set`.
    with pytest.raises(llm.UnknownModelError):
        llm.get_embedding_model("oai")


def test_public_names():
    assert set(openai_models.__all__) >= {
        "Chat",
        "AsyncChat",
        "Completion",
        "AsyncCompletion",
        "Responses",
        "AsyncResponses",
        "OpenAIEmbeddingModel",
        "SharedOptions",
        "WebSearch",
        "CodeInterpreter",
        "combine_chunks",
        "not_nulls",
        "redact_data",
    }
    for name in openai_models.__all__:
        assert getattr(openai_models, name) is not None
    with pytest.raises(AttributeError):
        openai_models.NoSuchThing  # noqa: B018
