"""Choosing a vector store from a location: a SQLite path, or a URL whose scheme a plugin handles.

``-d/--database`` and ``LLM_EMBEDDINGS_DATABASE`` take either. Schemes come
from the ``register_vector_stores`` hook (llm-embeddings itself registers
``postgresql://``); a location without ``scheme://`` is a SQLite file.
Passwords in URLs never reach a message: ``mask_location`` hides them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from llm.errors import VectorStoreError

from .store import VectorStore

ENV_VAR = "LLM_EMBEDDINGS_DATABASE"
Opener = Callable[[str], VectorStore]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_SECRET_WORDS = ("password", "passwd", "secret", "token")
_openers: dict[str, Opener] = {}
_openers_generation = -1


def scheme_of(location: str) -> str | None:
    """The lower-cased URL scheme of ``location``, or None for a file path."""
    match = _SCHEME.match(location)
    return match.group(1).lower() if match else None


def _secret_parameter(key: str) -> bool:
    """Whether a URL query parameter holds a secret (password, sslpassword, token...)."""
    key = unquote_plus(key).lower()
    return key == "pass" or any(word in key for word in _SECRET_WORDS)


def mask_location(location: str | Path) -> str:
    """``location`` with any password (in the user part or the query) replaced by ``***``.

    Everything else is kept exactly as written, ``postgresql:///db`` included.
    """
    text = str(location)
    if scheme_of(text) is None:
        return text
    parts = urlsplit(text)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{host}"
    masked = f"{parts.scheme}://{netloc}{parts.path}"
    if "?" in text.split("#", 1)[0]:
        pieces = []
        for piece in parts.query.split("&"):
            key, equals, _ = piece.partition("=")
            pieces.append(f"{key}=***" if equals and _secret_parameter(key) else piece)
        masked += "?" + "&".join(pieces)
    if parts.fragment:
        masked += "#" + parts.fragment
    return masked


def secrets_of(location: str) -> list[str]:
    """The passwords written in a URL (as written and decoded), to scrub from messages."""
    if scheme_of(location) is None:
        return []
    parts = urlsplit(location)
    found = [parts.password] if parts.password else []
    for piece in parts.query.split("&"):
        key, _, value = piece.partition("=")
        if value and _secret_parameter(key):
            found.append(value)
    found += [unquote_plus(secret) for secret in found]
    return sorted(set(found), key=len, reverse=True)


def scrub(message: str, location: str) -> str:
    """``message`` with the URL and any password from ``location`` masked."""
    message = message.replace(location, mask_location(location))
    for secret in secrets_of(location):
        message = message.replace(secret, "***")
    return message


def default_location() -> str:
    """``LLM_EMBEDDINGS_DATABASE`` if set, else ``embeddings.db`` in the user directory."""
    from .db import embeddings_db_path

    return os.environ.get(ENV_VAR) or str(embeddings_db_path())


def registered_stores() -> dict[str, Opener]:
    """URL scheme -> opener, from every plugin's ``register_vector_stores`` hook."""
    global _openers_generation
    from llm.plugins import call_hook, load_plugins, pm

    load_plugins()
    if _openers_generation != pm.generation:
        found: dict[str, Opener] = {}

        def register(scheme: str, opener: Opener) -> None:
            found.setdefault(scheme.lower().rstrip(":/"), opener)

        call_hook("register_vector_stores", register=register)
        _openers.clear()
        _openers.update(found)
        _openers_generation = pm.generation
    return dict(_openers)


def open_store(
    location: str | Path | None = None, *, create: bool = True
) -> VectorStore:
    """Open the store at ``location`` (default: ``default_location()``).

    A path opens (and with ``create`` makes) a SQLite embeddings database; a
    URL goes to the store registered for its scheme. Raises VectorStoreError
    for an unknown scheme or a store that cannot be opened, LogsDatabaseError
    for an unusable SQLite file.
    """
    text = str(location) if location is not None else default_location()
    scheme = scheme_of(text)
    if scheme is None:
        from .sqlite_store import SQLiteStore

        return SQLiteStore.open(text, create=create)
    opener = registered_stores().get(scheme)
    masked = mask_location(text)
    if opener is None:
        known = ", ".join(f"{name}://" for name in sorted(registered_stores()))
        raise VectorStoreError(
            f"No vector store handles {scheme}:// URLs such as {masked}"
            + (f" (installed: {known})" if known else ""),
            masked,
        )
    try:
        return opener(text)
    except VectorStoreError:
        raise
    except Exception as ex:
        raise VectorStoreError(
            f"Could not open the vector store {masked}: {scrub(str(ex), text)}", masked
        ) from ex


def store_for(db: Any) -> VectorStore:
    """The store behind what ``Collection`` accepts: a store, a location, or a SQLite database."""
    if isinstance(db, VectorStore):
        return db
    if isinstance(db, (str, Path)):
        return open_store(db)
    from .sqlite_store import SQLiteStore

    return SQLiteStore(db)
