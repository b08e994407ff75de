"""Building openai SDK clients: base URL, key, headers, retries, timeouts and request logging.

Our own models send requests through the lean ``transport`` module; the SDK
client is what ``get_client()`` returns to third-party subclasses, and what
Azure models and subclasses overriding ``get_client()`` are run with. Nothing
here imports ``openai`` at module level.

Environment variables:

* ``LLM_OPENAI_SHOW_RESPONSES=1`` prints each HTTP request and response to stderr.
* ``LLM_OPENAI_MAX_RETRIES`` overrides how often the SDK retries 429/5xx errors.
* ``LLM_OPENAI_TIMEOUT`` sets the request timeout in seconds.
"""

from __future__ import annotations

import os
from typing import Any

from llm.errors import ModelError

from . import debug

# Sent when a model needs no key: the SDK insists on one, the server ignores it.
NO_KEY_PLACEHOLDER = "none"


def env_number(name: str, kind: type) -> Any:
    """A non-negative number from environment variable ``name``, or None when unset."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = kind(raw)
    except ValueError:
        raise ModelError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ModelError(f"{name} must not be negative, got {raw!r}")
    return value


def client_settings() -> dict[str, Any]:
    """SDK client keyword arguments that come from the environment."""
    settings: dict[str, Any] = {}
    retries = env_number("LLM_OPENAI_MAX_RETRIES", int)
    if retries is not None:
        settings["max_retries"] = retries
    timeout = env_number("LLM_OPENAI_TIMEOUT", float)
    if timeout is not None:
        settings["timeout"] = timeout
    return settings


def make_client(
    *,
    api_key: str,
    base_url: str | None = None,
    headers: dict[str, str] | None = None,
    async_: bool = False,
    api_type: str | None = None,
    api_version: str | None = None,
    api_engine: str | None = None,
) -> Any:
    """An ``openai.OpenAI`` (or async / Azure) client configured for one model."""
    import openai

    kwargs: dict[str, Any] = {"api_key": api_key, **client_settings()}
    if headers:
        kwargs["default_headers"] = dict(headers)
    if debug.enabled():
        hooks = debug.event_hooks(async_)
        http_client: Any = (
            openai.DefaultAsyncHttpxClient if async_ else openai.DefaultHttpxClient
        )
        kwargs["http_client"] = http_client(event_hooks=hooks)
    if api_type == "azure":
        if api_version:
            kwargs["api_version"] = api_version
        if base_url:
            kwargs["azure_endpoint"] = base_url
        if api_engine:
            kwargs["azure_deployment"] = api_engine
        azure: Any = openai.AsyncAzureOpenAI if async_ else openai.AzureOpenAI
        return azure(**kwargs)
    if base_url:
        kwargs["base_url"] = base_url
    cls = openai.AsyncOpenAI if async_ else openai.OpenAI
    return cls(**kwargs)
