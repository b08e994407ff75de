"""Building openai SDK clients: base URL, key, headers, retries, timeouts and request logging.

Nothing here imports ``openai`` at module level; the SDK is loaded when a
client is first needed.

Environment variables:

* ``LLM_OPENAI_SHOW_RESPONSES=1`` prints each HTTP request and response to stderr.
* ``LLM_OPENAI_MAX_RETRIES`` overrides how often the SDK retries 429/5xx errors.
* ``LLM_OPENAI_TIMEOUT`` sets the request timeout in seconds.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from llm.errors import ModelError

# Sent when a model needs no key: the SDK insists on one, the server ignores it.
NO_KEY_PLACEHOLDER = "none"


def _env_number(name: str, kind: type) -> Any:
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
    retries = _env_number("LLM_OPENAI_MAX_RETRIES", int)
    if retries is not None:
        settings["max_retries"] = retries
    timeout = _env_number("LLM_OPENAI_TIMEOUT", float)
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
    if os.environ.get("LLM_OPENAI_SHOW_RESPONSES"):
        kwargs["http_client"] = logging_http_client(async_)
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


# --- LLM_OPENAI_SHOW_RESPONSES ---------------------------------------------


def _print(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _redact_headers(headers: Any) -> list[str]:
    lines = []
    for name, value in headers.items():
        if name.lower() in ("authorization", "api-key"):
            value = "[redacted]"
        lines.append(f"  {name}: {value}")
    return lines


def _describe_request(request: Any) -> str:
    lines = [
        f"Request: {request.method} {request.url}",
        *_redact_headers(request.headers),
    ]
    body = request.content
    if body:
        text = body.decode("utf-8", errors="replace")
        try:
            text = json.dumps(json.loads(text), indent=2)
        except ValueError:
            pass
        lines.append(text)
    return "\n".join(lines)


def _describe_response(response: Any) -> str:
    return "\n".join(
        [
            f"Response: status_code={response.status_code}",
            *_redact_headers(response.headers),
        ]
    )


def _stream_classes(response: Any) -> tuple[type, type]:
    """The SyncByteStream/AsyncByteStream of whichever httpx the SDK uses."""
    module = sys.modules[type(response).__module__.split(".")[0]]
    return module.SyncByteStream, module.AsyncByteStream


def logging_http_client(async_: bool) -> Any:
    """An SDK-compatible HTTP client that echoes requests and response bodies to stderr.

    Response bodies are printed as they stream, so SSE output stays incremental.
    """
    import openai

    def tee_sync(response: Any) -> None:
        sync_base, _ = _stream_classes(response)
        inner = response.stream

        class Tee(sync_base):  # type: ignore[misc, valid-type]
            def __iter__(self) -> Any:
                for chunk in inner:
                    sys.stderr.write(chunk.decode("utf-8", errors="replace"))
                    sys.stderr.flush()
                    yield chunk
                sys.stderr.write("\n")

            def close(self) -> None:
                inner.close()

        response.stream = Tee()

    def tee_async(response: Any) -> None:
        _, async_base = _stream_classes(response)
        inner = response.stream

        class Tee(async_base):  # type: ignore[misc, valid-type]
            async def __aiter__(self) -> Any:
                async for chunk in inner:
                    sys.stderr.write(chunk.decode("utf-8", errors="replace"))
                    sys.stderr.flush()
                    yield chunk
                sys.stderr.write("\n")

            async def aclose(self) -> None:
                await inner.aclose()

        response.stream = Tee()

    if async_:

        async def on_request_async(request: Any) -> None:
            _print(_describe_request(request))

        async def on_response_async(response: Any) -> None:
            _print(_describe_response(response))
            tee_async(response)

        return openai.DefaultAsyncHttpxClient(
            event_hooks={
                "request": [on_request_async],
                "response": [on_response_async],
            }
        )

    def on_request(request: Any) -> None:
        _print(_describe_request(request))

    def on_response(response: Any) -> None:
        _print(_describe_response(response))
        tee_sync(response)

    return openai.DefaultHttpxClient(
        event_hooks={"request": [on_request], "response": [on_response]}
    )
