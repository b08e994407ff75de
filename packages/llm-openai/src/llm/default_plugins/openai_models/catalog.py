"""The built-in OpenAI models: IDs, aliases and what each one can do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelSpec:
    """One built-in model. ``api`` is "chat", "responses" or "completion"."""

    model_id: str
    aliases: tuple[str, ...] = ()
    api: str = "chat"
    vision: bool = False
    audio: bool = False
    reasoning: bool = False
    supports_tools: bool = True
    supports_schema: bool = True
    verbosity: bool = False
    service_tier: bool = True


def _chat(model_id: str, *aliases: str, **features: Any) -> ModelSpec:
    return ModelSpec(model_id, tuple(aliases), "chat", **features)


def _gpt5(model_id: str) -> ModelSpec:
    return ModelSpec(
        model_id, (), "responses", vision=True, reasoning=True, verbosity=True
    )


def _o(model_id: str, vision: bool = True) -> ModelSpec:
    return ModelSpec(model_id, (), "responses", vision=vision, reasoning=True)


_LEGACY = {"supports_schema": False}

CHAT_MODELS: tuple[ModelSpec, ...] = (
    _chat("gpt-4o", "4o", vision=True),
    _chat("gpt-4o-mini", "4o-mini", vision=True),
    _chat("gpt-4o-audio-preview", audio=True),
    _chat("gpt-4o-audio-preview-2024-12-17", audio=True),
    _chat("gpt-4o-mini-audio-preview", audio=True),
    _chat("gpt-4o-mini-audio-preview-2024-12-17", audio=True),
    _chat("gpt-4.1", "4.1", vision=True),
    _chat("gpt-4.1-mini", "4.1-mini", vision=True),
    _chat("gpt-4.1-nano", "4.1-nano", vision=True),
    _chat("gpt-3.5-turbo", "3.5", "chatgpt", **_LEGACY),
    _chat("gpt-3.5-turbo-16k", "chatgpt-16k", "3.5-16k", **_LEGACY),
    _chat("gpt-4", "4", "gpt4", **_LEGACY),
    _chat("gpt-4-turbo-2024-04-09", vision=True, **_LEGACY),
    _chat(
        "gpt-4-turbo", "gpt-4-turbo-preview", "4-turbo", "4t", vision=True, **_LEGACY
    ),
)

RESPONSES_MODELS: tuple[ModelSpec, ...] = (
    _o("o1"),
    _o("o1-2024-12-17"),
    _o("o3-mini", vision=False),
    _o("o3"),
    _o("o4-mini"),
    *(
        _gpt5(model_id)
        for model_id in (
            "gpt-5",
            "gpt-5-mini",
            "gpt-5-nano",
            "gpt-5-2025-08-07",
            "gpt-5-mini-2025-08-07",
            "gpt-5-nano-2025-08-07",
            "gpt-5.1",
            "gpt-5.2",
            "gpt-5.2-chat-latest",
            "gpt-5.4",
            "gpt-5.4-2026-03-05",
            "gpt-5.4-mini",
            "gpt-5.4-mini-2026-03-17",
            "gpt-5.4-nano",
            "gpt-5.4-nano-2026-03-17",
            "gpt-5.5",
            "gpt-5.5-2026-04-23",
            "gpt-5.6-sol",
            "gpt-5.6-terra",
            "gpt-5.6-luna",
        )
    ),
)

COMPLETION_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "gpt-3.5-turbo-instruct",
        ("3.5-instruct", "chatgpt-instruct"),
        "completion",
        supports_tools=False,
        supports_schema=False,
        service_tier=False,
    ),
)

ALL_MODELS = CHAT_MODELS + RESPONSES_MODELS + COMPLETION_MODELS

# (model_id, OpenAI model name, dimensions, aliases)
EMBEDDING_MODELS: tuple[tuple[str, str, int | None, tuple[str, ...]], ...] = (
    (
        "text-embedding-ada-002",
        "text-embedding-ada-002",
        None,
        ("ada", "ada-002"),
    ),
    ("text-embedding-3-small", "text-embedding-3-small", None, ("3-small",)),
    ("text-embedding-3-large", "text-embedding-3-large", None, ("3-large",)),
    ("text-embedding-3-small-512", "text-embedding-3-small", 512, ("3-small-512",)),
    ("text-embedding-3-large-256", "text-embedding-3-large", 256, ("3-large-256",)),
    ("text-embedding-3-large-1024", "text-embedding-3-large", 1024, ("3-large-1024",)),
)


def model_kwargs(spec: ModelSpec) -> dict[str, Any]:
    """Constructor arguments for a built-in model's classes."""
    return {
        "vision": spec.vision,
        "audio": spec.audio,
        "reasoning": spec.reasoning,
        "supports_tools": spec.supports_tools,
        "supports_schema": spec.supports_schema,
        "verbosity": spec.verbosity,
        "service_tier": spec.service_tier,
    }


def register_builtin_models(register: Callable[..., Any]) -> None:
    """Register every built-in model, sync and async."""
    from .chat import AsyncChat, Chat
    from .completion import AsyncCompletion, Completion
    from .responses import AsyncResponses, Responses

    classes = {
        "chat": (Chat, AsyncChat),
        "responses": (Responses, AsyncResponses),
        "completion": (Completion, AsyncCompletion),
    }
    for spec in ALL_MODELS:
        sync_class, async_class = classes[spec.api]
        kwargs = model_kwargs(spec)
        if spec.api == "completion":
            kwargs["default_max_tokens"] = 256
        register(
            sync_class(spec.model_id, **kwargs),
            async_class(spec.model_id, **kwargs),
            aliases=spec.aliases,
        )


def register_builtin_embedding_models(register: Callable[..., Any]) -> None:
    from .embeddings import OpenAIEmbeddingModel

    for model_id, openai_name, dimensions, aliases in EMBEDDING_MODELS:
        register(
            OpenAIEmbeddingModel(model_id, openai_name, dimensions), aliases=aliases
        )
