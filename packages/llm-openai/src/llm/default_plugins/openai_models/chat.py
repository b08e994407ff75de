"""``Chat`` and ``AsyncChat``: models driven through the Chat Completions API."""

from __future__ import annotations

from .shared import _AsyncOpenAIModel, _SyncOpenAIModel


class Chat(_SyncOpenAIModel):
    """An OpenAI (or OpenAI-compatible) chat model."""


class AsyncChat(_AsyncOpenAIModel):
    """The asyncio version of ``Chat``."""
