"""``LLM_OPENAI_SHOW_RESPONSES=1``: echo every HTTP request and response to stderr.

The hooks come from ``llm.http_logging`` (shared with ``llm.utils.logging_client``)
and work with any httpx-style client: plain httpx for the lean path, the SDK's
own client otherwise.
"""

from __future__ import annotations

import os
from typing import Any

from llm.http_logging import logging_event_hooks


def enabled() -> bool:
    """Whether the user asked to see HTTP traffic."""
    return bool(os.environ.get("LLM_OPENAI_SHOW_RESPONSES"))


def event_hooks(async_: bool) -> dict[str, list[Any]]:
    """httpx ``event_hooks`` that print requests, response headers and bodies."""
    return logging_event_hooks(async_)
