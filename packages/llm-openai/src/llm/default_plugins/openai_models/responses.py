"""``Responses`` and ``AsyncResponses``: models driven through the Responses API (``/v1/responses``).

Reasoning models use this API so their reasoning (encrypted, plus optional
visible summaries) carries across turns and tool calls. ``-o chat_completions 1``
sends a prompt through Chat Completions instead.
"""

from __future__ import annotations

from typing import Any

from llm.errors import OptionsError
from llm.tools import ServerSideTool

from .responses_input import build_input, instructions, response_tools
from .responses_stream import ResponsesStream
from .running import ApiCall
from .server_tools import CodeInterpreter, WebSearch
from .shared import _LOCAL_OPTIONS, _AsyncOpenAIModel, _Shared, _SyncOpenAIModel
from .utils import not_nulls

# Chat Completions options the Responses API has no equivalent for.
CHAT_ONLY_OPTIONS = (
    "stop",
    "logit_bias",
    "frequency_penalty",
    "presence_penalty",
    "seed",
)


def _use_chat(prompt: Any) -> bool:
    return bool(getattr(prompt.options, "chat_completions", None))


class _ResponsesMixin(_Shared):
    """Request building for the Responses API; chat building stays for the fallback."""

    _option_features = (
        "reasoning_effort",
        "verbosity",
        "image_detail",
        "service_tier",
        "chat_completions",
    )

    def __str__(self) -> str:
        return f"OpenAI Responses: {self.model_id}"

    @property
    def supported_server_side_tools(self) -> tuple[type[ServerSideTool], ...]:
        return (WebSearch, CodeInterpreter, ServerSideTool)

    def build_input(
        self, prompt: Any, conversation: Any = None
    ) -> list[dict[str, Any]]:
        """Responses API ``input`` items from ``prompt.messages``.

        The system prompt is left out when it goes in ``instructions``.
        """
        return build_input(
            prompt.messages,
            self._image_detail(prompt),
            with_instructions=instructions(prompt.messages) is not None,
        )

    def build_kwargs(self, prompt: Any, stream: bool) -> dict[str, Any]:
        """Request arguments besides model/input/stream (chat ones with ``chat_completions``)."""
        if _use_chat(prompt):
            return super().build_kwargs(prompt, stream)
        options = not_nulls(prompt.options)
        json_object = options.pop("json_object", None)
        for name in _LOCAL_OPTIONS:
            options.pop(name, None)
        unsupported = [name for name in CHAT_ONLY_OPTIONS if name in options]
        if unsupported:
            raise OptionsError(
                "Not supported by the Responses API: {}. Add -o chat_completions 1 "
                "to use Chat Completions for this prompt".format(", ".join(unsupported))
            )
        kwargs: dict[str, Any] = {}
        max_tokens = options.pop("max_tokens", self.default_max_tokens)
        if max_tokens is not None:
            kwargs["max_output_tokens"] = max_tokens
        reasoning: dict[str, Any] = {}
        effort = options.pop("reasoning_effort", None)
        if effort:
            reasoning["effort"] = effort
        if self.reasoning and self.reasoning_summaries and not prompt.hide_reasoning:
            reasoning["summary"] = "auto"
        if reasoning:
            kwargs["reasoning"] = reasoning
        text: dict[str, Any] = {}
        if prompt.schema:
            text["format"] = {
                "type": "json_schema",
                "name": "output",
                "schema": prompt.schema,
                # Said outright, as the original does: a strict schema must
                # list every property as required, which ours need not.
                "strict": False,
            }
        elif json_object:
            text["format"] = {"type": "json_object"}
        verbosity = options.pop("verbosity", None)
        if verbosity:
            text["verbosity"] = verbosity
        if text:
            kwargs["text"] = text
        kwargs.update(options)  # temperature, top_p, service_tier and plugin extras
        tools = response_tools(self, prompt.tools)
        if tools:
            kwargs["tools"] = tools
        # Stateless: every request carries the whole conversation, and reasoning
        # (from a reasoning model, or one asked for an effort) comes back
        # encrypted so it can be sent along with later turns.
        kwargs["store"] = False
        if self.reasoning or effort:
            kwargs["include"] = ["reasoning.encrypted_content"]
        for tool in prompt.tools:
            if isinstance(tool, ServerSideTool):
                tool.prepare_request(self, kwargs)
        return kwargs

    def _build_call(self, prompt: Any, stream: bool, conversation: Any) -> ApiCall:
        """A Responses API call, or Chat Completions for ``-o chat_completions 1``."""
        if _use_chat(prompt):
            return super()._build_call(prompt, stream, conversation)
        request: dict[str, Any] = {
            "model": self._request_model(),
            "input": self.build_input(prompt, conversation),
            "stream": stream,
        }
        system = instructions(prompt.messages)
        if system is not None:
            request["instructions"] = system
        request.update(self.build_kwargs(prompt, stream))
        return ApiCall("responses", request, stream, ResponsesStream())


class Responses(_ResponsesMixin, _SyncOpenAIModel):
    """An OpenAI model used through the Responses API."""


class AsyncResponses(_ResponsesMixin, _AsyncOpenAIModel):
    """The asyncio version of ``Responses``."""
