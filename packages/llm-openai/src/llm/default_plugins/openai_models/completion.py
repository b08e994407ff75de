"""``Completion`` and ``AsyncCompletion``: legacy completion models (``/v1/completions``).

A completion model takes one string, so the conversation is flattened into
lines of text: system prompt, then each earlier prompt and reply, then this
prompt.
"""

from __future__ import annotations

from typing import Any

from llm.parts import StreamEvent

from .chat import AsyncChat, Chat
from .options import CompletionOptions, Options
from .running import ApiCall
from .shared import _Shared
from .utils import as_dict, remove_dict_none_values, set_usage_from_dict


def completion_prompt(messages: list[Any]) -> str:
    """The single prompt string for a completion model."""
    lines: list[str] = []
    for message in messages:
        texts = [message.text] + [r.output for r in message.tool_results]
        lines.extend(t for t in texts if t)
    return "\n".join(lines)


class _CompletionStream:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.logprobs: list[dict[str, Any]] = []
        self.usage: dict[str, Any] | None = None
        self.meta: dict[str, Any] = {}
        self.finish_reason: str | None = None

    def feed(self, chunk: Any) -> list[StreamEvent]:
        if not self.meta:
            for name in ("id", "object", "model", "created"):
                value = getattr(chunk, name, None)
                if value is not None:
                    self.meta[name] = value
        if getattr(chunk, "usage", None):
            self.usage = as_dict(chunk.usage)
        events = []
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice, "index", 0) not in (0, None):
                continue
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
            logprobs = getattr(choice, "logprobs", None)
            if logprobs is not None and logprobs.tokens:
                for token, top in zip(logprobs.tokens, logprobs.top_logprobs or []):
                    self.logprobs.append({"text": token, "top_logprobs": [top]})
            if choice.text:
                self.text.append(choice.text)
                events.append(StreamEvent(type="text", chunk=choice.text))
        return events

    # A whole completion has the same shape as a streamed chunk.
    feed_whole = feed

    def finish(self, response: Any, requested_model: str | None) -> None:
        set_usage_from_dict(response, self.usage)
        payload: dict[str, Any] = {
            "content": "".join(self.text),
            "finish_reason": self.finish_reason,
            "usage": self.usage,
            **self.meta,
        }
        if self.logprobs:
            payload["logprobs"] = self.logprobs
        response.response_json = remove_dict_none_values(payload)
        model = self.meta.get("model")
        if model and model != requested_model:
            response.set_resolved_model(model)


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
