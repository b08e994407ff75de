"""Attachments: images, audio, PDFs and other binary inputs given to a prompt."""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AttachmentError
from .http import fetch_url

# puremagic names some types differently from what model providers expect.
_TYPE_FIXUPS = {
    "audio/wave": "audio/wav",
    "audio/x-wav": "audio/wav",
    "audio/mp3": "audio/mpeg",
    # puremagic 2 (installed on Python 3.12+) ranks this MP3 variant first for
    # any file starting with an ID3v2.3 tag; such files are MP3 audio.
    "audio/vnd.audiokoz": "audio/mpeg",
}


def mimetype_from_bytes(content: bytes) -> str | None:
    """Guess a MIME type from the first bytes of ``content`` (None when unknown)."""
    if not content:
        return None
    import puremagic

    head = content[:2048]
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    for match in matches:
        if match.mime_type:
            return _TYPE_FIXUPS.get(match.mime_type, match.mime_type)
    return None


def mimetype_from_path(path: str | Path) -> str | None:
    """Guess a MIME type for a file: by content first, then by extension."""
    path = Path(path)
    try:
        with path.open("rb") as fp:
            head = fp.read(2048)
    except OSError as ex:
        raise AttachmentError(f"Could not read {path}: {ex.strerror or ex}") from ex
    found = mimetype_from_bytes(head)
    if found:
        return found
    guessed, _ = mimetypes.guess_type(str(path))
    return _TYPE_FIXUPS.get(guessed, guessed) if guessed else None


@dataclass
class Attachment:
    """A file, URL or in-memory content to send to a multi-modal model.

    Usually exactly one of ``path``, ``url`` or ``content`` is given; ``type``
    is detected from the content when not supplied.
    """

    type: str | None = None
    path: str | None = None
    url: str | None = None
    content: bytes | None = None
    _id: str | None = field(default=None, repr=False, compare=False)

    def __init__(
        self,
        type: str | None = None,
        path: str | Path | None = None,
        url: str | None = None,
        content: bytes | None = None,
        _id: str | None = None,
        mimetype: str | None = None,
    ) -> None:
        self.type = type or mimetype
        self.path = str(path) if path is not None else None
        self.url = url
        self.content = content
        self._id = _id

    def __hash__(self) -> int:
        return hash(self.id())

    def id(self) -> str:
        """Content ID: SHA256 of the bytes, or of ``{"url": url}`` for remote files."""
        if self._id is None:
            if self.content is not None or self.path is not None:
                self._id = hashlib.sha256(self.content_bytes()).hexdigest()
            else:
                payload = json.dumps({"url": self.url})
                self._id = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        return self._id

    def resolve_type(self) -> str:
        """The MIME type given, or detected from the content, path or URL."""
        if self.type:
            return self.type
        detected: str | None = None
        if self.path:
            detected = mimetype_from_path(self.path)
        elif self.content is not None:
            detected = mimetype_from_bytes(self.content)
        elif self.url:
            detected = self._type_from_url()
        if not detected:
            raise AttachmentError(
                f"Could not determine the type of attachment {self.describe()}"
            )
        self.type = detected
        return detected

    def _type_from_url(self) -> str | None:
        assert self.url
        content, content_type = fetch_url(self.url, head=True)
        if content_type:
            return content_type.split(";")[0].strip()
        if self.content is None:
            self.content, _ = fetch_url(self.url)
        return mimetype_from_bytes(self.content or b"")

    def content_bytes(self) -> bytes:
        """The binary content, reading the file or fetching the URL if needed."""
        if self.content is not None:
            return self.content
        if self.path:
            try:
                self.content = Path(self.path).read_bytes()
            except OSError as ex:
                raise AttachmentError(
                    f"Could not read attachment {self.path}: {ex.strerror or ex}"
                ) from ex
            return self.content
        if self.url:
            self.content, _ = fetch_url(self.url)
            return self.content
        return b""

    def base64_content(self) -> str:
        """The content as a base64 string, for embedding in JSON API requests."""
        return base64.b64encode(self.content_bytes()).decode("ascii")

    def describe(self) -> str:
        """A short human description: the path, the URL, or the content size."""
        if self.path:
            return self.path
        if self.url:
            return self.url
        return f"<{len(self.content or b'')} bytes>"

    def to_dict(self, include_content: bool = True) -> dict[str, Any]:
        """JSON-safe form: ``type``, ``path``, ``url`` when known, the bytes base64 under ``content``.

        A file's bytes are included too (when readable), so a saved
        conversation does not depend on the file staying where it was.
        """
        data: dict[str, Any] = {}
        if self.type:
            data["type"] = self.type
        if self.path:
            data["path"] = self.path
        if self.url:
            data["url"] = self.url
        if include_content and self.content is not None:
            data["content"] = base64.b64encode(self.content).decode("ascii")
        elif include_content and self.path and not self.url:
            try:
                data["content"] = self.base64_content()
            except AttachmentError:
                pass
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attachment:
        """Rebuild an attachment from ``to_dict()`` output (``content_base64``, as
        earlier versions wrote it, is read too)."""
        content = data.get("content")
        if content is None:
            content = data.get("content_base64")
        return cls(
            type=data.get("type"),
            path=data.get("path"),
            url=data.get("url"),
            content=base64.b64decode(content) if content is not None else None,
        )
