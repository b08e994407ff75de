"""Turning log records into output: Markdown, streamed JSON, schema data and short summaries.

Every renderer takes an iterator of records and yields text chunk by chunk, so
output of any size is produced with flat memory.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any

from llm.usage import token_usage_string
from llm.utils import extract_fenced_code_block, find_unused_key, truncate_string

# Exactly what json.dumps uses for strings (ensure_ascii), without its overhead.
_quote = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
_COMPACT = json.JSONEncoder(default=repr)
_PRETTY = json.JSONEncoder(indent=2, default=repr)
_KEYS: dict[str, str] = {}

TRUNCATE_LENGTH = 100
SHORT_LENGTH = 100


def truncate_record(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record with long prompt, system, response and reasoning shortened."""
    shortened = dict(record)
    for key in ("prompt", "system", "response", "reasoning"):
        value = shortened.get(key)
        if isinstance(value, str):
            shortened[key] = truncate_string(value, TRUNCATE_LENGTH)
    return shortened


def record_json(record: dict[str, Any]) -> str:
    """One record as indented JSON, nested two levels deep inside an array.

    The same text as ``json.dumps(record, indent=2)`` shifted right by two
    spaces, but strings go through the C string encoder and other scalars and
    empty values are written directly: the pure-Python indenting encoder is
    only used for non-empty nested values.
    """
    lines = []
    for key, value in record.items():
        kind = type(value)
        if kind is str:
            text = _quote(value)
        elif value is None:
            text = "null"
        elif kind is int:
            text = int.__repr__(value)
        elif kind is list or kind is dict:
            if value:
                text = _PRETTY.encode(value).replace("\n", "\n    ")
            else:
                text = "[]" if kind is list else "{}"
        elif kind is bool:
            text = "true" if value else "false"
        else:
            text = _COMPACT.encode(value)
        quoted = _KEYS.get(key)
        if quoted is None:
            quoted = _KEYS[key] = "    " + json.dumps(key) + ": "
        lines.append(quoted + text)
    if not lines:
        return "  {}"
    return "  {\n" + ",\n".join(lines) + "\n  }"


def json_array(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A pretty-printed JSON array, one record at a time (``[]`` when empty)."""
    first = True
    for record in records:
        yield ("[\n" if first else ",\n") + record_json(record)
        first = False
    yield "[]\n" if first else "\n]\n"


def extract_code(record: dict[str, Any], last: bool) -> str | None:
    """The first (or last) fenced code block of a response; None if it has none.

    ``llm logs -x`` shows only the code blocks found, unlike ``llm -x`` on a new
    prompt, which falls back to the whole response.
    """
    return extract_fenced_code_block(record.get("response") or "", last=last)


def data_items(
    records: Iterable[dict[str, Any]], key: str | None = None, ids: bool = False
) -> Iterator[Any]:
    """JSON values captured by schemas: each response parsed, optionally one key expanded.

    Responses that are not JSON are skipped. With ``ids`` each object gains
    ``response_id`` and ``conversation_id`` (underscores appended on clashes).
    """
    for record in records:
        try:
            value = json.loads(record.get("response") or "")
        except ValueError:
            continue
        items = value.get(key) if key and isinstance(value, dict) else value
        if key is None:
            items = [items]
        if not isinstance(items, list):
            continue
        for item in items:
            if ids and isinstance(item, dict):
                item = dict(item)
                item[find_unused_key(item, "response_id")] = record["id"]
                item[find_unused_key(item, "conversation_id")] = record[
                    "conversation_id"
                ]
            yield item


def ndjson(items: Iterable[Any]) -> Iterator[str]:
    """Newline-delimited JSON."""
    for item in items:
        yield json.dumps(item) + "\n"


def compact_json_array(items: Iterable[Any]) -> Iterator[str]:
    """A JSON array with one item per line."""
    first = True
    for item in items:
        yield ("[" if first else ",\n ") + json.dumps(item)
        first = False
    yield "[]\n" if first else "]\n"


def short_record(record: dict[str, Any], usage: bool = False) -> dict[str, Any]:
    """The ``--short`` summary of a record: model, time, conversation, truncated prompt."""
    short: dict[str, Any] = {
        "model": record["model"],
        "datetime": (record.get("datetime_utc") or "").split(".")[0].split("+")[0],
        "conversation": record["conversation_id"],
    }
    if record.get("system"):
        short["system"] = truncate_string(
            record["system"], SHORT_LENGTH, normalize_whitespace=True, keep_end=True
        )
    short["prompt"] = truncate_string(
        record.get("prompt") or "",
        SHORT_LENGTH,
        normalize_whitespace=True,
        keep_end=True,
    )
    for key in ("prompt_fragments", "system_fragments"):
        if record.get(key):
            short[key] = [f["hash"] for f in record[key]]
    if record.get("attachments"):
        short["attachments"] = [
            {"type": a.get("type"), "path": a.get("path") or a.get("url")}
            for a in record["attachments"]
        ]
    if record.get("tool_calls"):
        short["tool_calls"] = [
            {"name": c["name"], "arguments": c["arguments"]}
            for c in record["tool_calls"]
        ]
    if record.get("tool_results"):
        short["tool_results"] = [r["name"] for r in record["tool_results"]]
    if record.get("status"):
        short["status"] = record["status"]
    if record.get("fallbacks"):
        short["fallback_from"] = [f["model"] for f in record["fallbacks"]]
    if usage:
        usage_dict = {
            "input": record.get("input_tokens"),
            "output": record.get("output_tokens"),
            "details": record.get("token_details"),
        }
        usage_dict["cost_usd"] = record.get("cost_usd")
        usage_dict = {k: v for k, v in usage_dict.items() if v is not None}
        if usage_dict:
            short["usage"] = usage_dict
    return short


def record_cost_summary(record: dict[str, Any]) -> str:
    """What a logged response cost, as ``llm -u`` says it, or why that is unknown."""
    from llm.pricing import Cost, cost_summary, format_dollars

    has_usage = (
        record.get("input_tokens") is not None
        or record.get("output_tokens") is not None
    )
    details = record.get("cost_details")
    cost = None
    if isinstance(details, dict):
        try:
            cost = Cost.from_dict(details)
        except (ValueError, TypeError):  # written by something else: the total will do
            cost = None
    if cost is None and record.get("cost_usd") is not None:
        return format_dollars(record["cost_usd"])
    return cost_summary([(record.get("model"), cost, has_usage)])


def _fragments(
    title: str, fragments: list[dict[str, Any]], expand: bool
) -> Iterator[str]:
    if not fragments:
        return
    yield f"### {title}\n\n"
    if expand:
        for fragment in fragments:
            label = fragment["hash"]
            if fragment.get("source"):
                label += f" ({fragment['source']})"
            yield f"#### {label}\n\n{fragment.get('content') or ''}\n\n"
    else:
        for fragment in fragments:
            yield f"- {fragment['hash']}\n"
        yield "\n"


def _indent(text: str) -> str:
    return textwrap.indent(text, "    ")


def _tools(record: dict[str, Any]) -> Iterator[str]:
    if record.get("tools"):
        yield "### Tools\n\n"
        for tool in record["tools"]:
            line = f"- **{tool['name']}**"
            if tool.get("description"):
                line += f": {tool['description'].strip().splitlines()[0]}"
            instance = tool.get("instance")
            if instance:
                line += f" (from {_instance_label(instance)})"
            yield line + "\n"
        yield "\n"
    if record.get("tool_results"):
        yield "### Tool results\n\n"
        for result in record["tool_results"]:
            line = f"- **{result['name']}**: `{result.get('tool_call_id')}`"
            if result.get("instance"):
                line += f" (from {_instance_label(result['instance'])})"
            yield line + "\n\n"
            yield _indent(result.get("output") or "") + "\n\n"
            if result.get("exception"):
                yield f"    Error: {result['exception']}\n\n"
            for attachment in result.get("attachments") or []:
                yield f"    Attachment: {_attachment_label(attachment)}\n\n"


def _instance_label(instance: dict[str, Any]) -> str:
    arguments = instance.get("arguments") or {}
    if isinstance(arguments, dict):
        args = ", ".join(f"{k}={json.dumps(v)}" for k, v in arguments.items())
    else:
        args = str(arguments)
    return f"{instance.get('name')}({args})"


def _attachment_label(attachment: dict[str, Any]) -> str:
    where = attachment.get("path") or attachment.get("url")
    if not where:
        where = f"<{attachment.get('content_length') or 0} bytes>"
    return f"**{attachment.get('type') or 'unknown type'}**: `{where}`"


def markdown(
    records: Iterable[dict[str, Any]],
    *,
    expand: bool = False,
    usage: bool = False,
    truncate: bool = False,
) -> Iterator[str]:
    """The default ``llm logs`` view: one string per record.

    A system prompt is repeated only when it changes within a conversation.
    """
    previous_conversation = previous_system = None
    for record in records:
        if truncate:
            record = truncate_record(record)
        system = record.get("system")
        show_system = bool(system) and (
            record["conversation_id"] != previous_conversation
            or system != previous_system
        )
        yield "".join(_markdown_record(record, show_system, expand, usage))
        previous_conversation = record["conversation_id"]
        previous_system = system or previous_system


def _markdown_record(
    record: dict[str, Any], show_system: bool, expand: bool, usage: bool
) -> Iterator[str]:
    when = (record.get("datetime_utc") or "").split(".")[0].split("+")[0]
    yield (
        f"# {when}    conversation: {record['conversation_id']} id: {record['id']}\n\n"
    )
    model_line = f"Model: **{record['model']}**"
    if record.get("resolved_model") and record["resolved_model"] != record["model"]:
        model_line += f" (resolved: **{record['resolved_model']}**)"
    yield model_line + "\n\n"
    for failed in record.get("fallbacks") or []:
        yield f"Fell back from **{failed['model']}**: {failed.get('error') or ''}\n\n"
    options = record.get("options_json")
    if isinstance(options, dict) and options:
        yield "Options:\n\n"
        for key, value in options.items():
            yield f"- {key}: {json.dumps(value)}\n"
        yield "\n"
    yield f"## Prompt\n\n{record.get('prompt') or ''}\n\n"
    yield from _fragments(
        "Prompt fragments", record.get("prompt_fragments") or [], expand
    )
    if show_system:
        yield f"## System\n\n{record['system']}\n\n"
    yield from _fragments(
        "System fragments", record.get("system_fragments") or [], expand
    )
    if record.get("attachments"):
        yield "### Attachments\n\n"
        for index, attachment in enumerate(record["attachments"], 1):
            yield f"{index}. {_attachment_label(attachment)}\n"
        yield "\n"
    yield from _tools(record)
    if record.get("schema_json"):
        schema = json.dumps(record["schema_json"], indent=2)
        yield f"### Schema\n\n```json\n{schema}\n```\n\n"
    if record.get("reasoning"):
        yield f"## Reasoning\n\n{record['reasoning']}\n\n"
    yield "## Response\n\n"
    response = record.get("response") or ""
    if record.get("schema_json"):
        try:
            parsed = json.loads(response)
            response = "```json\n" + json.dumps(parsed, indent=2) + "\n```"
        except ValueError:
            pass
    yield response + "\n\n"
    if record.get("tool_calls"):
        yield "### Tool calls\n\n"
        for call in record["tool_calls"]:
            yield f"- **{call['name']}**: `{call.get('tool_call_id')}`\n\n"
            yield _indent(json.dumps(call.get("arguments"), indent=2)) + "\n\n"
    if record.get("status") == "interrupted":
        yield (
            "**Response interrupted** - only what arrived before it stopped "
            "was logged.\n\n"
        )
    elif record.get("status") == "error":
        yield f"**Response failed**: {record.get('error') or 'unknown error'}\n\n"
    if usage:
        details = record.get("token_details")
        summary = token_usage_string(
            record.get("input_tokens"),
            record.get("output_tokens"),
            details if isinstance(details, dict) else None,
        )
        yield "## Token usage\n\n"
        if summary:
            yield f"{summary}\n\n"
        yield f"Cost: {record_cost_summary(record)}\n\n"
