"""Fragments: reusable pieces of prompt text, identified by the SHA256 of their content."""

from __future__ import annotations

import hashlib


class Fragment(str):
    """A string that remembers where it came from (``source``) and has a stable ``id()``."""

    source: str

    def __new__(cls, content: str, source: str = "") -> Fragment:
        obj = super().__new__(cls, content)
        obj.source = source
        return obj

    def id(self) -> str:
        """SHA256 hex digest of the content: the fragment's hash ID in the logs."""
        return fragment_hash(str(self))

    def __reduce__(self):  # keep pickling/copying working for the str subclass
        return (Fragment, (str(self), self.source))


def fragment_hash(content: str) -> str:
    """The hash ID used for a fragment with this content."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
