"""Turning HTTP failures into ``llm.ModelError`` with the server's own message.

``http_error`` serves the lean httpx transport, ``model_error`` the openai SDK
(Azure models, subclasses that bring their own client); both say the same
thing for the same failure and record ``status_code`` and ``retry_after`` on
the error for callers that decide whether to try again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from llm.errors import ModelError


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
        return body.strip()
    return None


def retry_after_seconds(headers: Any) -> float | None:
    """The wait a server asks for in ``retry-after-ms`` or ``retry-after`` (seconds), if any."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(float(raw_ms) / 1000, 0.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if raw:
        try:
            return max(float(raw), 0.0)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                when = parsedate_to_datetime(raw)
            except (TypeError, ValueError):
                return None
            import time

            return max(when.timestamp() - time.time(), 0.0)
    return None


def status_error(
    status_code: int, body: Any, headers: Any, fallback: str | None = None
) -> ModelError:
    """A ModelError for an HTTP error reply, carrying its status and Retry-After."""
    message = _body_message(body) or fallback or f"HTTP error {status_code}"
    error = ModelError(f"{message} (HTTP {status_code})")
    error.status_code = status_code  # type: ignore[attr-defined]
    error.retry_after = retry_after_seconds(headers)  # type: ignore[attr-defined]
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


def transport_error(ex: BaseException, request: Any) -> ModelError:
    """A ModelError for a timeout, refused connection or broken stream."""
    name = type(ex).__name__
    origin = _origin(request)
    detail = f": {ex}" if str(ex) else ""
    if "Timeout" in name:
        return ModelError(f"Request to {origin} timed out")
    if name == "ConnectError":
        return ModelError(f"Could not connect to {origin}{detail}")
    # The connection was made but broke, e.g. midway through a stream.
    return ModelError(f"Connection to {origin} failed{detail}")


def model_error(ex: BaseException) -> ModelError:
    """A ModelError describing an openai SDK failure (status, timeout, connection...)."""
    import openai

    if isinstance(ex, openai.APIStatusError):
        return status_error(ex.status_code, ex.body, ex.response.headers, ex.message)
    if isinstance(ex, openai.APITimeoutError):
        return ModelError(f"Request to {_origin(ex.request)} timed out")
    if isinstance(ex, openai.APIConnectionError):
        cause = ex.__cause__ or ex.__context__
        if cause is None:
            return ModelError(f"Could not connect to {_origin(ex.request)}")
        return transport_error(cause, ex.request)
    if isinstance(ex, openai.APIError):
        return ModelError(_body_message(ex.body) or ex.message)
    return ModelError(str(ex) or type(ex).__name__)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise openai SDK exceptions as ModelError."""
    import openai

    try:
        yield
    except openai.OpenAIError as ex:
        raise model_error(ex) from ex
