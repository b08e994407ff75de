"""Sending requests to an OpenAI-compatible API over plain httpx, without the openai SDK.

Importing the SDK costs more than the rest of a prompt put together (its type
tree loads on first use), while the requests and replies are already built
and parsed as plain JSON in our own modules. So our models POST JSON with
httpx and read streamed replies with httpx-sse; the SDK stays for
``get_client()`` and for what only it does (Azure endpoints).

Like the SDK, the defaults come from the environment: ``OPENAI_BASE_URL`` for
models without their own ``api_base``, ``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``
and ``OPENAI_CUSTOM_HEADERS`` (``Name: value`` lines).

Timeouts: the one llm-core asks for (``--timeout``, ``LLM_TIMEOUT``, the
model's ``timeout:``) - a number caps both connecting and waiting for the
reply, a mapping sets ``connect`` and ``read`` separately - else
``LLM_OPENAI_TIMEOUT``; otherwise connecting may take 5 s and waiting for the
reply 600 s. Failures are never retried here: llm-core's retry layer decides.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from llm.errors import ModelError

from . import debug
from .client import env_number, remember_credentials
from .errors import response_error, transport_error

DEFAULT_BASE_URL = "https://api.openai.com/v1"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 600.0


@dataclass(frozen=True)
class Endpoint:
    """Where one model's requests go and the headers they carry."""

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    # seconds for every phase, or {"connect": s, "read": s}; None: the defaults
    timeout: Any = None

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"


def _custom_headers() -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in os.environ.get("OPENAI_CUSTOM_HEADERS", "").split("\n"):
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers[name.strip()] = value.strip()
    return headers


def endpoint(
    *, api_key: str, base_url: str | None = None, headers: dict[str, str] | None = None
) -> Endpoint:
    """The endpoint for a key, an optional base URL and extra headers."""
    from llm.http import user_agent

    merged: dict[str, str] = {"User-Agent": user_agent()}
    for name, variable in (
        ("OpenAI-Organization", "OPENAI_ORG_ID"),
        ("OpenAI-Project", "OPENAI_PROJECT_ID"),
    ):
        value = os.environ.get(variable)
        if value:
            merged[name] = value
    configured = {**_custom_headers(), **(headers or {})}
    remember_credentials(api_key, configured)
    merged.update(_custom_headers())
    merged["Authorization"] = f"Bearer {api_key}"
    merged.update(headers or {})
    base = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
    from llm.retries import requested_timeout

    timeout = requested_timeout()
    if timeout is None:
        timeout = env_number("LLM_OPENAI_TIMEOUT", float)
    return Endpoint(base_url=base.rstrip("/"), headers=merged, timeout=timeout)


def _timeout(endpoint: Endpoint, override: Any = None) -> Any:
    import httpx

    value = override if override is not None else endpoint.timeout
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, dict):
        read = float(value.get("read") or READ_TIMEOUT)
        connect = float(value.get("connect") or min(read, CONNECT_TIMEOUT))
        return httpx.Timeout(read, connect=connect)
    if value is not None:
        return httpx.Timeout(float(value))
    return httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)


def _client_kwargs(endpoint: Endpoint, async_: bool) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if debug.enabled():
        kwargs["event_hooks"] = debug.event_hooks(async_)
    if endpoint.base_url.startswith("http://"):
        # Plain HTTP never needs certificates, and loading them is a third of
        # the client's start-up. Redirects are not followed, so no request
        # made with this client can end up on HTTPS.
        kwargs["verify"] = False
    return kwargs


def _shared_key(kwargs: dict[str, Any], async_: bool) -> tuple[Any, ...]:
    return ("llm-openai", async_, kwargs.get("verify", True), "event_hooks" in kwargs)


@contextmanager
def _client(endpoint: Endpoint) -> Iterator[Any]:
    """An httpx client: the one shared by a batch (``llm.http``), else a new one."""
    import httpx

    from llm.http import shared_client

    kwargs = _client_kwargs(endpoint, False)
    shared = shared_client(_shared_key(kwargs, False), lambda: httpx.Client(**kwargs))
    if shared is not None:
        yield shared
        return
    with httpx.Client(**kwargs) as client:
        yield client


@asynccontextmanager
async def _async_client(endpoint: Endpoint) -> AsyncIterator[Any]:
    """The asyncio twin of ``_client``."""
    import httpx

    from llm.http import shared_client

    kwargs = _client_kwargs(endpoint, True)
    shared = shared_client(
        _shared_key(kwargs, True), lambda: httpx.AsyncClient(**kwargs)
    )
    if shared is not None:
        yield shared
        return
    async with httpx.AsyncClient(**kwargs) as client:
        yield client


# SDK call options that subclasses put in ``build_kwargs()``; not body fields.
_CALL_OPTIONS = ("extra_body", "extra_headers", "extra_query", "timeout")


def request_body(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON actually sent for ``body``: SDK call options removed, ``extra_body`` merged."""
    sent = {key: value for key, value in body.items() if key not in _CALL_OPTIONS}
    sent.update(body.get("extra_body") or {})
    return sent


def _request_options(endpoint: Endpoint, body: dict[str, Any]) -> dict[str, Any]:
    """httpx request options for ``body``.

    ``extra_body``, ``extra_headers``, ``extra_query`` and ``timeout`` are SDK
    call options, not body fields; third-party subclasses put them in
    ``build_kwargs()``, so they are applied here as the SDK would.
    """
    extra_query = body.get("extra_query") or None
    options: dict[str, Any] = {
        "json": request_body(body),
        "timeout": _timeout(endpoint, body.get("timeout")),
        "headers": {**endpoint.headers, **(body.get("extra_headers") or {})},
    }
    if extra_query:
        options["params"] = extra_query
    return options


def _is_event_stream(response: Any) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


def _raise_for_error_body(payload: Any, fallback: str) -> Any:
    """``payload``, unless it is an ``{"error": ...}`` body: some servers send
    those with status 200 (and mid-stream), and they are failures all the same."""
    if isinstance(payload, dict) and payload.get("error"):
        error = payload["error"]
        message = error.get("message") if isinstance(error, dict) else error
        if not isinstance(message, str) or not message:
            message = fallback
        raise ModelError(message)
    return payload


def _event_data(data: str) -> Any:
    """One SSE ``data`` payload; an ``error`` in it fails the stream as the SDK does."""
    try:
        payload = json.loads(data)
    except ValueError as ex:
        raise ModelError(
            f"The API sent an event that is not JSON: {data[:200]!r}"
        ) from ex
    return _raise_for_error_body(payload, "An error occurred during streaming")


def _whole(response: Any) -> Any:
    try:
        payload = response.json()
    except ValueError as ex:
        raise ModelError(f"The API reply is not JSON: {response.text[:200]!r}") from ex
    return _raise_for_error_body(payload, "The API returned an error")


# Each transport function yields ("chunk", dict) for streamed events,
# ("end", None) for the stream's [DONE] marker, and ("whole", dict) for a
# complete reply - which a server may send even when a stream was asked for.


def stream_replies(response: Any) -> Iterator[tuple[str, Any]]:
    """The replies in a streamed httpx ``response``: its events and [DONE], or a whole reply.

    Also reads the raw response of an openai SDK client, so both paths see
    the [DONE] marker (the SDK's own stream ends quietly without it).
    """
    if not _is_event_stream(response):
        response.read()
        yield "whole", _whole(response)
        return
    from httpx_sse import EventSource

    for sse in EventSource(response).iter_sse():
        if sse.data.startswith("[DONE]"):
            yield "end", None
            break
        yield "chunk", _event_data(sse.data)


async def stream_replies_async(response: Any) -> AsyncIterator[tuple[str, Any]]:
    """The asyncio twin of ``stream_replies``."""
    if not _is_event_stream(response):
        await response.aread()
        yield "whole", _whole(response)
        return
    from httpx_sse import EventSource

    async for sse in EventSource(response).aiter_sse():
        if sse.data.startswith("[DONE]"):
            yield "end", None
            break
        yield "chunk", _event_data(sse.data)


@contextmanager
def _translated(endpoint: Endpoint, timeout: Any) -> Iterator[None]:
    import httpx

    try:
        yield
    except httpx.TransportError as ex:
        raise transport_error(ex, endpoint.base_url, timeout) from ex


def send(
    endpoint: Endpoint, path: str, body: dict[str, Any], *, stream: bool
) -> Iterator[tuple[str, Any]]:
    """POST ``body`` to ``path``, yielding the streamed events or the whole reply."""
    options = _request_options(endpoint, body)
    url = endpoint.url(path)
    with _translated(endpoint, options["timeout"]):
        with _client(endpoint) as client:
            with client.stream("POST", url, **options) as response:
                if response.status_code >= 400:
                    response.read()
                    raise response_error(response)
                if stream:
                    yield from stream_replies(response)
                else:
                    response.read()
                    yield "whole", _whole(response)


async def send_async(
    endpoint: Endpoint, path: str, body: dict[str, Any], *, stream: bool
) -> AsyncIterator[tuple[str, Any]]:
    """The asyncio twin of ``send``."""
    options = _request_options(endpoint, body)
    url = endpoint.url(path)
    with _translated(endpoint, options["timeout"]):
        async with _async_client(endpoint) as client:
            async with client.stream("POST", url, **options) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise response_error(response)
                if stream:
                    async for reply in stream_replies_async(response):
                        yield reply
                else:
                    await response.aread()
                    yield "whole", _whole(response)


def request_json(
    endpoint: Endpoint,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    files: Any = None,
    data: Any = None,
) -> Any:
    """Send one request (JSON or a multipart upload) and return its JSON reply."""
    url = endpoint.url(path)
    timeout = _timeout(endpoint)
    with _translated(endpoint, timeout):
        with _client(endpoint) as client:
            response = client.request(
                method,
                url,
                json=json_body,
                files=files,
                data=data,
                timeout=timeout,
                headers=endpoint.headers,
            )
            if response.status_code >= 400:
                raise response_error(response)
            return _whole(response)


def get_json(endpoint: Endpoint, path: str) -> Any:
    """GET ``path`` and return its JSON reply (``/models``, say)."""
    return request_json(endpoint, "GET", path)


def get_lines(endpoint: Endpoint, path: str) -> Iterator[str]:
    """GET ``path`` and yield the lines of its reply as they arrive (a results file)."""
    url = endpoint.url(path)
    timeout = _timeout(endpoint)
    with _translated(endpoint, timeout):
        with _client(endpoint) as client:
            with client.stream(
                "GET", url, timeout=timeout, headers=endpoint.headers
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise response_error(response)
                yield from response.iter_lines()


__all__ = [
    "Endpoint",
    "endpoint",
    "get_json",
    "get_lines",
    "request_body",
    "request_json",
    "send",
    "send_async",
]
