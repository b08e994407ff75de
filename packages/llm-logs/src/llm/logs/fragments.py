"""Fragments in the logs database: resolving ``-f`` references, storing, aliasing, listing.

A fragment is stored once per distinct content (keyed by its SHA256 hash) and
can be given any number of aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from llm.errors import AttachmentError, FragmentNotFound
from llm.fragments import Fragment, fragment_hash
from llm.paths import existing_path
from llm.sqlite import write_transaction

from .db import ensure_ready
from .writer import now_utc

HASH_PATTERN = re.compile(r"^[0-9a-f]{64}$")
ALIAS_PATTERN = re.compile(r"^[A-Za-z0-9_\-.]+$")


def _loader_result(reference: str, value: Any) -> list[Any]:
    from llm.attachments import Attachment

    items = value if isinstance(value, (list, tuple)) else [value]
    resolved: list[Any] = []
    for item in items:
        if isinstance(item, (Fragment, Attachment)):
            resolved.append(item)
        elif isinstance(item, str):
            resolved.append(Fragment(item, reference))
        else:
            raise FragmentNotFound(
                f"Fragment loader for {reference} returned {type(item).__name__}, "
                "expected a Fragment, Attachment or string"
            )
    return resolved


def _stored(db: Any, alias_or_hash: str) -> Fragment | None:
    found = get_fragment(db, alias_or_hash)
    if found is None:
        return None
    return Fragment(found["content"], found["source"] or "")


def resolve_fragment(db: Any, reference: str) -> list[Any]:
    """Turn a ``-f`` reference into Fragments (and any Attachments a loader returns).

    Tried in order: ``prefix:argument`` for a registered fragment loader, an
    http(s) URL, a stored alias, a stored hash, then a file path.
    """
    from llm.http import fetch_url
    from llm.registry import get_fragment_loaders

    if ":" in reference and not reference.startswith(("http://", "https://")):
        prefix, argument = reference.split(":", 1)
        loaders = get_fragment_loaders()
        if prefix in loaders:
            try:
                value = loaders[prefix](argument)
            except FragmentNotFound:
                raise
            except Exception as ex:
                raise FragmentNotFound(
                    f"Could not load fragment {reference}: {ex}"
                ) from ex
            return _loader_result(reference, value)
    if reference.startswith(("http://", "https://")):
        try:
            body, content_type = fetch_url(reference)
        except AttachmentError as ex:
            raise FragmentNotFound(str(ex)) from ex
        charset = "utf-8"
        if content_type and "charset=" in content_type:
            charset = content_type.split("charset=", 1)[1].split(";")[0].strip()
        try:
            text = body.decode(charset, errors="replace")
        except LookupError:
            text = body.decode("utf-8", errors="replace")
        return [Fragment(text, reference)]
    stored = _stored(db, reference)
    if stored is not None:
        return [stored]
    path = existing_path(reference)
    if path is not None and path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as ex:
            raise FragmentNotFound(
                f"Fragment file {reference} is not UTF-8 text"
            ) from ex
        except OSError as ex:
            raise FragmentNotFound(
                f"Could not read fragment file {reference}: {ex.strerror or ex}"
            ) from ex
        return [Fragment(text, str(path.resolve()))]
    if path is not None and path.is_dir():
        raise FragmentNotFound(f"Fragment {reference} is a directory, not a file")
    prefix = reference.split(":", 1)[0] if ":" in reference else ""
    if prefix.isidentifier() or prefix.replace("-", "_").isidentifier():
        available = ", ".join(sorted(get_fragment_loaders())) or "none installed"
        raise FragmentNotFound(
            f"Fragment '{reference}' not found: no fragment loader has the prefix "
            f"'{prefix}' (available prefixes: {available})"
        )
    raise FragmentNotFound(
        f"Fragment '{reference}' not found: not a stored alias or hash, a file, "
        "a URL or a loader prefix"
    )


def store_fragment(db: Any, fragment: Fragment | str, source: str | None = None) -> int:
    """Store ``fragment`` unless its content is already stored; returns the row id."""
    conn = ensure_ready(db)
    content = str(fragment)
    if source is None:
        source = getattr(fragment, "source", None) or None
    digest = fragment_hash(content)
    with write_transaction(conn):
        row = conn.execute(
            "select id from fragments where hash = ? limit 1", (digest,)
        ).fetchone()
        if row:
            return int(row[0])
        cursor = conn.execute(
            "insert into fragments (hash, content, datetime_utc, source) values (?, ?, ?, ?)",
            (digest, content, now_utc(), source),
        )
        return int(cursor.lastrowid or 0)


def set_fragment_alias(db: Any, alias: str, reference: str) -> str:
    """Point ``alias`` at the fragment ``reference`` resolves to; returns its hash."""
    if not ALIAS_PATTERN.match(alias):
        raise ValueError(
            f"Invalid alias {alias!r}: use letters, numbers, '-', '_' and '.'"
        )
    resolved = [f for f in resolve_fragment(db, reference) if isinstance(f, str)]
    if len(resolved) != 1:
        raise ValueError(
            f"{reference} resolves to {len(resolved)} fragments; an alias needs exactly one"
        )
    fragment = resolved[0]
    fragment_id = store_fragment(db, fragment)
    conn = ensure_ready(db)
    with write_transaction(conn):
        conn.execute(
            "insert or replace into fragment_aliases (alias, fragment_id) values (?, ?)",
            (alias, fragment_id),
        )
    return fragment_hash(str(fragment))


def remove_fragment_alias(db: Any, alias: str) -> bool:
    """Remove an alias (the fragment stays); False if there was no such alias."""
    conn = ensure_ready(db)
    with write_transaction(conn):
        cursor = conn.execute("delete from fragment_aliases where alias = ?", (alias,))
    return cursor.rowcount > 0


def _aliases(conn: Any, fragment_id: int) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "select alias from fragment_aliases where fragment_id = ? order by alias",
            (fragment_id,),
        )
    ]


def _fragment_dict(conn: Any, row: tuple[Any, ...]) -> dict[str, Any]:
    fragment_id, digest, content, datetime_utc, source = row
    return {
        "id": fragment_id,
        "hash": digest,
        "aliases": _aliases(conn, fragment_id),
        "datetime_utc": datetime_utc,
        "source": source,
        "content": content or "",
    }


def get_fragment(db: Any, alias_or_hash: str) -> dict[str, Any] | None:
    """The stored fragment with this alias or hash, as a dict, or None."""
    conn = ensure_ready(db)
    row = conn.execute(
        "select f.id, f.hash, f.content, f.datetime_utc, f.source from fragment_aliases a "
        "join fragments f on f.id = a.fragment_id where a.alias = ?",
        (alias_or_hash,),
    ).fetchone()
    if row is None and HASH_PATTERN.match(alias_or_hash):
        row = conn.execute(
            "select id, hash, content, datetime_utc, source from fragments "
            "where hash = ? limit 1",
            (alias_or_hash,),
        ).fetchone()
    return _fragment_dict(conn, row) if row else None


def list_fragments(
    db: Any, queries: Iterable[str] = (), aliases_only: bool = False
) -> list[dict[str, Any]]:
    """Stored fragments, oldest first; every query must match content, source, hash or alias."""
    conn = ensure_ready(db)
    where: list[str] = []
    params: list[Any] = []
    for query in queries:
        like = f"%{query}%"
        where.append(
            "(f.content like ? or f.source like ? or f.hash like ? or exists "
            "(select 1 from fragment_aliases a where a.fragment_id = f.id and a.alias like ?))"
        )
        params.extend([like, like, like, like])
    if aliases_only:
        where.append(
            "exists (select 1 from fragment_aliases a where a.fragment_id = f.id)"
        )
    sql = "select f.id, f.hash, f.content, f.datetime_utc, f.source from fragments f"
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by f.datetime_utc, f.id"
    return [_fragment_dict(conn, row) for row in conn.execute(sql, params)]


def fragment_hashes(db: Any, references: Iterable[str]) -> list[str]:
    """Hashes of the fragments each reference names (for ``llm logs -f``)."""
    hashes: list[str] = []
    for reference in references:
        stored = get_fragment(db, reference)
        if stored is not None:
            hashes.append(stored["hash"])
            continue
        if HASH_PATTERN.match(reference) and existing_path(reference) is None:
            hashes.append(reference)  # a hash nothing used yet matches nothing
            continue
        for item in resolve_fragment(db, reference):
            if isinstance(item, str):
                hashes.append(fragment_hash(str(item)))
    return hashes
