"""``Responses`` and ``AsyncResponses``: models driven through the Responses API (``/v1/responses``).

Reasoning models use this API so their reasoning (encrypted, plus optional
visible summaries) carries across turns and tool calls. ``-o chat_completions 1``
sends a prompt through Chat Completions instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from llm.errors import OptionsError
from llm.models import AsyncKeyModel, KeyModel
from llm.parts import StreamEvent
from llm.tools import ServerSideTool

from .chat import run_chat, run_chat_async
from .errors import translate_errors
from .options import ChatOptions, Options
from .responses_input import build_input, response_tools
from .responses_stream import ResponsesStream
from .server_tools import CodeInterpreter, WebSearch
from .shared import _LOCAL_OPTIONS, _Shared
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
        """Responses API ``input`` items from ``prompt.messages``."""
        return build_input(prompt.messages, self._image_detail(prompt))

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
        if self.api_base is None or self.reasoning:
            kwargs["store"] = False
        if self.reasoning:
            kwargs["include"] = ["reasoning.encrypted_content"]
        for tool in prompt.tools:
            if isinstance(tool, ServerSideTool):
                tool.prepare_request(self, kwargs)
        return kwargs

    def _responses_request(
        self, prompt: Any, stream: bool, conversation: Any
    ) -> dict[str, Any]:
        self.check_prompt(prompt)
        request: dict[str, Any] = {
            "model": self.model_name or self.model_id,
            "input": self.build_input(prompt, conversation),
        }
        if stream:
            request["stream"] = True
        request.update(self.build_kwargs(prompt, stream))
        return request


class Responses(_ResponsesMixin, KeyModel):
    """An OpenAI model used through the Responses API."""

    needs_key: str | None = "openai"
    key_env_var: str | None = "OPENAI_API_KEY"
    _base_options: type[Options] = ChatOptions
    Options: type[Options] = ChatOptions  # type: ignore[assignment]

    def execute(
        self,
        prompt: Any,
        stream: bool,
        response: Any,
        conversation: Any = None,
        key: str | None = None,
    ) -> Iterator[StreamEvent]:
        if _use_chat(prompt):
            yield from run_chat(self, prompt, stream, response, conversation, key)
            return
        stream = self._stream(stream)
        request = self._responses_request(prompt, stream, conversation)
        state = ResponsesStream()
        with translate_errors(), self.get_client(key) as client:
            if stream:
                for event in client.responses.create(**request):
                    yield from state.feed(event)
            else:
                yield from state.complete(client.responses.create(**request))
        state.finish(response, request["model"])


class AsyncResponses(_ResponsesMixin, AsyncKeyModel):
    """The asyncio version of ``Responses``."""

    needs_key: str | None = "openai"
    key_env_var: str | None = "OPENAI_API_KEY"
    _base_options: type[Options] = ChatOptions
    Options: type[Options] = ChatOptions  # type: ignore[assignment]

    async def execute(  # type: ignore[override]
        self,
        prompt: Any,
        stream: bool,
        response: Any,
        conversation: Any = None,
        key: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        if _use_chat(prompt):
            async for event in run_chat_async(
                self, prompt, stream, response, conversation, key
            ):
                yield event
            return
        stream = self._stream(stream)
        request = self._responses_request(prompt, stream, conversation)
        state = ResponsesStream()
        with translate_errors():
            async with self.get_client(key, async_=True) as client:
                if stream:
                    async for event in await client.responses.create(**request):
                        for item in state.feed(event):
                            yield item
                else:
                    for item in state.complete(
                        await client.responses.create(**request)
                    ):
                        yield item
        state.finish(response, request["model"])
