"""Reading Responses API output: SSE events or a whole response become StreamEvents.

Every event carries an explicit ``part_index`` derived from the item's
``output_index`` (twice it, leaving room for a built-in tool's result right
after its call), so each output item becomes exactly one Part even when its
metadata arrives after other items.

Encrypted reasoning is taken from the final payload (``response.completed``)
rather than from ``output_item.done``: OpenAI encrypts afresh for each event,
and the part should carry the same ciphertext as ``response.json()``. So are
built-in tool calls: a web search's sources, say, are only in the final
payload. A stream that ends without that payload keeps whatever arrived, with
built-in calls taken from their ``output_item.done`` events.

Reasoning the server withheld becomes a redacted reasoning part: a reasoning
item without text, or reasoning tokens in the usage with no reasoning item.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from llm.errors import ModelError
from llm.parts import StreamEvent, parse_tool_arguments
from llm.tools import ToolCall

from .running import record_result
from .utils import as_dict, remove_dict_none_values


@dataclass
class _Item:
    """What has been emitted so far for one output item."""

    kind: str
    item_id: str | None = None
    call_id: str | None = None
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    text_emitted: bool = False
    name_emitted: bool = False
    summaries: int = 0
    done: bool = False
    # A built-in tool call's item from output_item.done, until the final payload.
    pending: dict[str, Any] | None = None


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _server_tool_name(kind: str) -> str:
    return kind[: -len("_call")] if kind.endswith("_call") else kind


def _server_tool_arguments(item: dict[str, Any]) -> dict[str, Any]:
    kind = item.get("type", "")
    if kind == "code_interpreter_call":
        return {k: item[k] for k in ("code", "container_id") if item.get(k) is not None}
    if isinstance(item.get("action"), dict):
        return item["action"]
    skip = {"type", "id", "status", "outputs", "results", "result", "output"}
    return {k: v for k, v in item.items() if k not in skip}


def _server_tool_result(item: dict[str, Any]) -> str | None:
    if item.get("type") == "web_search_call" and not item.get("results"):
        return item.get("status")  # what the search came to, e.g. "completed"
    for key in ("outputs", "results", "result", "output"):
        value = item.get(key)
        if value:
            if isinstance(value, list) and all(
                isinstance(v, dict) and v.get("type") == "logs" for v in value
            ):
                return "".join(v.get("logs", "") for v in value)
            return value if isinstance(value, str) else json.dumps(value)
    return None


class ResponsesStream:
    """Accumulates one Responses API response, streamed or not."""

    def __init__(self) -> None:
        self.items: dict[int, _Item] = {}
        self.final: dict[str, Any] | None = None
        self.model: str | None = None
        # Output items whose output_item.done arrived.
        self.closed: set[int] = set()

    def _index(self, event: Any) -> int:
        """The event's output_index; servers that omit it are matched by item id."""
        index = _get(event, "output_index")
        item_id = _get(event, "item_id") or _get(_get(event, "item"), "id")
        if index is None:
            for known, item in self.items.items():
                if item_id and item.item_id == item_id:
                    return known
            index = max(self.items) if self.items else 0
            if _get(event, "type") == "response.output_item.added" and self.items:
                index += 1
        return index

    def _item(self, index: int, kind: str = "") -> _Item:
        item = self.items.get(index)
        if item is None:
            item = _Item(kind=kind)
            self.items[index] = item
        elif kind and not item.kind:
            item.kind = kind
        return item

    # --- streamed events ---------------------------------------------------

    def feed(self, event: Any) -> list[StreamEvent]:
        """Events for one streamed Responses API event."""
        kind = _get(event, "type", "")
        index = self._index(event)
        if kind in ("response.created", "response.in_progress"):
            self.model = _get(_get(event, "response"), "model") or self.model
            return []
        if kind == "response.output_item.added":
            return self._item_added(index, as_dict(_get(event, "item")))
        if kind in ("response.output_text.delta", "response.refusal.delta"):
            return self._text(index, _get(event, "item_id"), _get(event, "delta") or "")
        if kind == "response.reasoning_summary_part.added":
            item = self._item(index, "reasoning")
            item.summaries += 1
            if item.summaries > 1:
                return [
                    StreamEvent(type="reasoning", chunk="\n\n", part_index=2 * index)
                ]
            return []
        if kind in (
            "response.reasoning_summary_text.delta",
            "response.reasoning_text.delta",
        ):
            delta = _get(event, "delta") or ""
            item = self._item(index, "reasoning")
            item.text_emitted = True
            return (
                [StreamEvent(type="reasoning", chunk=delta, part_index=2 * index)]
                if delta
                else []
            )
        if kind == "response.function_call_arguments.delta":
            item = self._item(index, "function_call")
            delta = _get(event, "delta") or ""
            if not delta:
                return []
            item.arguments.append(delta)
            return [
                StreamEvent(
                    type="tool_call_args",
                    chunk=delta,
                    tool_call_id=item.call_id,
                    part_index=2 * index,
                )
            ]
        if kind == "response.output_item.done":
            self.closed.add(index)
            return self._item_done(index, as_dict(_get(event, "item")))
        if kind in ("response.completed", "response.incomplete"):
            return self.feed_whole(_get(event, "response"))
        if kind == "response.failed":
            response = as_dict(_get(event, "response")) or {}
            error = response.get("error") or {}
            raise ModelError(error.get("message") or "The response failed")
        if kind == "error":
            raise ModelError(_get(event, "message") or "The API reported an error")
        return []

    def _item_added(self, index: int, raw: dict[str, Any]) -> list[StreamEvent]:
        kind = raw.get("type", "")
        item = self._item(index, kind)
        item.item_id = raw.get("id")
        if kind == "function_call":
            item.call_id = raw.get("call_id") or raw.get("id")
            item.name = raw.get("name") or ""
            item.name_emitted = True
            return [
                StreamEvent(
                    type="tool_call_name",
                    chunk=item.name,
                    tool_call_id=item.call_id,
                    part_index=2 * index,
                    provider_metadata={"openai": {"id": item.item_id}}
                    if item.item_id
                    else None,
                )
            ]
        return []

    def _text(self, index: int, item_id: str | None, delta: str) -> list[StreamEvent]:
        item = self._item(index, "message")
        if not delta:
            return []
        metadata = None
        if not item.text_emitted and (item_id or item.item_id):
            item.item_id = item.item_id or item_id
            metadata = {"openai": {"id": item.item_id}}
        item.text_emitted = True
        return [
            StreamEvent(
                type="text",
                chunk=delta,
                part_index=2 * index,
                provider_metadata=metadata,
            )
        ]

    def _item_done(self, index: int, raw: dict[str, Any]) -> list[StreamEvent]:
        kind = raw.get("type", "")
        item = self._item(index, kind)
        if item.done:
            return []
        if kind == "function_call":
            events: list[StreamEvent] = []
            item.call_id = item.call_id or raw.get("call_id") or raw.get("id")
            if not item.name_emitted:
                item.name = raw.get("name") or ""
                item.name_emitted = True
                events.append(
                    StreamEvent(
                        type="tool_call_name",
                        chunk=item.name,
                        tool_call_id=item.call_id,
                        part_index=2 * index,
                    )
                )
            arguments = raw.get("arguments") or ""
            if not item.arguments and arguments:
                item.arguments.append(arguments)
                events.append(
                    StreamEvent(
                        type="tool_call_args",
                        chunk=arguments,
                        tool_call_id=item.call_id,
                        part_index=2 * index,
                    )
                )
            elif arguments:
                item.arguments = [arguments]  # the final value is authoritative
            item.done = True
            return events
        if kind in ("message", "reasoning"):
            return []  # completed via response.completed
        item.pending = raw  # emitted from the final payload, or by flush()
        return []

    def _server_tool(self, index: int, raw: dict[str, Any]) -> list[StreamEvent]:
        call_id = raw.get("id") or f"{raw.get('type')}_{index}"
        name = _server_tool_name(raw.get("type", "tool"))
        events = [
            StreamEvent(
                type="tool_call_name",
                chunk=name,
                tool_call_id=call_id,
                server_executed=True,
                part_index=2 * index,
                provider_metadata={"openai": {"item": raw}},
            ),
            StreamEvent(
                type="tool_call_args",
                chunk=json.dumps(_server_tool_arguments(raw)),
                tool_call_id=call_id,
                server_executed=True,
                part_index=2 * index,
            ),
        ]
        result = _server_tool_result(raw)
        if result is not None:
            events.append(
                StreamEvent(
                    type="tool_result",
                    chunk=result,
                    tool_call_id=call_id,
                    server_executed=True,
                    tool_name=name,
                    part_index=2 * index + 1,
                )
            )
        return events

    # --- the final payload ---------------------------------------------------

    def feed_whole(self, response: Any) -> list[StreamEvent]:
        """Events for whatever the final response holds that was not streamed."""
        self.final = as_dict(response) or {}
        self.model = self.final.get("model") or self.model
        if self.final.get("status") == "failed":
            error = self.final.get("error") or {}
            raise ModelError(error.get("message") or "The response failed")
        events: list[StreamEvent] = []
        output = self.final.get("output") or []
        if _reasoning_tokens(self.final.get("usage")) and not any(
            raw.get("type") == "reasoning" for raw in output
        ):
            # Reasoning happened but nothing of it came back: say so, first.
            events.append(
                StreamEvent(type="reasoning", chunk="", redacted=True, part_index=-1)
            )
        for index, raw in enumerate(output):
            kind = raw.get("type", "")
            item = self._item(index, kind)
            if kind == "reasoning":
                events.extend(self._complete_reasoning(index, item, raw))
            elif kind == "message":
                if not item.text_emitted:
                    item.item_id = raw.get("id")
                    for content in raw.get("content") or []:
                        text = content.get("text") or content.get("refusal")
                        if text:
                            events.extend(self._text(index, raw.get("id"), text))
            elif kind == "function_call":
                if not item.name_emitted:
                    events.extend(self._item_added(index, raw))
                events.extend(self._item_done(index, raw))
            elif not item.done:
                item.done = True
                events.extend(self._server_tool(index, raw))
        return events

    def _complete_reasoning(
        self, index: int, item: _Item, raw: dict[str, Any]
    ) -> list[StreamEvent]:
        metadata = {
            key: raw[key]
            for key in ("id", "encrypted_content", "summary")
            if raw.get(key)
        }
        events: list[StreamEvent] = []
        if not item.text_emitted:
            summaries = [s.get("text", "") for s in raw.get("summary") or []]
            summaries += [c.get("text", "") for c in raw.get("content") or []]
            text = "\n\n".join(s for s in summaries if s)
            if text:
                item.text_emitted = True
                events.append(
                    StreamEvent(type="reasoning", chunk=text, part_index=2 * index)
                )
        events.append(
            StreamEvent(
                type="reasoning",
                chunk="",
                part_index=2 * index,
                provider_metadata={"openai": metadata} if metadata else None,
                redacted=not item.text_emitted,
            )
        )
        return events

    @property
    def complete(self) -> bool:
        """True once the final payload arrived (``response.completed``, a whole reply).

        A stream that ends after every output item it started was done, but
        without ``response.completed`` (some servers omit it), lost nothing
        but usage, and counts as complete too.
        """
        if self.final is not None:
            return True
        return bool(self.items) and set(self.items) <= self.closed

    def flush(self) -> list[StreamEvent]:
        """Events still owed when the reply ends: built-in calls the final payload never covered."""
        events: list[StreamEvent] = []
        for index, item in sorted(self.items.items()):
            if item.pending is not None and not item.done:
                item.done = True
                events.extend(self._server_tool(index, item.pending))
        return events

    # --- results -------------------------------------------------------------

    def tool_calls(self) -> list[ToolCall]:
        return [
            ToolCall(
                name=item.name,
                arguments=parse_tool_arguments("".join(item.arguments)),
                tool_call_id=item.call_id,
            )
            for _, item in sorted(self.items.items())
            if item.kind == "function_call" and item.call_id
        ]

    def finish(self, response: Any, requested_model: str | None) -> None:
        """Record tool calls, usage, payload and resolved model on ``response``.

        Without a final payload (the stream stopped early) what arrived is kept:
        text, reasoning and complete tool calls, but no usage or JSON.
        """
        final = self.final or {}
        record_result(
            response,
            tool_calls=self.tool_calls(),
            usage=final.get("usage"),
            payload=remove_dict_none_values(final) if final else None,
            model=self.model,
            requested_model=requested_model,
        )


def _reasoning_tokens(usage: Any) -> int:
    details = (
        (usage or {}).get("output_tokens_details") if isinstance(usage, dict) else None
    )
    tokens = details.get("reasoning_tokens") if isinstance(details, dict) else None
    return tokens if isinstance(tokens, int) else 0
