"""``LLM_OPENAI_SHOW_RESPONSES=1``: echo every HTTP request and response to stderr.

The hooks work with any httpx-style client (plain httpx for the lean path, the
SDK's own client otherwise). Keys are redacted; response bodies are printed as
they arrive, so a streamed reply stays incremental.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def enabled() -> bool:
    """Whether the user asked to see HTTP traffic."""
    return bool(os.environ.get("LLM_OPENAI_SHOW_RESPONSES"))


def _print(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _redact_headers(headers: Any) -> list[str]:
    lines = []
    for name, value in headers.items():
        if name.lower() in ("authorization", "api-key"):
            value = "[redacted]"
        lines.append(f"  {name}: {value}")
    return lines


def describe_request(request: Any) -> str:
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


def describe_response(response: Any) -> str:
    return "\n".join(
        [
            f"Response: status_code={response.status_code}",
            *_redact_headers(response.headers),
        ]
    )


def _stream_classes(response: Any) -> tuple[type, type]:
    """The SyncByteStream/AsyncByteStream of whichever httpx module made ``response``."""
    module = sys.modules[type(response).__module__.split(".")[0]]
    return module.SyncByteStream, module.AsyncByteStream


def _tee_sync(response: Any) -> None:
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


def _tee_async(response: Any) -> None:
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


def event_hooks(async_: bool) -> dict[str, list[Any]]:
    """httpx ``event_hooks`` that print requests, response headers and bodies."""
    if async_:

        async def on_request_async(request: Any) -> None:
            _print(describe_request(request))

        async def on_response_async(response: Any) -> None:
            _print(describe_response(response))
            _tee_async(response)

        return {"request": [on_request_async], "response": [on_response_async]}

    def on_request(request: Any) -> None:
        _print(describe_request(request))

    def on_response(response: Any) -> None:
        _print(describe_response(response))
        _tee_sync(response)

    return {"request": [on_request], "response": [on_response]}
