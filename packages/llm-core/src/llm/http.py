"""Minimal HTTP fetching for attachments and fragments, using only the standard library."""

from __future__ import annotations

from .errors import AttachmentError

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
        raise AttachmentError(
            f"Could not fetch {url}: HTTP {ex.code} {ex.reason}"
        ) from ex
    except (urllib.error.URLError, OSError, ValueError) as ex:
        reason = getattr(ex, "reason", ex)
        raise AttachmentError(f"Could not fetch {url}: {reason}") from ex
