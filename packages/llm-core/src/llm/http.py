"""HTTP helpers: fetching attachments and fragments (standard library only), the
User-Agent, and clients shared across the calls of a batch.

``sharing_clients()`` marks a stretch of work - ``llm.batch()`` runs inside
one - where a plugin may keep one HTTP client and reuse it for every call, so
hundreds of prompts share connections (and TLS handshakes) instead of each
opening its own. Outside such a block ``shared_client()`` returns None and a
plugin makes a client per call as usual.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any

from .errors import AttachmentError

_shared: ContextVar[dict[Any, Any] | None] = ContextVar(
    "llm_shared_clients", default=None
)
_shared_lock = threading.Lock()


def shared_client(key: Any, factory: Callable[[], Any]) -> Any | None:
    """The client kept under ``key`` in the current ``sharing_clients()`` block.

    Made with ``factory()`` on first use and closed when the block ends; None
    outside a block. ``key`` must say everything the client was configured
    with (a plugin's name, sync or async, TLS settings): per-call details such
    as headers belong on each request, since calls with different keys share it.
    """
    clients = _shared.get()
    if clients is None:
        return None
    with _shared_lock:
        client = clients.get(key)
        if client is None:
            client = clients[key] = factory()
    return client


def _forget(token: Any) -> None:
    try:
        _shared.reset(token)
    except ValueError:  # closed from another context (a finalised generator)
        _shared.set(None)


@contextmanager
def sharing_clients() -> Iterator[None]:
    """Let calls inside the block share HTTP clients (see ``shared_client``); close them after.

    Clients with an async ``aclose()`` can only be closed from their event
    loop: use ``sharing_clients_async()`` where they may be made.
    """
    clients: dict[Any, Any] = {}
    token = _shared.set(clients)
    try:
        yield
    finally:
        _forget(token)
        for client in clients.values():
            close = getattr(client, "close", None)
            if close is not None and not inspect.iscoroutinefunction(close):
                close()


@asynccontextmanager
async def sharing_clients_async() -> AsyncIterator[None]:
    """``sharing_clients()`` for an event loop: async clients are closed with ``aclose()``."""
    clients: dict[Any, Any] = {}
    token = _shared.set(clients)
    try:
        yield
    finally:
        _forget(token)
        for client in clients.values():
            aclose = getattr(client, "aclose", None)
            if aclose is not None:
                await aclose()
            elif getattr(client, "close", None) is not None:
                client.close()


TIMEOUT_SECONDS = 30


def user_agent() -> str:
    """The User-Agent llm sends when it fetches a URL on the user's behalf."""
    from .versions import llm_version

    return f"llm/{llm_version()} (https://llm.datasette.io/)"


def fetch_url(url: str, head: bool = False) -> tuple[bytes, str | None]:
    """GET (or HEAD) ``url``; returns (body, content type). Failures raise AttachmentError."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, method="HEAD" if head else "GET", headers={"User-Agent": user_agent()}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as resp:
            body = b"" if head else resp.read()
            return body, resp.headers.get("Content-Type")
    except urllib.error.HTTPError as ex:
        ex.close()  # it holds the response's connection
        raise AttachmentError(
            f"Could not fetch {url}: HTTP {ex.code} {ex.reason}"
        ) from ex
    except (urllib.error.URLError, OSError, ValueError) as ex:
        reason = getattr(ex, "reason", ex)
        raise AttachmentError(f"Could not fetch {url}: {reason}") from ex
