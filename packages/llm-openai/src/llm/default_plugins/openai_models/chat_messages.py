"""Chat Completions request messages built from ``prompt.messages``.

``prompt.messages`` is the whole input chain (history included), so nothing
here looks at ``conversation.responses``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial
from typing import Any

from llm.attachments import Attachment
from llm.parts import (
    AttachmentPart,
    Message,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)

AUDIO_FORMATS = {"audio/wav": "wav", "audio/mpeg": "mp3"}


def data_url(attachment: Attachment) -> str:
    """The attachment's content as a ``data:`` URL."""
    return f"data:{attachment.resolve_type()};base64,{attachment.base64_content()}"


def attachment_filename(attachment: Attachment) -> str:
    """A filename for file inputs: the real one when known."""
    for source in (attachment.path, attachment.url):
        if source:
            name = os.path.basename(source.split("?", 1)[0].rstrip("/"))
            if name:
                return name
    extension = attachment.resolve_type().rsplit("/", 1)[-1]
    return f"attachment.{extension}"


def _attachment(
    attachment: Attachment, image_detail: str | None = None
) -> dict[str, Any]:
    """One Chat Completions content item for an attachment.

    Images keep their URL when they have one (otherwise a base64 data URL);
    audio is always sent inline; PDFs and other documents go as file inputs.
    """
    kind = attachment.resolve_type()
    if kind.startswith("image/"):
        url = attachment.url or data_url(attachment)
        image: dict[str, Any] = {"url": url}
        if image_detail:
            image["detail"] = image_detail
        return {"type": "image_url", "image_url": image}
    if kind.startswith("audio/"):
        return {
            "type": "input_audio",
            "input_audio": {
                "data": attachment.base64_content(),
                "format": AUDIO_FORMATS.get(kind, kind.rsplit("/", 1)[-1]),
            },
        }
    return {
        "type": "file",
        "file": {
            "filename": attachment_filename(attachment),
            "file_data": data_url(attachment),
        },
    }


def tool_call_entry(part: ToolCallPart) -> dict[str, Any]:
    """An assistant ``tool_calls`` entry; empty arguments are sent as ``{}``."""
    return {
        "type": "function",
        "id": part.tool_call_id,
        "function": {
            "name": part.name,
            "arguments": json.dumps(part.arguments or {}),
        },
    }


def tool_attachments_message(
    results: list[ToolResultPart],
    attachment_item: Callable[[Attachment], dict[str, Any]],
    text_type: str = "text",
) -> dict[str, Any] | None:
    """A user message carrying attachments that tools returned (tool outputs are text only).

    ``attachment_item`` makes one content item in the API's own format.
    """
    content: list[dict[str, Any]] = []
    for result in results:
        if not result.attachments:
            continue
        content.append(
            {
                "type": text_type,
                "text": f"Attachments returned by the {result.name} tool call "
                f"{result.tool_call_id}:",
            }
        )
        content.extend(attachment_item(a) for a in result.attachments)
    if not content:
        return None
    return {"role": "user", "content": content}


def append_system(
    out: list[dict[str, Any]], text: str, current_system: str | None
) -> str | None:
    """Append a system message unless it repeats the one in force; returns the one in force."""
    if text and text != current_system:
        out.append({"role": "system", "content": text})
        return text
    return current_system


def append_chat_message(
    out: list[dict[str, Any]],
    message: Message,
    current_system: str | None,
    image_detail: str | None = None,
) -> str | None:
    """Append the Chat Completions message(s) for ``message``; returns the system prompt in force.

    A system message identical to the one already in force is skipped.
    """
    texts: list[str] = []
    attachments: list[Attachment] = []
    calls: list[ToolCallPart] = []
    results: list[ToolResultPart] = []
    for part in message.parts:
        if isinstance(part, TextPart):
            texts.append(part.text)
        elif isinstance(part, AttachmentPart) and part.attachment is not None:
            attachments.append(part.attachment)
        elif isinstance(part, ToolCallPart):
            if not part.server_executed:
                calls.append(part)
        elif isinstance(part, ToolResultPart):
            if not part.server_executed:
                results.append(part)
        # ReasoningPart: Chat Completions has no way to send reasoning back.
    text = "".join(texts)

    if message.role == "system":
        return append_system(out, text, current_system)

    if message.role == "assistant":
        entry: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            entry["tool_calls"] = [tool_call_entry(c) for c in calls]
        if text or calls:
            out.append(entry)
    elif message.role == "user" and (text or attachments):
        if attachments:
            content: list[dict[str, Any]] = []
            if text:
                content.append({"type": "text", "text": text})
            content.extend(_attachment(a, image_detail) for a in attachments)
            out.append({"role": "user", "content": content})
        else:
            out.append({"role": "user", "content": text})

    for result in results:
        out.append(
            {
                "role": "tool",
                "tool_call_id": result.tool_call_id,
                "content": result.output,
            }
        )
    extra = tool_attachments_message(
        results, partial(_attachment, image_detail=image_detail)
    )
    if extra is not None:
        out.append(extra)
    if message.role == "tool" and text:
        out.append({"role": "user", "content": text})
    return current_system


def build_chat_messages(
    messages: list[Message], image_detail: str | None = None
) -> list[dict[str, Any]]:
    """The ``messages`` array for a Chat Completions request."""
    out: list[dict[str, Any]] = []
    current_system: str | None = None
    for message in messages:
        current_system = append_chat_message(out, message, current_system, image_detail)
    return out


def function_definition(tool: Any) -> dict[str, Any]:
    """A local tool's name, description and parameter schema."""
    definition: dict[str, Any] = {"name": tool.name}
    if tool.description:
        definition["description"] = tool.description
    definition["parameters"] = tool.input_schema
    return definition


def chat_tools(tools: list[Any]) -> list[dict[str, Any]]:
    """Function definitions for the local tools in ``prompt.tools``."""
    from llm.tools import Tool

    return [
        {"type": "function", "function": function_definition(tool)}
        for tool in tools
        if isinstance(tool, Tool)
    ]
