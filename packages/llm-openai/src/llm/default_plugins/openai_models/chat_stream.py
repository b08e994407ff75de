"""Reading Chat Completions output: streamed chunks or a whole completion become StreamEvents.

``ChatStream`` is fed the JSON of each chunk (or of the whole completion) as
dicts and returns the events to yield, so the sync and async models share
every line of parsing. It also assembles tool calls
from their streamed deltas (parallel calls interleave, keyed by ``index``) and
keeps a combined JSON payload for ``response.json()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from llm.ids import new_tool_call_id
from llm.parts import StreamEvent, parse_tool_arguments
from llm.tools import ToolCall

from .running import record_result
from .utils import as_dict, remove_dict_none_values

# Fields OpenAI-compatible servers use for visible reasoning text.
REASONING_FIELDS = ("reasoning_content", "reasoning")
# Reply metadata kept in ``response.json()``.
META_FIELDS = ("id", "object", "model", "created")


def _text_field(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    return value if isinstance(value, str) and value else None


@dataclass
class _Call:
    tool_call_id: str
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ChoicesStream:
    """What Chat Completions and legacy completion replies share: metadata, usage, choice 0."""

    def __init__(self) -> None:
        self.usage: dict[str, Any] | None = None
        self.finish_reason: str | None = None
        self.meta: dict[str, Any] = {}

    def _record(self, obj: dict[str, Any]) -> None:
        """Keep the reply's metadata (from its first chunk) and its latest usage."""
        if not self.meta:
            self.meta = {
                key: obj[key] for key in META_FIELDS if obj.get(key) is not None
            }
        if obj.get("usage"):
            self.usage = obj["usage"]

    def _first_choices(self, chunk: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The chunk's entries for choice 0 (others are ignored), noting its finish reason."""
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) not in (0, None):
                continue
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
            yield choice

    def tool_calls(self) -> list[ToolCall]:
        return []

    def flush(self) -> list[StreamEvent]:
        return []  # everything is emitted as it arrives

    @property
    def complete(self) -> bool:
        """True once choice 0 has a finish reason."""
        return self.finish_reason is not None

    def response_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def finish(self, response: Any, requested_model: str | None) -> None:
        """Record tool calls, usage, payload and resolved model on ``response``."""
        record_result(
            response,
            tool_calls=self.tool_calls(),
            usage=self.usage,
            payload=self.response_json(),
            model=self.meta.get("model"),
            requested_model=requested_model,
        )


class ChatStream(ChoicesStream):
    """Accumulates one Chat Completions response, streamed or not."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.calls: dict[Any, _Call] = {}
        self.role: str | None = None
        self.logprobs: list[Any] = []
        self.full: dict[str, Any] | None = None

    def _reasoning_events(self, obj: dict[str, Any]) -> list[StreamEvent]:
        """The first visible-reasoning field a delta or message carries."""
        for name in REASONING_FIELDS:
            reasoning = _text_field(obj, name)
            if reasoning:
                self.reasoning.append(reasoning)
                return [StreamEvent(type="reasoning", chunk=reasoning)]
        return []

    def _text_events(self, obj: dict[str, Any]) -> list[StreamEvent]:
        """Answer text (content, then any refusal) from a delta or message."""
        events: list[StreamEvent] = []
        for name in ("content", "refusal"):
            text = _text_field(obj, name)
            if text:
                self.text.append(text)
                events.append(StreamEvent(type="text", chunk=text))
        return events

    # --- streamed chunks ---------------------------------------------------

    def feed(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        """Events for one streamed ``chat.completion.chunk``."""
        self._record(chunk)
        events: list[StreamEvent] = []
        for choice in self._first_choices(chunk):
            logprobs = choice.get("logprobs")
            if isinstance(logprobs, dict) and logprobs.get("content"):
                self.logprobs.extend(logprobs["content"])
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                continue
            if delta.get("role"):
                self.role = delta["role"]
            events.extend(self._reasoning_events(delta))
            for position, tool_call in enumerate(delta.get("tool_calls") or []):
                events.extend(self._tool_call_delta(tool_call, position))
            events.extend(self._text_events(delta))
        return events

    def _tool_call_delta(
        self, delta: dict[str, Any], position: int
    ) -> list[StreamEvent]:
        index = delta.get("index")
        key = index if index is not None else (delta.get("id") or position)
        call = self.calls.get(key)
        events: list[StreamEvent] = []
        if call is None:
            call = _Call(tool_call_id=delta.get("id") or new_tool_call_id())
            self.calls[key] = call
        function = delta.get("function") or {}
        name = function.get("name")
        if name and name != call.name:
            # Most servers send the whole name once; a few repeat it on every delta.
            piece = name[len(call.name) :] if name.startswith(call.name) else name
            call.name = name if name.startswith(call.name) else call.name + name
            events.append(
                StreamEvent(
                    type="tool_call_name", chunk=piece, tool_call_id=call.tool_call_id
                )
            )
        arguments = function.get("arguments")
        if arguments:
            call.arguments.append(arguments)
            events.append(
                StreamEvent(
                    type="tool_call_args",
                    chunk=arguments,
                    tool_call_id=call.tool_call_id,
                )
            )
        return events

    # --- a whole completion ------------------------------------------------

    def feed_whole(self, completion: dict[str, Any]) -> list[StreamEvent]:
        """Events for a non-streamed ``chat.completion``."""
        self.full = completion
        self._record(completion)
        choices = completion.get("choices") or []
        if not choices:
            return []
        choice = choices[0]
        self.finish_reason = choice.get("finish_reason")
        message = choice.get("message") or {}
        events = self._reasoning_events(message) + self._text_events(message)
        for tool_call in message.get("tool_calls") or []:
            function = tool_call.get("function")
            if not isinstance(function, dict):
                continue
            call = _Call(
                tool_call_id=tool_call.get("id") or new_tool_call_id(),
                name=function.get("name") or "",
            )
            call.arguments.append(function.get("arguments") or "")
            self.calls[len(self.calls)] = call
            events.append(
                StreamEvent(
                    type="tool_call_name",
                    chunk=call.name,
                    tool_call_id=call.tool_call_id,
                )
            )
            if function.get("arguments"):
                events.append(
                    StreamEvent(
                        type="tool_call_args",
                        chunk=function["arguments"],
                        tool_call_id=call.tool_call_id,
                    )
                )
        return events

    # --- results -----------------------------------------------------------

    def tool_calls(self) -> list[ToolCall]:
        return [
            ToolCall(
                name=call.name,
                arguments=parse_tool_arguments("".join(call.arguments)),
                tool_call_id=call.tool_call_id,
            )
            for call in self.calls.values()
        ]

    def response_json(self) -> dict[str, Any]:
        """The provider payload: the completion, or the streamed chunks combined."""
        if self.full is not None:
            return remove_dict_none_values(self.full)
        combined: dict[str, Any] = {
            "content": "".join(self.text),
            "role": self.role,
            "finish_reason": self.finish_reason,
            "usage": self.usage,
        }
        if self.reasoning:
            combined["reasoning_content"] = "".join(self.reasoning)
        if self.calls:
            combined["tool_calls"] = [
                {
                    "id": call.tool_call_id,
                    "type": "function",
                    "function": {
                        "name": call.name,
                        "arguments": "".join(call.arguments),
                    },
                }
                for call in self.calls.values()
            ]
        if self.logprobs:
            combined["logprobs"] = self.logprobs
        combined.update(self.meta)
        return remove_dict_none_values(combined)


def combine_chunks(chunks: list[Any]) -> dict[str, Any]:
    """Combine streamed chat chunks (dicts or SDK objects) into one dict (content, role, usage, tool calls...)."""
    stream = ChatStream()
    for chunk in chunks:
        stream.feed(as_dict(chunk))
    return stream.response_json()
