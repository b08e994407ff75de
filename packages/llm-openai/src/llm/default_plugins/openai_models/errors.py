"""Turning HTTP failures into ``llm.ModelError`` with the server's own message.

``response_error`` and ``transport_error`` serve the lean httpx transport,
``model_error`` the openai SDK (Azure models, subclasses that bring their own
client); both say the same thing for the same failure. Rate limits, server
errors, timeouts and broken connections are ``llm.TransientError`` (with
``status_code`` and ``retry_after``), which llm-core's retry layer retries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from llm.errors import ModelError, ModelTimeoutError, TransientError

# Longest plain-text error body quoted in a message.
MAX_TEXT = 300


def _origin(request: Any) -> str:
    try:
        url = request.url
        port = f":{url.port}" if url.port else ""
        return f"{url.scheme}://{url.host}{port}"
    except Exception:  # requests missing or of an unexpected shape
        return "the API"


def _body_message(body: Any) -> str | None:
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = error.get("message")
            if isinstance(message, str) and message:
                return message
        elif isinstance(error, str) and error:
            return error
    elif isinstance(body, str) and body.strip():
        text = body.strip()
        if text.startswith("<"):
            # A proxy's HTML error page (nginx, Cloudflare): its title, if any,
            # says all the markup would.
            title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
            if title is None:
                return None
            return " ".join(title.group(1).split()) or None
        text = " ".join(text.split())
        return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."
    return None


def status_error(
    status_code: int, body: Any, headers: Any, fallback: str | None = None
) -> ModelError:
    """The error for an HTTP error reply: transient (429, 5xx) or not, with status and Retry-After."""
    from llm.retries import TRANSIENT_STATUSES, retry_after_seconds

    message = _body_message(body) or fallback or f"HTTP error {status_code}"
    message = f"{message} (HTTP {status_code})"
    if status_code in TRANSIENT_STATUSES:
        return TransientError(
            message,
            status_code=status_code,
            retry_after=retry_after_seconds(headers),
        )
    error = ModelError(message)
    error.status_code = status_code  # type: ignore[attr-defined]
    error.retry_after = None  # type: ignore[attr-defined]
    return error


def response_error(response: Any) -> ModelError:
    """A ModelError for an httpx response with an error status (body already read)."""
    text = response.text
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text
    return status_error(
        response.status_code, body, response.headers, response.reason_phrase
    )


def _seconds(value: float) -> str:
    return f"{value:g}"


def transport_error(ex: BaseException, origin: str, timeout: Any = None) -> ModelError:
    """The error for a timeout, refused connection or broken stream (transient), or a bad URL.

    ``origin`` is the API base URL; ``timeout`` the httpx.Timeout in force, so
    a timeout names how long was waited.
    """
    name = type(ex).__name__
    detail = f": {ex}" if str(ex) else ""
    if "Timeout" in name:
        phase = {"ConnectTimeout": "connect", "WriteTimeout": "write"}.get(name, "read")
        if name == "PoolTimeout":
            phase = "pool"
        seconds = getattr(timeout, phase, None)
        if isinstance(seconds, (int, float)):
            return ModelTimeoutError(
                f"No response from {origin} within {_seconds(seconds)} s",
                url=origin,
                seconds=float(seconds),
            )
        return ModelTimeoutError(f"No response from {origin}", url=origin)
    if name == "ConnectError":
        return TransientError(f"Could not connect to {origin}{detail}")
    if name in ("UnsupportedProtocol", "LocalProtocolError"):
        # Our side of the request is wrong (an API base without http://, a
        # header that cannot be sent): trying again cannot help.
        return ModelError(f"Could not send a request to {origin}{detail}")
    # The connection was made but broke, e.g. midway through a stream.
    return TransientError(f"Connection to {origin} failed{detail}")


def client_origin(client: Any) -> str | None:
    """The API base an SDK client sends to, as written in the configuration."""
    base_url = getattr(client, "base_url", None)
    return str(base_url).rstrip("/") if base_url is not None else None


def check_client_url(client: Any) -> None:
    """Fail at once, as the lean transport does, when the API base has no http(s)://."""
    base_url = getattr(client, "base_url", None)
    if base_url is not None and getattr(base_url, "scheme", "") not in (
        "http",
        "https",
    ):
        raise ModelError(
            f"Could not send a request to {client_origin(client)}: Request URL is "
            "missing an 'http://' or 'https://' protocol."
        )


def _client_timeout(client: Any) -> Any:
    """The SDK client's timeout as an httpx.Timeout (what ``transport_error`` reads)."""
    import httpx

    timeout = getattr(client, "timeout", None)
    if hasattr(timeout, "read") and hasattr(timeout, "connect"):
        return timeout  # an httpx.Timeout, or its twin from the SDK's httpx fork
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        return httpx.Timeout(float(timeout))
    return None


def model_error(ex: BaseException, client: Any = None) -> ModelError:
    """A ModelError describing an openai SDK failure (status, timeout, connection...).

    With the ``client`` that failed, a timeout names how long was waited and
    the API base is named as configured, as on the lean transport.
    """
    import openai

    if isinstance(ex, openai.APIStatusError):
        return status_error(ex.status_code, ex.body, ex.response.headers, ex.message)
    if isinstance(ex, openai.APIConnectionError):
        origin = client_origin(client) or _origin(ex.request)
        cause = ex.__cause__ or ex.__context__
        if isinstance(ex, openai.APITimeoutError):
            return transport_error(
                cause if cause is not None else ex, origin, _client_timeout(client)
            )
        if cause is None:
            return TransientError(f"Could not connect to {origin}")
        return transport_error(cause, origin)
    if isinstance(ex, openai.APIError):
        return ModelError(_body_message(ex.body) or ex.message)
    return ModelError(str(ex) or type(ex).__name__)


class SdkCall:
    """What ``translate_errors`` knows of the call it guards: the client, once made."""

    client: Any = None


@contextmanager
def translate_errors() -> Iterator[SdkCall]:
    """Re-raise openai SDK exceptions as ModelError; set ``.client`` on what it yields.

    A raw streamed reply raises its HTTP library's own errors when the
    connection breaks; they are described as the lean transport describes them.
    """
    import openai

    call = SdkCall()
    try:
        yield call
    except openai.OpenAIError as ex:
        raise model_error(ex, call.client) from ex
    except Exception as ex:
        if not _is_transport_error(ex):
            raise
        origin = client_origin(call.client) or "the API"
        raise transport_error(ex, origin, _client_timeout(call.client)) from ex


def _is_transport_error(ex: BaseException) -> bool:
    # By name: the SDK may use httpx or a fork of it (httpx2) under the hood.
    return any(cls.__name__ == "TransportError" for cls in type(ex).__mro__)
