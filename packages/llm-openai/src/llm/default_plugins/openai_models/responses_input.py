"""Responses API ``input`` items built from ``prompt.messages``.

Requests are stateless (``store: false``), so earlier turns are sent in full:
assistant text, function calls and their outputs, and reasoning items with the
``encrypted_content`` OpenAI returned (kept in ``provider_metadata["openai"]``).

The shapes follow what the original LLM sends, which OpenAI documents as the
simple forms: a user turn that is only text is a plain string, assistant text
is ``{"role": "assistant", "content": text}``, and a system prompt goes in the
request's ``instructions`` unless the conversation changed it midway (then
each system message stays in place in ``input``).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from llm.attachments import Attachment
from llm.parts import (
    Message,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)

from .chat_messages import (
    append_system,
    attachment_filename,
    data_url,
    function_definition,
    tool_attachments_message,
)


def openai_metadata(part: Any) -> dict[str, Any]:
    """This provider's namespace of a part's ``provider_metadata``."""
    metadata = (part.provider_metadata or {}).get("openai")
    return metadata if isinstance(metadata, dict) else {}


def input_attachment(
    attachment: Attachment, image_detail: str | None = None
) -> dict[str, Any]:
    """An ``input_image`` or ``input_file`` content item."""
    kind = attachment.resolve_type()
    if kind.startswith("image/"):
        item: dict[str, Any] = {
            "type": "input_image",
            "image_url": attachment.url or data_url(attachment),
        }
        if image_detail:
            item["detail"] = image_detail
        return item
    if attachment.url and not attachment.content and not attachment.path:
        return {"type": "input_file", "file_url": attachment.url}
    return {
        "type": "input_file",
        "filename": attachment_filename(attachment),
        "file_data": data_url(attachment),
    }


def _user_content(
    text: str, attachments: list[Attachment], image_detail: str | None
) -> str | list[dict[str, Any]]:
    """A plain string for text alone, else ``input_text`` plus attachment items."""
    if not attachments:
        return text
    content: list[dict[str, Any]] = []
    if text:
        content.append({"type": "input_text", "text": text})
    content.extend(input_attachment(a, image_detail) for a in attachments)
    return content


def _reasoning_item(part: ReasoningPart) -> dict[str, Any] | None:
    metadata = openai_metadata(part)
    if not metadata.get("id") and not metadata.get("encrypted_content"):
        return None  # reasoning from another provider, or never given an id
    item: dict[str, Any] = {"type": "reasoning"}
    if metadata.get("id"):
        item["id"] = metadata["id"]
    # The summary items as OpenAI sent them (kept as the original keeps them),
    # else the part's text as one.
    summary = metadata.get("summary")
    if not isinstance(summary, list):
        summary = [{"type": "summary_text", "text": part.text}] if part.text else []
    item["summary"] = summary
    if metadata.get("encrypted_content"):
        item["encrypted_content"] = metadata["encrypted_content"]
    return item


def _function_call_item(part: ToolCallPart) -> dict[str, Any]:
    return {
        "type": "function_call",
        "call_id": part.tool_call_id,
        "name": part.name,
        "arguments": json.dumps(part.arguments or {}),
    }


def _append_assistant(items: list[dict[str, Any]], message: Message) -> None:
    for part in message.parts:
        if isinstance(part, ReasoningPart):
            reasoning = _reasoning_item(part)
            if reasoning is not None:
                items.append(reasoning)
        elif isinstance(part, TextPart):
            if part.text:
                items.append({"role": "assistant", "content": part.text})
        elif isinstance(part, ToolCallPart):
            if part.server_executed:
                # Built-in tool calls are replayed as the item OpenAI returned.
                raw = openai_metadata(part).get("item")
                if isinstance(raw, dict):
                    items.append(raw)
            else:
                items.append(_function_call_item(part))


def _append_tool_results(
    items: list[dict[str, Any]], results: list[ToolResultPart], image_detail: str | None
) -> None:
    local = [result for result in results if not result.server_executed]
    for result in local:
        items.append(
            {
                "type": "function_call_output",
                "call_id": result.tool_call_id,
                "output": result.output,
            }
        )
    extra = tool_attachments_message(
        local, partial(input_attachment, image_detail=image_detail), "input_text"
    )
    if extra is not None:
        items.append(extra)


def instructions(messages: list[Message]) -> str | None:
    """The system prompt to send as ``instructions``: the one text every system message has.

    None when there is no system prompt, or when the conversation changed it
    (those system messages are sent in place, in ``input``).
    """
    texts = {message.text for message in messages if message.role == "system"}
    texts.discard("")
    return texts.pop() if len(texts) == 1 else None


def build_input(
    messages: list[Message],
    image_detail: str | None = None,
    *,
    with_instructions: bool = False,
) -> list[dict[str, Any]]:
    """The ``input`` array for a Responses API request.

    ``with_instructions``: the system prompt travels as ``instructions``
    (see :func:`instructions`), so system messages are left out here.
    """
    items: list[dict[str, Any]] = []
    current_system: str | None = None
    for message in messages:
        if message.role == "system":
            if not with_instructions:
                current_system = append_system(items, message.text, current_system)
            continue
        if message.role == "assistant":
            _append_assistant(items, message)
            continue
        _append_tool_results(items, message.tool_results, image_detail)
        text = message.text
        attachments = message.attachments
        if text or attachments:
            items.append(
                {
                    "role": "user",
                    "content": _user_content(text, attachments, image_detail),
                }
            )
    return items


def response_tools(model: Any, tools: list[Any]) -> list[dict[str, Any]]:
    """Function definitions plus the specs of any server-side tools."""
    from llm.tools import ServerSideTool, Tool

    definitions: list[dict[str, Any]] = []
    for tool in tools:
        if isinstance(tool, Tool):
            definitions.append({"type": "function", **function_definition(tool)})
        elif isinstance(tool, ServerSideTool):
            definitions.append(tool.tool_spec(model))
    return definitions
