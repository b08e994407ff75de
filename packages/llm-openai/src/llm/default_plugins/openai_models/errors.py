"""Turning openai SDK exceptions into ``llm.ModelError`` with the server's own message."""

from __future__ import annotations

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


def model_error(ex: BaseException) -> ModelError:
    """A ModelError describing an openai SDK failure (status, timeout, connection...)."""
    import openai

    error: ModelError
    if isinstance(ex, openai.APIStatusError):
        message = _body_message(ex.body) or ex.message
        error = ModelError(f"{message} (HTTP {ex.status_code})")
        error.status_code = ex.status_code  # type: ignore[attr-defined]
        return error
    if isinstance(ex, openai.APITimeoutError):
        return ModelError(f"Request to {_origin(ex.request)} timed out")
    if isinstance(ex, openai.APIConnectionError):
        cause = ex.__cause__ or ex.__context__
        detail = f": {cause}" if cause and str(cause) else ""
        if cause is None or type(cause).__name__ == "ConnectError":
            return ModelError(f"Could not connect to {_origin(ex.request)}{detail}")
        # The connection was made but broke, e.g. midway through a stream.
        return ModelError(f"Connection to {_origin(ex.request)} failed{detail}")
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
