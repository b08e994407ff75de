"""A local HTTP server that speaks enough of the OpenAI wire protocol for tests.

It listens on 127.0.0.1 (a free port), records every request (path, headers,
JSON body) and answers each one with the next scripted reply for that path, or
with a plausible default. Replies can be plain JSON, server-sent events (SSE),
HTTP errors, delayed, or cut off midway to simulate a dropped connection; the
fault-injection helpers (``rate_limited``, ``unavailable``, ``slow``,
``ended_early``, and ``drop_after`` on the reply builders) script the failures
retries deal with.
A closed port is the ``closed_port`` fixture in conftest.py.

``/files`` and ``/batches`` behave like OpenAI's Batch API (see ``BatchAPI``):
uploaded request files are kept, and a batch is answered, request by request,
with the replies scripted (or defaulted) for its endpoint.

Script content with the helpers at the bottom (``chat_reply``,
``responses_reply``...): they return callables that look at the request and
answer with JSON or SSE depending on whether it asked to ``stream``.
"""

from __future__ import annotations

import base64
import json
import struct
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1_700_000_000


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes = b""

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")


@dataclass
class Reply:
    """What to send back for one request.

    ``json`` is sent as a JSON body; ``events`` as SSE (each a dict sent as
    ``data:``, a ``(event_name, dict)`` pair, or a raw ``data`` string), ended
    by ``data: [DONE]`` when ``done``. ``drop_after`` cuts the connection after
    that many events (or halfway through a JSON body when 0).
    """

    status: int = 200
    json: Any = None
    events: list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop_after: int | None = None
    done: bool = True
    text: str | None = None


Script = Callable[[RecordedRequest], Reply]


class _Server(ThreadingHTTPServer):
    # Room for many connections at once (``llm batch --parallel 50``): the
    # default backlog of 5 makes the rest wait for TCP to try again.
    request_queue_size = 256


class FakeOpenAIServer:
    """Start with ``start()``; point clients at ``base_url``; inspect ``requests``."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._queues: dict[str, deque[Reply | Script]] = defaultdict(deque)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.batch_api = BatchAPI(self)
        # Close every connection after one reply (the default), or keep it open
        # for the client's next request as real servers do.
        self.keep_alive = False

    # --- lifecycle ---------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        server = self

        class Handler(_Handler):
            fake = server

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},  # so stop() returns promptly
            name="fake-openai",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """Root URL, without the ``/v1`` prefix."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL clients should use (ends in ``/v1``)."""
        return f"{self.url}/v1"

    # --- scripting ---------------------------------------------------------

    def enqueue(self, path: str, *replies: Reply | Script) -> None:
        """Queue replies for ``path`` (``"chat/completions"`` or ``"/v1/chat/completions"``)."""
        key = _normalise(path)
        with self._lock:
            self._queues[key].extend(replies)

    def reset(self) -> None:
        """Forget the scripted replies and the recorded requests."""
        with self._lock:
            self._queues.clear()
            self.requests.clear()

    def chat(self, *replies: Reply | Script) -> None:
        self.enqueue("chat/completions", *replies)

    def responses(self, *replies: Reply | Script) -> None:
        self.enqueue("responses", *replies)

    def completions(self, *replies: Reply | Script) -> None:
        self.enqueue("completions", *replies)

    def embeddings(self, *replies: Reply | Script) -> None:
        self.enqueue("embeddings", *replies)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        key = _normalise(path)
        return [r for r in self.requests if _normalise(r.path) == key]

    @property
    def last(self) -> RecordedRequest:
        return self.requests[-1]

    @property
    def last_body(self) -> Any:
        return self.requests[-1].body

    def _next_reply(self, request: RecordedRequest) -> Reply:
        key = _normalise(request.path)
        with self._lock:
            queue = self._queues.get(key)
            item = queue.popleft() if queue else None
        if item is None:
            if key.split("/", 1)[0] in ("files", "batches"):
                return self.batch_api.handle(request)
            item = DEFAULTS.get(key, _not_found)
        return item(request) if callable(item) else item


class BatchAPI:
    """OpenAI's Batch API, in memory.

    ``POST /files`` keeps an uploaded JSONL file; ``POST /batches`` creates a
    batch over one; ``GET /batches/{id}`` reports it ``in_progress`` for the
    first ``polls_before_done`` checks, then answers every request (with the
    replies scripted for its endpoint, as if each had been sent) and reports
    it ``completed`` (or ``final_status``), with answers to at most
    ``answer_limit`` requests when that is set (an expired batch);
    ``GET /files/{id}/content`` returns a file, including the output and error
    files of a batch. ``batch_errors`` are reported as the batch's ``errors``.
    """

    def __init__(self, server: FakeOpenAIServer) -> None:
        self.server = server
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.polls_before_done = 1
        self.final_status = "completed"
        self.answer_limit: int | None = None
        self.batch_errors: list[dict[str, Any]] | None = None
        self._polls: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def handle(self, request: RecordedRequest) -> Reply:
        parts = _normalise(request.path).split("/")
        with self._lock:
            if parts == ["files"] and request.method == "POST":
                return self._upload(request)
            if len(parts) == 3 and parts[0] == "files" and parts[2] == "content":
                if parts[1] in self.files:
                    return Reply(text=self.files[parts[1]].decode("utf-8"))
            if parts == ["batches"] and request.method == "POST":
                return self._create(request.body or {})
            if len(parts) == 2 and parts[0] == "batches" and parts[1] in self.batches:
                return Reply(json=self._advance(parts[1]))
        return _not_found(request)

    def _upload(self, request: RecordedRequest) -> Reply:
        from email.parser import BytesParser

        content_type = request.headers.get("content-type", "")
        message = BytesParser().parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + request.raw
        )
        fields = {
            part.get_param("name", header="content-disposition"): part.get_payload(
                decode=True
            )
            for part in message.get_payload()
        }
        if fields.get("purpose") != b"batch" or "file" not in fields:
            return error_reply(
                400, "A batch file upload needs purpose=batch and a file"
            )
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = fields["file"]
        return Reply(
            json={
                "id": file_id,
                "object": "file",
                "bytes": len(fields["file"]),
                "purpose": "batch",
                "created_at": CREATED,
            }
        )

    def _create(self, body: dict[str, Any]) -> Reply:
        file_id = body.get("input_file_id")
        if file_id not in self.files:
            return error_reply(400, f"No such file: {file_id}")
        batch_id = f"batch_{len(self.batches) + 1}"
        lines = [line for line in self.files[file_id].splitlines() if line.strip()]
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body.get("endpoint"),
            "input_file_id": file_id,
            "completion_window": body.get("completion_window"),
            "metadata": body.get("metadata"),
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "errors": None,
            "created_at": CREATED,
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
        }
        return Reply(json=self.batches[batch_id])

    def _advance(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        if batch["status"] in ("validating", "in_progress"):
            self._polls[batch_id] += 1
            if self._polls[batch_id] > self.polls_before_done:
                self._finish(batch)
            else:
                batch["status"] = "in_progress"
        return batch

    def _finish(self, batch: dict[str, Any]) -> None:
        outputs: list[str] = []
        errors: list[str] = []
        requests = [
            raw
            for raw in self.files[batch["input_file_id"]].splitlines()
            if raw.strip()
        ]
        if self.answer_limit is not None:
            requests = requests[: self.answer_limit]
        for number, raw in enumerate(requests):
            line = json.loads(raw)
            inner = RecordedRequest("POST", line["url"], {}, line["body"])
            self.server.requests.append(inner)
            reply = self.server._next_reply(inner)
            if reply.events is not None:
                raise AssertionError("batch requests are never streamed")
            result = {
                "id": f"batch_req_{number + 1}",
                "custom_id": line["custom_id"],
                "response": {
                    "status_code": reply.status,
                    "request_id": f"req_{number + 1}",
                    "body": reply.json,
                },
                "error": None,
            }
            (outputs if reply.status == 200 else errors).append(json.dumps(result))
        for name, lines in (("output_file_id", outputs), ("error_file_id", errors)):
            if lines:
                file_id = f"file-{len(self.files) + 1}"
                self.files[file_id] = ("\n".join(lines) + "\n").encode("utf-8")
                batch[name] = file_id
        batch["status"] = self.final_status
        if self.batch_errors:
            batch["errors"] = {"object": "list", "data": self.batch_errors}
        batch["request_counts"] = {
            "total": len(outputs) + len(errors),
            "completed": len(outputs),
            "failed": len(errors),
        }


def _normalise(path: str) -> str:
    path = path.split("?", 1)[0].strip("/")
    if path.startswith("v1/"):
        path = path[3:]
    return path


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAIServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output quiet

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        request = RecordedRequest(
            method=method,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw=raw,
        )
        self.fake.requests.append(request)
        reply = self.fake._next_reply(request)
        if reply.delay and self.fake._stopping.wait(reply.delay):
            return
        self.close_connection = not self.fake.keep_alive or reply.drop_after is not None
        try:
            if reply.events is not None:
                self._send_events(reply)
            else:
                self._send_body(reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeouts), nothing to do

    def _start(self, reply: Reply, content_type: str) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header(
            "Connection", "close" if self.close_connection else "keep-alive"
        )
        for name, value in reply.headers.items():
            self.send_header(name, value)

    def _send_body(self, reply: Reply) -> None:
        if reply.text is not None:
            payload = reply.text.encode("utf-8")
            content_type = "text/plain"
        else:
            payload = json.dumps(reply.json if reply.json is not None else {}).encode()
            content_type = "application/json"
        self._start(reply, content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if reply.drop_after is not None:
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            return
        self.wfile.write(payload)
        self.wfile.flush()

    def _send_events(self, reply: Reply) -> None:
        self._start(reply, "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for count, event in enumerate(reply.events or []):
            if reply.drop_after is not None and count >= reply.drop_after:
                self.wfile.flush()
                return  # no terminating chunk: the client sees a broken stream
            self._chunk(_format_event(event))
        if reply.done:
            self._chunk("data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, text: str) -> None:
        data = text.encode("utf-8")
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _format_event(event: Any) -> str:
    if isinstance(event, tuple):
        name, data = event
        return f"event: {name}\ndata: {json.dumps(data)}\n\n"
    if isinstance(event, str):
        return f"data: {event}\n\n"
    if (
        isinstance(event, dict)
        and isinstance(event.get("type"), str)
        and "." in event["type"]
    ):
        # Responses API events carry their type both as the SSE event name and in data.
        return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
    return f"data: {json.dumps(event)}\n\n"


# --- reply builders ---------------------------------------------------------


def error_reply(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",  # noqa: A002
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """An OpenAI-style error body."""
    return Reply(
        status=status,
        json={"error": {"message": message, "type": type, "param": None, "code": code}},
        headers=headers or {},
    )


# --- fault injection ----------------------------------------------------------


def rate_limited(
    retry_after: str | None = "1", message: str = "Rate limit reached"
) -> Reply:
    """HTTP 429, with ``Retry-After`` (seconds or an HTTP date) unless None."""
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return error_reply(429, message, type="rate_limit_error", headers=headers)


def unavailable(message: str = "The server is overloaded") -> Reply:
    """HTTP 503."""
    return error_reply(503, message, type="server_error")


def slow(seconds: float, reply: Reply | Script) -> Script:
    """``reply``, its first byte sent only after ``seconds``."""

    def build(request: RecordedRequest) -> Reply:
        built = reply(request) if callable(reply) else reply
        return replace(built, delay=seconds)

    return build


def ended_early(reply: Reply | Script) -> Script:
    """``reply`` streamed without its end: no finish reason, no ``[DONE]``, no
    ``response.completed`` - as when a server closes the connection cleanly
    partway through."""

    def finished(event: Any) -> bool:
        if not isinstance(event, dict):
            return False
        if event.get("type") in ("response.completed", "response.incomplete"):
            return True
        choices = event.get("choices") or []
        return any(choice.get("finish_reason") for choice in choices) or (
            not choices and "usage" in event
        )

    def build(request: RecordedRequest) -> Reply:
        built = reply(request) if callable(reply) else reply
        events = [event for event in built.events or [] if not finished(event)]
        return replace(built, events=events, done=False)

    return build


def chat_usage(prompt: int = 10, completion: int = 5, **details: Any) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    usage.update(details)
    return usage


def chat_reply(
    text: str | None = "Hello from the fake server",
    *,
    tool_calls: list[dict[str, Any]] | None = None,
    reasoning_content: str | None = None,
    usage: dict[str, Any] | None = None,
    model: str | None = None,
    chunk_size: int = 4,
    finish_reason: str | None = None,
    drop_after: int | None = None,
    mid_stream_error: str | None = None,
) -> Script:
    """A chat completion: JSON, or SSE chunks (plus a usage chunk) when streamed.

    ``tool_calls`` items are ``{"id", "name", "arguments"}`` (arguments a str or
    dict); streamed, their arguments arrive in several deltas, interleaved
    when there are several calls.
    """
    usage = usage if usage is not None else chat_usage()
    calls = [
        {
            "id": c.get("id"),
            "name": c["name"],
            "arguments": c["arguments"]
            if isinstance(c.get("arguments"), str)
            else json.dumps(c.get("arguments", {})),
        }
        for c in tool_calls or []
    ]
    finish = finish_reason or ("tool_calls" if calls else "stop")

    def build(request: RecordedRequest) -> Reply:
        body = request.body or {}
        model_name = model or body.get("model", "gpt-4o-mini")
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": text}
            if reasoning_content is not None:
                message["reasoning_content"] = reasoning_content
            if calls:
                message["tool_calls"] = [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": c["arguments"]},
                    }
                    for c in calls
                ]
            return Reply(
                json={
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": CREATED,
                    "model": model_name,
                    "choices": [
                        {"index": 0, "message": message, "finish_reason": finish}
                    ],
                    "usage": usage,
                },
                drop_after=0 if drop_after is not None else None,
            )

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict:
            return {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": CREATED,
                "model": model_name,
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": finish_reason}
                ],
            }

        events: list[Any] = [chunk({"role": "assistant", "content": ""})]
        if reasoning_content:
            for piece in _pieces(reasoning_content, chunk_size):
                events.append(chunk({"reasoning_content": piece}))
        for piece in _pieces(text or "", chunk_size):
            events.append(chunk({"content": piece}))
        if mid_stream_error:
            events.append(
                {"error": {"message": mid_stream_error, "type": "server_error"}}
            )
        if calls:
            for index, call in enumerate(calls):
                events.append(
                    chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": index,
                                    "id": call["id"],
                                    "type": "function",
                                    "function": {"name": call["name"], "arguments": ""},
                                }
                            ]
                        }
                    )
                )
            # Interleave the argument deltas of parallel calls.
            pieces = [list(_pieces(c["arguments"], 5)) for c in calls]
            for step in range(max(len(p) for p in pieces)):
                for index, call_pieces in enumerate(pieces):
                    if step < len(call_pieces):
                        events.append(
                            chunk(
                                {
                                    "tool_calls": [
                                        {
                                            "index": index,
                                            "function": {
                                                "arguments": call_pieces[step]
                                            },
                                        }
                                    ]
                                }
                            )
                        )
        events.append(chunk({}, finish))
        if usage:
            events.append(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": CREATED,
                    "model": model_name,
                    "choices": [],
                    "usage": usage,
                }
            )
        return Reply(events=events, drop_after=drop_after)

    return build


def completion_reply(
    text: str = "Once upon a time",
    *,
    logprobs: list[dict[str, float]] | None = None,
    usage: dict[str, Any] | None = None,
    chunk_size: int = 4,
) -> Script:
    """A legacy completion (``/v1/completions``), JSON or streamed."""
    usage = usage if usage is not None else chat_usage(4, 4)

    def logprobs_for(tokens: list[str], tops: list[dict[str, float]]) -> dict:
        return {
            "tokens": tokens,
            "token_logprobs": [max(t.values()) for t in tops],
            "top_logprobs": tops,
            "text_offset": list(range(len(tokens))),
        }

    def build(request: RecordedRequest) -> Reply:
        body = request.body or {}
        model_name = body.get("model", "gpt-3.5-turbo-instruct")
        pieces = list(_pieces(text, chunk_size))
        tops = logprobs or []
        if not body.get("stream"):
            choice: dict[str, Any] = {"index": 0, "text": text, "finish_reason": "stop"}
            if tops:
                choice["logprobs"] = logprobs_for(pieces, tops)
            return Reply(
                json={
                    "id": "cmpl-fake",
                    "object": "text_completion",
                    "created": CREATED,
                    "model": model_name,
                    "choices": [choice],
                    "usage": usage,
                }
            )
        events: list[Any] = []
        for index, piece in enumerate(pieces):
            choice = {"index": 0, "text": piece, "finish_reason": None}
            if index < len(tops):
                choice["logprobs"] = logprobs_for([piece], [tops[index]])
            events.append(
                {
                    "id": "cmpl-fake",
                    "object": "text_completion",
                    "created": CREATED,
                    "model": model_name,
                    "choices": [choice],
                }
            )
        events.append(
            {
                "id": "cmpl-fake",
                "object": "text_completion",
                "created": CREATED,
                "model": model_name,
                "choices": [],
                "usage": usage,
            }
        )
        return Reply(events=events)

    return build


def reasoning_item(
    summary: str | None = "Thinking it over",
    *,
    encrypted: str | None = "ENCRYPTED-1",
    id: str = "rs_1",  # noqa: A002
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "reasoning",
        "id": id,
        "summary": [{"type": "summary_text", "text": summary}] if summary else [],
    }
    if encrypted is not None:
        item["encrypted_content"] = encrypted
    return item


def message_item(text: str, *, id: str = "msg_1") -> dict[str, Any]:  # noqa: A002
    return {
        "type": "message",
        "id": id,
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


def function_call_item(
    name: str,
    arguments: dict[str, Any] | str,
    *,
    call_id: str = "call_1",
    id: str = "fc_1",  # noqa: A002
) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": id,
        "call_id": call_id,
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        "status": "completed",
    }


def responses_usage(
    input: int = 12, output: int = 7, reasoning: int = 3, cached: int = 0
) -> dict:  # noqa: A002
    return {
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input + output,
    }


def responses_reply(
    *items: dict[str, Any],
    usage: dict[str, Any] | None = None,
    model: str | None = None,
    chunk_size: int = 4,
    drop_after: int | None = None,
    fail_with: str | None = None,
    final_encrypted: dict[str, str] | None = None,
) -> Script:
    """A Responses API reply built from output items (see ``message_item`` etc.).

    Streamed, it emits the same event sequence OpenAI does: created,
    output_item.added, text/summary/argument deltas, output_item.done, and
    completed (or failed, with ``fail_with``). ``final_encrypted`` maps reasoning
    item ids to a different ciphertext for the completed payload, as OpenAI
    encrypts afresh for each event.
    """
    output = list(items) or [message_item("Hello from the fake server")]
    usage = usage if usage is not None else responses_usage()

    def envelope(model_name: str, status: str, out: list[dict]) -> dict[str, Any]:
        return {
            "id": "resp_fake",
            "object": "response",
            "created_at": CREATED,
            "status": status,
            "model": model_name,
            "output": out,
            "usage": usage if status == "completed" else None,
            "store": False,
        }

    def final_output() -> list[dict[str, Any]]:
        result = []
        for item in output:
            if (
                item["type"] == "reasoning"
                and final_encrypted
                and item["id"] in final_encrypted
            ):
                item = dict(item, encrypted_content=final_encrypted[item["id"]])
            result.append(item)
        return result

    def build(request: RecordedRequest) -> Reply:
        body = request.body or {}
        model_name = model or body.get("model", "o3")
        if not body.get("stream"):
            if fail_with:
                return error_reply(500, fail_with)
            return Reply(json=envelope(model_name, "completed", final_output()))
        seq = iter(range(1, 10_000))
        events: list[Any] = [
            {
                "type": "response.created",
                "sequence_number": 0,
                "response": envelope(model_name, "in_progress", []),
            }
        ]
        for index, item in enumerate(output):
            kind = item["type"]
            added = dict(item)
            if kind == "message":
                added["content"] = []
                added["status"] = "in_progress"
            elif kind == "reasoning":
                added["summary"] = []
                added.pop("encrypted_content", None)
            elif kind == "function_call":
                added["arguments"] = ""
                added["status"] = "in_progress"
            events.append(
                {
                    "type": "response.output_item.added",
                    "sequence_number": next(seq),
                    "output_index": index,
                    "item": added,
                }
            )
            if kind == "message":
                for content_index, content in enumerate(item["content"]):
                    for piece in _pieces(content.get("text", ""), chunk_size):
                        events.append(
                            {
                                "type": "response.output_text.delta",
                                "sequence_number": next(seq),
                                "item_id": item["id"],
                                "output_index": index,
                                "content_index": content_index,
                                "delta": piece,
                                "logprobs": [],
                            }
                        )
            elif kind == "reasoning":
                for summary_index, summary in enumerate(item.get("summary", [])):
                    events.append(
                        {
                            "type": "response.reasoning_summary_part.added",
                            "sequence_number": next(seq),
                            "item_id": item["id"],
                            "output_index": index,
                            "summary_index": summary_index,
                            "part": {"type": "summary_text", "text": ""},
                        }
                    )
                    for piece in _pieces(summary["text"], chunk_size):
                        events.append(
                            {
                                "type": "response.reasoning_summary_text.delta",
                                "sequence_number": next(seq),
                                "item_id": item["id"],
                                "output_index": index,
                                "summary_index": summary_index,
                                "delta": piece,
                            }
                        )
            elif kind == "function_call":
                for piece in _pieces(item["arguments"], 5):
                    events.append(
                        {
                            "type": "response.function_call_arguments.delta",
                            "sequence_number": next(seq),
                            "item_id": item["id"],
                            "output_index": index,
                            "delta": piece,
                        }
                    )
            events.append(
                {
                    "type": "response.output_item.done",
                    "sequence_number": next(seq),
                    "output_index": index,
                    "item": item,
                }
            )
        if fail_with:
            failed = envelope(model_name, "failed", [])
            failed["error"] = {"code": "server_error", "message": fail_with}
            events.append(
                {
                    "type": "response.failed",
                    "sequence_number": next(seq),
                    "response": failed,
                }
            )
        else:
            events.append(
                {
                    "type": "response.completed",
                    "sequence_number": next(seq),
                    "response": envelope(model_name, "completed", final_output()),
                }
            )
        return Reply(events=events, done=False, drop_after=drop_after)

    return build


def fake_vector(text: str, dimensions: int) -> list[float]:
    """A deterministic vector for ``text`` (exactly representable as float32)."""
    seed = sum(text.encode("utf-8")) % 97
    return [((seed + i) % 17) / 16 for i in range(dimensions)]


def embeddings_reply(
    *, force_float: bool = False, dimensions: int | None = None
) -> Script:
    """Embeddings for each input, as floats or base64 float32 per ``encoding_format``.

    ``force_float`` imitates compatible servers that ignore ``encoding_format``.
    """

    def build(request: RecordedRequest) -> Reply:
        body = request.body or {}
        inputs = body.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        size = dimensions or body.get("dimensions") or 8
        data = []
        for index, text in enumerate(inputs or []):
            vector = fake_vector(str(text), size)
            embedding: Any = vector
            if body.get("encoding_format") == "base64" and not force_float:
                embedding = base64.b64encode(struct.pack(f"<{size}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        data.reverse()  # real servers do not promise order; clients sort by index
        return Reply(
            json={
                "object": "list",
                "data": data,
                "model": body.get("model"),
                "usage": {"prompt_tokens": len(data), "total_tokens": len(data)},
            }
        )

    return build


def models_reply(ids: list[str] | None = None) -> Script:
    ids = ids if ids is not None else ["gpt-4o-mini", "gpt-4o", "o3"]

    def build(request: RecordedRequest) -> Reply:
        return Reply(
            json={
                "object": "list",
                "data": [
                    {
                        "id": model_id,
                        "object": "model",
                        "created": CREATED + i,
                        "owned_by": "openai",
                    }
                    for i, model_id in enumerate(ids)
                ],
            }
        )

    return build


def _not_found(request: RecordedRequest) -> Reply:
    return error_reply(404, f"Unknown path {request.path}", code="not_found")


def _pieces(text: str, size: int):
    for start in range(0, len(text), size):
        yield text[start : start + size]


DEFAULTS: dict[str, Script] = {
    "chat/completions": chat_reply(),
    "completions": completion_reply(),
    "responses": responses_reply(),
    "embeddings": embeddings_reply(),
    "models": models_reply(),
}
