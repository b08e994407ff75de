"""Echo HTTP traffic to stderr: what ``LLM_OPENAI_SHOW_RESPONSES`` prints.

``logging_event_hooks()`` gives httpx event hooks that print each request
(credential headers and every known key redacted, see ``llm.redaction``;
JSON bodies indented) and each response, whose body is printed line by line
as it streams, so SSE output stays incremental and a key the server repeats
is masked even when it arrives split across two network chunks.
``logging_client()`` is an httpx client with those hooks, for plugins
(``llm.utils.logging_client``). httpx is imported only when a client is made.
"""

from __future__ import annotations

import codecs
import json
import sys
from typing import Any

from .redaction import (
    contains_secret,
    is_secret_header_name,
    known_secrets,
    scrub_secrets,
)


def _print(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _redact_headers(headers: Any, secrets: set[str]) -> list[str]:
    """Header lines; a credential header, or one holding a known key, shows ``[redacted]``."""
    lines = []
    for name, value in headers.items():
        if is_secret_header_name(name) or contains_secret(value, secrets):
            value = "[redacted]"
        lines.append(f"  {name}: {value}")
    return lines


def describe_request(request: Any) -> str:
    """The request line, headers (secrets redacted) and body, for display."""
    secrets = known_secrets()
    lines = [
        f"Request: {request.method} {scrub_secrets(str(request.url), secrets)}",
        *_redact_headers(request.headers, secrets),
    ]
    body = request.content
    if body:
        text = body.decode("utf-8", errors="replace")
        try:
            text = json.dumps(json.loads(text), indent=2)
        except ValueError:
            pass
        lines.append(scrub_secrets(text, secrets))
    return "\n".join(lines)


def describe_response(response: Any) -> str:
    """The status and headers of a response, for display."""
    return "\n".join(
        [
            f"Response: status_code={response.status_code}",
            *_redact_headers(response.headers, known_secrets()),
        ]
    )


def _stream_classes(response: Any) -> tuple[type, type]:
    """SyncByteStream/AsyncByteStream of whichever httpx module made ``response``."""
    module = sys.modules[type(response).__module__.split(".")[0]]
    return module.SyncByteStream, module.AsyncByteStream


class _Echo:
    """Writes a streamed body to stderr a whole line at a time, known keys masked.

    A server may repeat the key in its reply (a 401 message, say); holding a
    partial line back until its end arrives means a key split across chunks
    is still seen whole. UTF-8 split across chunks is decoded whole too.
    """

    def __init__(self) -> None:
        self.secrets = known_secrets()
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""

    def feed(self, chunk: bytes) -> None:
        text = self.pending + self.decoder.decode(chunk)
        complete, newline, self.pending = text.rpartition("\n")
        if newline:
            sys.stderr.write(scrub_secrets(complete + newline, self.secrets))
            sys.stderr.flush()

    def finish(self) -> None:
        rest = self.pending + self.decoder.decode(b"", final=True)
        self.pending = ""
        sys.stderr.write(scrub_secrets(rest, self.secrets) + "\n")
        sys.stderr.flush()


def _tee_sync(response: Any) -> None:
    sync_base, _ = _stream_classes(response)
    inner = response.stream
    echo = _Echo()

    class Tee(sync_base):  # type: ignore[misc, valid-type]
        def __iter__(self) -> Any:
            for chunk in inner:
                echo.feed(chunk)
                yield chunk
            echo.finish()

        def close(self) -> None:
            inner.close()

    response.stream = Tee()


def _tee_async(response: Any) -> None:
    _, async_base = _stream_classes(response)
    inner = response.stream
    echo = _Echo()

    class Tee(async_base):  # type: ignore[misc, valid-type]
        async def __aiter__(self) -> Any:
            async for chunk in inner:
                echo.feed(chunk)
                yield chunk
            echo.finish()

        async def aclose(self) -> None:
            await inner.aclose()

    response.stream = Tee()


def logging_event_hooks(async_: bool = False) -> dict[str, list[Any]]:
    """httpx ``event_hooks`` that print requests and stream responses to stderr."""
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


def logging_client(**kwargs: Any) -> Any:
    """An httpx ``Client`` that prints every request and response to stderr.

    It comes from httpx, or from httpx2 (what the original used) without httpx.
    """
    from importlib import import_module

    for name in ("httpx", "httpx2"):
        try:
            httpx = import_module(name)
        except ImportError:
            continue
        return httpx.Client(event_hooks=logging_event_hooks(), **kwargs)
    raise ImportError("logging_client() needs httpx: pip install httpx")
