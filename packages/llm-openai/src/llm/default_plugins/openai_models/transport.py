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
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from llm.errors import ModelError

from . import debug
from .client import env_number
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
    kwargs: dict[str, Any] = {"headers": endpoint.headers}
    if debug.enabled():
        kwargs["event_hooks"] = debug.event_hooks(async_)
    if endpoint.base_url.startswith("http://"):
        # Plain HTTP never needs certificates, and loading them is a third of
        # the client's start-up. Redirects are not followed, so no request
        # made with this client can end up on HTTPS.
        kwargs["verify"] = False
    return kwargs


def _request_options(endpoint: Endpoint, body: dict[str, Any]) -> dict[str, Any]:
    """httpx request options for ``body``.

    ``extra_body``, ``extra_headers``, ``extra_query`` and ``timeout`` are SDK
    call options, not body fields; third-party subclasses put them in
    ``build_kwargs()``, so they are applied here as the SDK would.
    """
    body = dict(body)
    extra_body = body.pop("extra_body", None) or {}
    extra_headers = body.pop("extra_headers", None) or {}
    extra_query = body.pop("extra_query", None) or None
    timeout = body.pop("timeout", None)
    body.update(extra_body)
    options: dict[str, Any] = {
        "json": body,
        "timeout": _timeout(endpoint, timeout),
    }
    if extra_headers:
        options["headers"] = extra_headers
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


# Each transport function yields ("chunk", dict) for streamed events and
# ("whole", dict) for a complete reply - which a server may send even when a
# stream was asked for.


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
    import httpx

    options = _request_options(endpoint, body)
    url = endpoint.url(path)
    with _translated(endpoint, options["timeout"]):
        with httpx.Client(**_client_kwargs(endpoint, False)) as client:
            with client.stream("POST", url, **options) as response:
                if response.status_code >= 400:
                    response.read()
                    raise response_error(response)
                if stream and _is_event_stream(response):
                    from httpx_sse import EventSource

                    for sse in EventSource(response).iter_sse():
                        if sse.data.startswith("[DONE]"):
                            break
                        yield "chunk", _event_data(sse.data)
                else:
                    response.read()
                    yield "whole", _whole(response)


async def send_async(
    endpoint: Endpoint, path: str, body: dict[str, Any], *, stream: bool
) -> AsyncIterator[tuple[str, Any]]:
    """The asyncio twin of ``send``."""
    import httpx

    options = _request_options(endpoint, body)
    url = endpoint.url(path)
    with _translated(endpoint, options["timeout"]):
        async with httpx.AsyncClient(**_client_kwargs(endpoint, True)) as client:
            async with client.stream("POST", url, **options) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise response_error(response)
                if stream and _is_event_stream(response):
                    from httpx_sse import EventSource

                    async for sse in EventSource(response).aiter_sse():
                        if sse.data.startswith("[DONE]"):
                            break
                        yield "chunk", _event_data(sse.data)
                else:
                    await response.aread()
                    yield "whole", _whole(response)


def get_json(endpoint: Endpoint, path: str) -> Any:
    """GET ``path`` and return its JSON reply (``/models``, say)."""
    import httpx

    url = endpoint.url(path)
    timeout = _timeout(endpoint)
    with _translated(endpoint, timeout):
        with httpx.Client(**_client_kwargs(endpoint, False)) as client:
            response = client.get(url, timeout=timeout)
            if response.status_code >= 400:
                raise response_error(response)
            return _whole(response)


__all__ = ["Endpoint", "endpoint", "get_json", "send", "send_async"]
