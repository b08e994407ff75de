"""Building openai SDK clients: base URL, key, headers, retries, timeouts and request logging.

Our own models send requests through the lean ``transport`` module; the SDK
client is what ``get_client()`` returns to third-party subclasses, and what
Azure models and subclasses overriding ``get_client()`` are run with. Nothing
here imports ``openai`` at module level.

Environment variables:

* ``LLM_OPENAI_SHOW_RESPONSES=1`` prints each HTTP request and response to stderr.
* ``LLM_OPENAI_TIMEOUT`` sets the request timeout in seconds, unless llm-core
  asks for one (``--timeout``, ``LLM_TIMEOUT``, a model's ``timeout:``).

The SDK's own retries are off: llm-core retries transient failures for every
model with one policy (``LLM_OPENAI_MAX_RETRIES`` sets the retry count for
OpenAI models, as ``retries:`` in a model's configuration does).
"""

from __future__ import annotations

import os
from typing import Any

from llm.errors import ModelError

from . import debug

# Sent when a model needs no key (a local server, ``llm openai endpoint``
# without --key): the SDK insists on one and servers ignore it. The same
# value the original LLM sends, so proxies that look for it keep working.
NO_KEY_PLACEHOLDER = "DUMMY_KEY"


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
    if kind is float:
        from llm.model_reliability import check_timeout

        try:
            check_timeout(value)
        except ValueError as ex:
            raise ModelError(f"{name}: {ex}") from None
    return value


def configured_retries(own: int | None) -> int | None:
    """An OpenAI model's retry count for llm-core: ``LLM_OPENAI_MAX_RETRIES``, else ``own``."""
    from_env = env_number("LLM_OPENAI_MAX_RETRIES", int)
    return from_env if from_env is not None else own


def client_settings() -> dict[str, Any]:
    """SDK client keyword arguments: no hidden retries, and the timeout asked for.

    llm-core's retry layer is the one retry policy, so the SDK never retries
    on its own.
    """
    from llm.retries import requested_timeout

    settings: dict[str, Any] = {"max_retries": 0}
    timeout = requested_timeout()
    if isinstance(timeout, dict):
        import openai

        read = float(timeout.get("read") or 600)
        timeout = openai.Timeout(read, connect=float(timeout.get("connect") or 5))
    if timeout is None:
        timeout = env_number("LLM_OPENAI_TIMEOUT", float)
    if timeout is not None:
        settings["timeout"] = timeout
    return settings


def remember_credentials(api_key: str, headers: dict[str, str] | None) -> None:
    """Treat the key, and configured headers that carry credentials, as secrets from now on.

    Headers from ``extra-openai-models.yaml`` or ``OPENAI_CUSTOM_HEADERS`` named
    like credentials (``x-api-key``, ``Helicone-Auth``...) hold keys; llm-core
    masks them in errors, logs and debug output.
    """
    from llm.redaction import is_secret_header_name, remember_secret

    if api_key != NO_KEY_PLACEHOLDER:
        remember_secret(api_key)
    for name, value in (headers or {}).items():
        if is_secret_header_name(name):
            remember_secret(value)


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

    remember_credentials(api_key, headers)
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
