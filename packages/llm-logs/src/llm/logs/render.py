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
    """The ``--short`` summary of a record, with the original's keys in its order.

    Model, time, duration, conversation, system, tool calls and results, the truncated
    prompt, attachments, then ``prompt_fragments`` and ``system_fragments``
    (always present, empty lists included) and, with ``usage``, the tokens.
    """
    short: dict[str, Any] = {
        "model": record["model"],
        "datetime": (record.get("datetime_utc") or "").split(".")[0].split("+")[0],
    }
    if record.get("duration_ms") is not None:
        short["duration_ms"] = record["duration_ms"]
    short["conversation"] = record["conversation_id"]
    if record.get("system"):
        short["system"] = truncate_string(
            record["system"], SHORT_LENGTH, normalize_whitespace=True, keep_end=True
        )
    if record.get("tool_calls"):
        short["tool_calls"] = [
            f"{call['name']}({json.dumps(call.get('arguments') or {})})"
            for call in record["tool_calls"]
        ]
    if record.get("tool_results"):
        short["tool_results"] = [
            f"{result['name']}: "
            + truncate_string(
                result.get("output") or "", SHORT_LENGTH, normalize_whitespace=True
            )
            for result in record["tool_results"]
        ]
    if record.get("prompt"):
        short["prompt"] = truncate_string(
            record["prompt"], SHORT_LENGTH, normalize_whitespace=True, keep_end=True
        )
    if record.get("attachments"):
        short["attachments"] = [
            {"type": a.get("type"), "path": a.get("path") or a.get("url")}
            for a in record["attachments"]
        ]
    for key in ("prompt_fragments", "system_fragments"):
        short[key] = [f["hash"] for f in record.get(key) or []]
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
    if cost is None and has_usage:
        # The cost is what was known when it was logged; a price added since
        # does not apply to it.
        model_id = record.get("model") or "the model"
        return f"unknown - no price known for {model_id} when it was logged"
    return cost_summary([(record.get("model"), cost, has_usage)])


def _fragments(
    title: str, fragments: list[dict[str, Any]], expand: bool
) -> Iterator[str]:
    """Fragment hashes, or with ``expand`` each fragment's content in a ``<details>``."""
    if not fragments:
        return
    yield f"### {title}\n\n"
    if expand:
        yield "\n\n".join(
            f"<details><summary>{fragment['hash']}</summary>\n"
            f"{fragment.get('content') or ''}\n</details>"
            for fragment in fragments
        )
        yield "\n\n"
    else:
        for fragment in fragments:
            yield f"- {fragment['hash']}\n"
        yield "\n"


def _indent(text: str) -> str:
    return textwrap.indent(text, "    ", lambda line: True)


def _tools(record: dict[str, Any], seen_tools: set[str]) -> Iterator[str]:
    """The tools a prompt offered and the results it sent back.

    A tool's full hash and definition are shown the first time it appears in
    the output, its short hash after that.
    """
    if record.get("tools"):
        yield "### Tools\n\n"
        for tool in record["tools"]:
            digest = tool.get("hash") or ""
            line = f"- **{tool['name']}**"
            if digest in seen_tools:
                line += f": `{digest[:7]}`"
            else:
                seen_tools.add(digest)
                line += f": `{digest}`  \n"
                if tool.get("description"):
                    line += _indent(tool["description"].strip()) + "  \n"
                properties = (tool.get("input_schema") or {}).get("properties", {})
                line += f"    Arguments: `{json.dumps(properties)}`"
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
            yield line + "  \n"
            yield _indent(f"```\n{result.get('output') or ''}\n```")
            if result.get("exception"):
                # The original leaves a blank line after an error.
                yield f"  \n    **Error**: {result['exception']}\n"
            yield "\n"
            for attachment in result.get("attachments") or []:
                yield f"    Attachment: {_attachment_label(attachment)}\n"
        yield "\n"


def _tool_calls(calls: list[dict[str, Any]]) -> Iterator[str]:
    yield "### Tool calls\n\n"
    for call in calls:
        yield f"- **{call['name']}**: `{call.get('tool_call_id')}`  \n"
        arguments = call.get("arguments")
        if isinstance(arguments, dict) and arguments:
            for key, value in arguments.items():
                yield f"    {key}: `{json.dumps(value)}`\n"
        else:
            yield f"    Arguments: `{json.dumps(arguments or {})}`\n"
    yield "\n"


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
    """The default ``llm logs`` view, laid out as the original's: one string per record.

    A system prompt is repeated only when it changes within a conversation.
    """
    previous_conversation = previous_system = None
    seen_tools: set[str] = set()
    for record in records:
        if truncate:
            record = truncate_record(record)
        system = record.get("system")
        show_system = bool(system) and (
            record["conversation_id"] != previous_conversation
            or system != previous_system
        )
        yield "".join(_markdown_record(record, show_system, expand, usage, seen_tools))
        previous_conversation = record["conversation_id"]
        previous_system = system or previous_system


def _markdown_record(
    record: dict[str, Any],
    show_system: bool,
    expand: bool,
    usage: bool,
    seen_tools: set[str],
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
    yield f"## Prompt\n\n{record.get('prompt') or '-- none --'}\n\n"
    yield from _fragments(
        "Prompt fragments", record.get("prompt_fragments") or [], expand
    )
    options = record.get("options_json")
    if isinstance(options, dict) and options:
        yield "## Options\n\n"
        for key, value in options.items():
            yield f"- {key}: {value}\n"
        yield "\n"
    if show_system:
        yield f"## System\n\n{record['system']}\n\n"
    yield from _fragments(
        "System fragments", record.get("system_fragments") or [], expand
    )
    if record.get("schema_json"):
        schema = json.dumps(record["schema_json"], indent=2)
        yield f"## Schema\n\n```json\n{schema}\n```\n\n"
    yield from _tools(record, seen_tools)
    if record.get("attachments"):
        yield "### Attachments\n\n"
        for index, attachment in enumerate(record["attachments"], 1):
            yield f"{index}. {_attachment_label(attachment)}\n"
        yield "\n"
    if record.get("reasoning"):
        yield (
            "## Reasoning\n\n<details><summary>Reasoning trace</summary>\n\n"
            f"{record['reasoning']}\n\n</details>\n\n"
        )
    yield "## Response\n\n"
    response = record.get("response") or ""
    if record.get("schema_json"):
        try:
            parsed = json.loads(response)
            response = "```json\n" + json.dumps(parsed, indent=2) + "\n```"
        except ValueError:
            pass
    if response:
        yield response + "\n\n"
    if record.get("tool_calls"):
        yield from _tool_calls(record["tool_calls"])
    if record.get("status") == "interrupted":
        yield (
            "**Response interrupted** - only what arrived before it stopped "
            "was logged.\n\n"
        )
    elif record.get("status") == "error":
        yield f"**Response failed**: {record.get('error') or 'unknown error'}\n\n"
    if usage:
        yield "## Token usage\n\n"
        summary = _usage_summary(record)
        if summary:
            yield f"{summary}\n\n"
        duration = record.get("duration_ms")
        if duration is not None:
            yield f"Duration: {duration}ms ({duration // 1000}s)\n\n"
        yield f"Cost: {record_cost_summary(record)}\n\n"


def _usage_summary(record: dict[str, Any]) -> str:
    """``3 input, 4 output`` and any details as inline code, as the original shows them."""
    details = record.get("token_details")
    summary = token_usage_string(
        record.get("input_tokens"), record.get("output_tokens"), None
    )
    if isinstance(details, dict) and details:
        summary = ", ".join(filter(None, [summary, f"`{json.dumps(details)}`"]))
    return summary
