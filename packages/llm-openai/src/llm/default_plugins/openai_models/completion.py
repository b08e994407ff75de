"""``Completion`` and ``AsyncCompletion``: legacy completion models (``/v1/completions``).

A completion model takes one string, so the conversation is flattened into
lines of text: each earlier prompt and reply, then this prompt. It has no
place for a system prompt, so one is refused before anything is sent.
"""

from __future__ import annotations

from typing import Any

from llm.errors import UnsupportedFeatureError
from llm.parts import StreamEvent

from .chat import AsyncChat, Chat
from .chat_stream import ChoicesStream
from .options import CompletionOptions, Options
from .running import ApiCall
from .shared import _Shared
from .utils import remove_dict_none_values


def completion_prompt(messages: list[Any]) -> str:
    """The single prompt string for a completion model."""
    lines: list[str] = []
    for message in messages:
        texts = [message.text] + [r.output for r in message.tool_results]
        lines.extend(t for t in texts if t)
    return "\n".join(lines)


class _CompletionStream(ChoicesStream):
    """Accumulates one legacy completion; a whole completion reads like one chunk."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.logprobs: list[dict[str, Any]] = []

    def feed(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        self._record(chunk)
        events = []
        for choice in self._first_choices(chunk):
            logprobs = choice.get("logprobs")
            if isinstance(logprobs, dict) and logprobs.get("tokens"):
                tops = logprobs.get("top_logprobs") or []
                for token, top in zip(logprobs["tokens"], tops):
                    self.logprobs.append({"text": token, "top_logprobs": [top]})
            text = choice.get("text")
            if text:
                self.text.append(text)
                events.append(StreamEvent(type="text", chunk=text))
        return events

    feed_whole = feed

    def response_json(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "content": "".join(self.text),
            "finish_reason": self.finish_reason,
            "usage": self.usage,
            **self.meta,
        }
        if self.logprobs:
            payload["logprobs"] = self.logprobs
        return remove_dict_none_values(payload)


class _CompletionMixin(_Shared):
    _base_options: type[Options] = CompletionOptions
    Options: type[Options] = CompletionOptions
    _option_features: tuple[str, ...] = ()

    def __init__(
        self, *args: Any, default_max_tokens: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default_max_tokens = default_max_tokens

    def __str__(self) -> str:
        return f"OpenAI Completion: {self.model_id}"

    def check_prompt(self, prompt: Any) -> None:
        """Refuse a system prompt: the completions API only takes the prompt text."""
        if any(m.role == "system" for m in prompt.messages):
            raise UnsupportedFeatureError(
                "System prompts are not supported for OpenAI completion models"
            )
        super().check_prompt(prompt)

    def _build_call(self, prompt: Any, stream: bool, conversation: Any) -> ApiCall:
        """A ``/v1/completions`` call with the conversation flattened into one prompt."""
        kwargs = self.build_kwargs(prompt, stream)
        request = {
            "model": self._request_model(),
            "prompt": completion_prompt(prompt.messages),
            "stream": stream,
            **kwargs,
        }
        return ApiCall("completions", request, stream, _CompletionStream())


class Completion(_CompletionMixin, Chat):  # type: ignore[misc]
    """A legacy completion model such as gpt-3.5-turbo-instruct."""


class AsyncCompletion(_CompletionMixin, AsyncChat):  # type: ignore[misc]
    """The asyncio version of ``Completion``."""
