"""Responses: the lazy, streamable result of running a Prompt against a model.

``BaseResponse`` holds the state shared by the sync ``Response`` and the
``AsyncResponse`` (in ``async_response.py``): recorded events, assembled parts,
tool calls, usage and timing. Nothing runs until the response is consumed.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .errors import ModelError
from .execution import to_event
from .ids import monotonic_ulid, new_tool_call_id
from .parts import (
    Message,
    Part,
    PartAssembler,
    StreamEvent,
    ToolCallPart,
    assistant_messages,
)
from .redaction import scrub_exception
from .response_record import ResponseRecord, options_dict
from .retries import timeout_scope
from .tool_execution import ToolLookup, execute_tool_call, execute_tool_calls
from .tools import ToolCall, ToolResult
from .usage import Usage

if TYPE_CHECKING:
    from typing_extensions import Self

    from .conversation import Conversation
    from .fallbacks import FailedModel
    from .pricing import Cost
    from .prompt import Prompt
    from .serialization import ResponseDict


def merge_tool_calls(parts: list[Part], tool_calls: list[ToolCall]) -> list[Part]:
    """Make sure every registered tool call appears as a ToolCallPart.

    Calls already streamed as events keep their place; an event-built part with
    no ID adopts the (possibly synthesized) ID of the matching registered call.
    """
    parts = list(parts)
    known = {
        p.tool_call_id for p in parts if isinstance(p, ToolCallPart) and p.tool_call_id
    }
    for call in tool_calls:
        if call.tool_call_id in known:
            continue
        for part in parts:
            if (
                isinstance(part, ToolCallPart)
                and part.tool_call_id is None
                and not part.server_executed
                and part.name == call.name
            ):
                part.tool_call_id = call.tool_call_id
                break
        else:
            parts.append(
                ToolCallPart(
                    name=call.name,
                    arguments=call.arguments,
                    tool_call_id=call.tool_call_id,
                )
            )
        if call.tool_call_id:
            known.add(call.tool_call_id)
    return parts


def output_messages(
    indexed_parts: list[tuple[int, Part]], tool_calls: list[ToolCall]
) -> list[Message]:
    """The assistant messages of a finished response, registered tool calls included.

    A call registered with ``add_tool_call()`` but never streamed joins the
    first message.
    """
    parts = merge_tool_calls([part for _, part in indexed_parts], tool_calls)
    first = indexed_parts[0][0] if indexed_parts else 0
    added = [(first, part) for part in parts[len(indexed_parts) :]]
    return assistant_messages([*indexed_parts, *added])


def _with_tool_calls(
    output: list[Message], tool_calls: list[ToolCall]
) -> list[Message]:
    """Restored output messages, plus a part for each tool call they do not show."""
    messages = [message for message in output if message.parts]
    flat = [part for message in messages for part in message.parts]
    added = merge_tool_calls(flat, tool_calls)[len(flat) :]
    if not added:
        return messages
    if not messages:
        return [Message(role="assistant", parts=added)]
    last = messages[-1]
    return [
        *messages[:-1],
        Message(last.role, [*last.parts, *added], last.provider_metadata),
    ]


class BaseResponse:
    """State and accessors shared by sync and async responses."""

    def __init__(
        self,
        prompt: Prompt,
        model: Any,
        stream: bool,
        conversation: Any = None,
        key: str | None = None,
        *,
        retries: int | None = None,
        timeout: float | None = None,
        fallbacks: list[Any] | None = None,
    ) -> None:
        self.prompt = prompt
        self.model = model
        self.stream = stream
        self.conversation = conversation
        self._key = key
        # Reliability settings as given (None: environment, model, config);
        # see llm.retries and llm.fallbacks.
        self.retries = retries
        self.timeout = timeout
        self.fallbacks = fallbacks
        # Models tried before the one that answered (self.model), in order.
        self.failed_models: list[FailedModel] = []
        self.call_timeout: Any = None
        self.id = monotonic_ulid()
        self.response_json: Any = None
        self.resolved_model: str | None = None
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.token_details: dict[str, Any] | None = None
        self.done_callbacks: list[Callable[..., Any]] = []
        self.before_call: Callable[..., Any] | None = None
        self.after_call: Callable[..., Any] | None = None
        self.interrupted = False
        self.error: BaseException | None = None
        self._chunks: list[str] = []
        self._events: list[StreamEvent] = []
        self._assembler = PartAssembler()
        self._output: list[Message] | None = None  # set once done
        self._tool_calls: list[ToolCall] = []
        self._offered_tools: list[Any] = []  # from reply(tools=...)
        self._done = False
        self._started = False
        self._start: float | None = None
        self._end: float | None = None
        self._start_utcnow: datetime.datetime | None = None
        self._cost: Cost | None = None
        self._cost_known = False  # _cost holds the finished response's cost
        # Set when the response ran in a provider batch: the share its batch
        # API takes off the price (see llm.batch_providers.provider_batch_results).
        self.batch_discount: float | None = None

    # --- recording, used while executing ---------------------------------

    def _begin(self) -> None:
        self._started = True
        self._start = time.monotonic()
        self._start_utcnow = datetime.datetime.now(datetime.timezone.utc)
        if self.conversation is not None:
            self.prompt.history = self.conversation.history_before(self)

    def fallback_models(self) -> list[Any]:
        """Models (or names) to try, in order, if this response's model fails for good."""
        from .fallbacks import resolve_fallbacks

        return resolve_fallbacks(self.fallbacks, self.model)

    def _reset_for_retry(self) -> None:
        """Forget what a failed attempt may have recorded before trying again."""
        self._tool_calls = []
        self.response_json = None
        self.resolved_model = None
        self.input_tokens = self.output_tokens = None
        self.token_details = None

    def _record(self, item: Any) -> StreamEvent | None:
        event = to_event(item)
        if event is None:
            return None
        event = self._assembler.add(event)
        self._events.append(event)
        if event.type == "text":
            self._chunks.append(event.chunk)
        return event

    def _take(self, item: Any) -> None:
        """Record an item from ``execute()``; one that cannot be assembled ends the response."""
        try:
            self._record(item)
        except ValueError as ex:  # a StreamEvent at odds with its part_index
            self._abort(ex)
            raise

    def _complete(self) -> None:
        self._end = time.monotonic()
        self._done = True
        self._output = output_messages(
            self._assembler.indexed_parts(), self._tool_calls
        )
        conversation = self.conversation
        if conversation is not None and self not in conversation.responses:
            # A finished turn joins the history; a call that failed before any
            # output arrived does not (there is nothing to continue from) unless
            # it carried tool results, which the model's tool calls still need.
            failed_empty = self.error is not None and not self._events
            if not failed_empty or self.prompt.tool_results:
                conversation.responses.append(self)

    def _abort(self, ex: BaseException) -> None:
        """Keep what arrived when execution fails or is interrupted midway.

        An error's message is scrubbed of API keys (some servers echo the
        key back) before anything can show or store it.
        """
        if isinstance(ex, (KeyboardInterrupt, GeneratorExit)):
            self.interrupted = True
        else:
            self.error = scrub_exception(ex)
        self._complete()

    def cancel(self) -> None:
        """Stop this response where it is: what arrived is kept, and it counts as interrupted.

        For code that stops consuming a response early (Ctrl-C between two
        chunks, SIGTERM, a closed output pipe): nothing more is read from the
        model, ``text()`` returns what arrived and logging records it as
        interrupted. A cancellation that already ended the response as an error
        (``asyncio.CancelledError``) becomes an interruption too.
        """
        if not self._done:
            self._abort(KeyboardInterrupt())
        self.interrupted = True
        if type(self.error).__name__ == "CancelledError":
            self.error = None

    # --- plugin-facing API -----------------------------------------------

    def set_usage(
        self,
        *,
        input: int | None = None,
        output: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record token usage (call from ``execute()``)."""
        self.input_tokens = input
        self.output_tokens = output
        self.token_details = details

    def set_resolved_model(self, model_id: str) -> None:
        """Record the specific model the provider actually ran."""
        self.resolved_model = model_id

    def add_tool_call(self, tool_call: ToolCall) -> None:
        """Register a tool call for local execution; synthesizes an ID if missing."""
        if not tool_call.tool_call_id:
            tool_call.tool_call_id = new_tool_call_id()
        self._tool_calls.append(tool_call)

    # --- reading finished data -------------------------------------------

    @property
    def started(self) -> bool:
        """True once execution has begun (a finished response has always started)."""
        return self._started or self._done

    @property
    def attachments(self) -> list[Any]:
        """Attachments sent with this response's prompt."""
        return self.prompt.attachments

    def record(self) -> ResponseRecord:
        """A frozen snapshot of what was sent and what came back so far (see ResponseRecord)."""
        prompt = self.prompt
        conversation = self.conversation
        output = self._messages()
        return ResponseRecord(
            id=self.id,
            model_id=self.model.model_id,
            resolved_model=self.resolved_model,
            conversation_id=conversation.id if conversation is not None else None,
            conversation_name=conversation.name if conversation is not None else None,
            conversation_model_id=(
                getattr(conversation.model, "model_id", None)
                if conversation is not None
                else None
            ),
            datetime_utc=self.datetime_utc(),
            duration_ms=self.duration_ms(),
            prompt=prompt._prompt,
            system=prompt._system,
            fragments=tuple(prompt.fragments),
            system_fragments=tuple(prompt.system_fragments),
            attachments=tuple(prompt.own_attachments),
            messages=(
                tuple(prompt.explicit_messages)
                if prompt.explicit_messages is not None
                else None
            ),
            input_messages=tuple(prompt.messages),
            tool_results=tuple(prompt.tool_results),
            given_tools=tuple(prompt._raw_tools),
            tools=tuple(prompt.tools) if prompt._raw_tools else (),
            options=options_dict(prompt.options),
            schema=prompt.schema,
            prompt_json=prompt.prompt_json,
            text=self._text(),
            reasoning=self.reasoning,
            parts=tuple(part for message in output for part in message.parts),
            output=tuple(output),
            tool_calls=tuple(self._tool_calls),
            usage=self._usage(),
            response_json=self.response_json,
            started=self.started,
            done=self._done,
            interrupted=self.interrupted,
            error=self.error,
            failed_models=tuple(self.failed_models),
            cost=self._cost_or_warn(),
        )

    def _text(self) -> str:
        return "".join(self._chunks)

    def _messages(self) -> list[Message]:
        if self._output is not None:
            return list(self._output)
        return assistant_messages(self._assembler.indexed_parts())  # so far

    def _usage(self) -> Usage:
        return Usage(
            input=self.input_tokens,
            output=self.output_tokens,
            details=self.token_details or None,
        )

    def _debug(self) -> dict[str, Any]:
        data = self.response_json
        if data is None:
            return {}
        return dict(data) if isinstance(data, dict) else {"response_json": data}

    def _compute_cost(self) -> Cost | None:
        """The cost of what arrived so far, kept once the response is done."""
        if self._cost_known:
            return self._cost
        from .prices import response_cost

        cost = response_cost(
            self.model, self._usage(), self.resolved_model, self.batch_discount
        )
        if self._done:
            self._cost, self._cost_known = cost, True
        return cost

    def _cost_or_warn(self) -> Cost | None:
        """The cost for a record: a broken prices.yaml must not stop logging."""
        from .errors import ConfigError

        try:
            return self._compute_cost()
        except ConfigError as ex:
            import sys

            print(f"Warning: cost not computed: {ex}", file=sys.stderr)
            self._cost_known = self._done
            return None

    def text_or_raise(self) -> str:
        """The text, without executing; raises if the response has not run yet."""
        if not self._done:
            raise ValueError("Response not yet executed")
        return self._text()

    def tool_calls_or_raise(self) -> list[ToolCall]:
        """Tool calls, without executing; raises if the response has not run yet."""
        if not self._done:
            raise ValueError("Response not yet executed")
        return list(self._tool_calls)

    @property
    def reasoning(self) -> str:
        """Visible reasoning text received so far."""
        return "".join(e.chunk for e in self._events if e.type == "reasoning")

    def duration_ms(self) -> int:
        """Milliseconds from the start of execution to completion."""
        if self._start is None:
            return 0
        end = self._end if self._end is not None else time.monotonic()
        return int((end - self._start) * 1000)

    def datetime_utc(self) -> str:
        """ISO timestamp of when execution started, in UTC with its ``+00:00`` offset
        (``2026-12-02T16:34:56.579546+00:00``), as the original returns it."""
        moment = self._start_utcnow or datetime.datetime.now(datetime.timezone.utc)
        return moment.isoformat()

    def log_to_db(self, db: Any) -> None:
        """Write this response to a logs database (needs the llm-logs package)."""
        try:
            from llm.logs import log_response
        except ImportError as ex:  # pragma: no cover - depends on installation
            raise ModelError(
                "Logging to a database needs the llm-logs package: pip install llm-logs"
            ) from ex
        log_response(db, self)

    @classmethod
    def restore(
        cls,
        prompt: Prompt,
        model: Any,
        *,
        text: str = "",
        parts: list[Part] | None = None,
        output: list[Message] | None = None,
        tool_calls: list[ToolCall] | None = None,
        id: str | None = None,
        conversation: Any = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        token_details: dict[str, Any] | None = None,
        response_json: Any = None,
        resolved_model: str | None = None,
        datetime_utc: str | None = None,
        duration_ms: int | None = None,
        stream: bool = True,
        cost: Cost | None = None,
    ) -> Any:
        """A completed response rebuilt from stored data (logs, serialized dicts).

        The assistant output is ``output`` (its messages), else one message of
        ``parts``, else one TextPart holding ``text``. ``cost`` is the cost
        recorded at the time; without one, ``cost()`` prices the usage at
        today's prices.
        """
        from .parts import ReasoningPart, StreamEvent, TextPart

        response = cls(prompt, model, stream, conversation=conversation)
        if id:
            response.id = id
        if output is not None:
            parts = [part for message in output for part in message.parts]
        elif parts is None:
            parts = [TextPart(text=text)] if text else []
        for part in parts:
            if isinstance(part, TextPart):
                response._record(StreamEvent(type="text", chunk=part.text))
            elif isinstance(part, ReasoningPart) and part.text:
                response._record(StreamEvent(type="reasoning", chunk=part.text))
        if not any(isinstance(p, TextPart) for p in parts) and text:
            response._record(StreamEvent(type="text", chunk=text))
        response._tool_calls = list(tool_calls or [])
        response.set_usage(
            input=input_tokens, output=output_tokens, details=token_details
        )
        response.response_json = response_json
        response.resolved_model = resolved_model
        if datetime_utc:
            try:
                moment = datetime.datetime.fromisoformat(datetime_utc)
            except ValueError:
                pass
            else:
                utc = datetime.timezone.utc
                response._start_utcnow = (
                    moment.astimezone(utc)
                    if moment.tzinfo
                    else moment.replace(tzinfo=utc)
                )
        response._complete()
        if output is None:
            output = [Message(role="assistant", parts=list(parts))]
        response._output = _with_tool_calls(output, response._tool_calls)
        if duration_ms is not None and response._end is not None:
            response._start = response._end - duration_ms / 1000
        if cost is not None:
            response._cost, response._cost_known = cost, True
        return response

    def _to_dict(self) -> ResponseDict:
        from .serialization import record_to_dict

        return record_to_dict(self.record())

    @classmethod
    def from_dict(cls, data: dict[str, Any], model: Any = None) -> Self:
        """Rehydrate a response saved with ``to_dict()``; ``reply()`` continues it.

        ``model`` defaults to the installed model named in ``data``.
        """
        from .serialization import response_from_dict

        if model is None:
            model = cls._model_named(data["model"])
        return response_from_dict(cls, data, model)

    @classmethod
    def _model_named(cls, model_id: str) -> Any:
        from .registry import get_model

        return get_model(model_id)

    @classmethod
    def fake(
        cls,
        model: Any,
        prompt: str,
        system: str | None = None,
        response: str | None = None,
        *,
        attachments: list[Any] | None = None,
    ) -> Self:
        """A completed response with canned text, for tests of plugins."""
        from .prompt import Prompt

        fake = cls(
            Prompt(prompt, model, system=system, attachments=attachments), model, False
        )
        if response:
            fake._record(response)
        fake._complete()
        return fake

    def _continue(
        self, prompt: str | None, tool_results: list[ToolResult], kwargs: dict[str, Any]
    ) -> Any:
        """The next turn after this one, in its conversation (a new one if it had none)."""
        conversation = self.conversation
        if conversation is None:
            conversation = self.model.conversation()
            conversation.responses.append(self)
            self.conversation = conversation
        kwargs.setdefault("tools", self.prompt._raw_tools or None)
        kwargs.setdefault("key", self._key)
        return conversation.prompt(prompt, tool_results=tool_results, **kwargs)

    def _tools_index(self) -> ToolLookup:
        """The tools pending calls can use: the prompt's, then any given to ``reply()``."""
        return ToolLookup([*self.prompt._raw_tools, *self._offered_tools])

    def _offer_tools(self, tools: list[Any] | None) -> None:
        """Let pending calls also use ``tools`` (given to ``reply()``).

        They are kept beside the prompt, not added to it: this response's
        request, as logged or saved, did not offer them.
        """
        if tools:
            self._offered_tools = list(tools)

    def __repr__(self) -> str:
        text = "... not yet done ..."
        if self._done:
            text = self._text()
        return f"<{type(self).__name__} prompt={self.prompt.prompt!r} text={text!r}>"


class Response(BaseResponse):
    """A synchronous response: iterate it to stream text, or call text()."""

    conversation: Conversation | None
    _generator: Iterator[Any] | None = None

    def _advance(self) -> bool:
        """Pull one item from the model; False once the stream is finished."""
        if self._done:
            return False
        if self._generator is None:
            from .attempts import END, StartFailed, start

            self._begin()
            failure: StartFailed | None = None
            try:
                self._generator, item = start(self)
            except StartFailed as failed:
                failure = failed
            except BaseException as ex:
                self._abort(ex)
                raise
            if failure is not None:
                if failure.started:
                    self._abort(failure.error)
                else:
                    self._started = False  # nothing ran: fix the cause and retry
                raise failure.error
            if item is not END:
                self._take(item)
                return True
            self._complete()
            self._run_callbacks()
            return False
        try:
            with timeout_scope(self.call_timeout):
                item = next(self._generator)
        except StopIteration:
            self._complete()
            self._run_callbacks()
            return False
        except BaseException as ex:
            self._abort(ex)
            raise
        self._take(item)
        return True

    def _run_callbacks(self) -> None:
        for callback in self.done_callbacks:
            callback(self)

    def stream_events(self) -> Iterator[StreamEvent]:
        """Yield every StreamEvent (text, reasoning, tool calls...) with its part_index."""
        index = 0
        while True:
            while index < len(self._events):
                yield self._events[index]
                index += 1
            if not self._advance():
                if index >= len(self._events):
                    return

    def __iter__(self) -> Iterator[str]:
        for event in self.stream_events():
            if event.type == "text":
                yield event.chunk

    def _force(self) -> None:
        while self._advance():
            pass

    def text(self) -> str:
        """The full text, executing the prompt if needed."""
        self._force()
        return self._text()

    def __str__(self) -> str:
        return self.text()

    def json(self) -> Any:
        """The provider's raw response payload, if the plugin recorded one."""
        self._force()
        return self.response_json

    def usage(self) -> Usage:
        """Token usage."""
        self._force()
        return self._usage()

    def debug(self) -> dict[str, Any]:
        """Debug information the model recorded (its raw ``response_json``), once done.

        An empty dict when the model recorded none.
        """
        self._force()
        return self._debug()

    def cost(self) -> Cost | None:
        """What this response cost (``llm.Cost``), or None when unknown.

        Unknown means the model reported no token usage or no price is known
        for it (see ``llm.get_price``). Raises ConfigError if ``prices.yaml``
        is malformed.
        """
        self._force()
        return self._compute_cost()

    def messages(self) -> list[Message]:
        """The assistant message(s) this response produced (not the input)."""
        self._force()
        return self._messages()

    def to_dict(self) -> ResponseDict:
        """A JSON-safe dict of what was sent and what came back (see ``from_dict``).

        Runs the response first if it has not run yet.
        """
        self._force()
        return self._to_dict()

    def on_done(self, callback: Callable[[Response], Any]) -> None:
        """Call ``callback(response)`` once the response completes (now if it has)."""
        if self._done:
            callback(self)
        else:
            self.done_callbacks.append(callback)

    def tool_calls(self) -> list[ToolCall]:
        """Tool calls the model requested, executing the prompt if needed."""
        self._force()
        return list(self._tool_calls)

    def execute_tool_calls(
        self,
        *,
        before_call: Callable[..., Any] | None = None,
        after_call: Callable[..., Any] | None = None,
        tool_calls_list: list[ToolCall] | None = None,
    ) -> list[ToolResult]:
        """Run the requested (or given) tool calls and return their results."""
        calls = tool_calls_list if tool_calls_list is not None else self.tool_calls()
        return execute_tool_calls(
            calls,
            self._tools_index(),
            before_call or self.before_call,
            after_call or self.after_call,
        )

    def execute_tool_call(self, tool_call: ToolCall) -> ToolResult:
        """Run one call through the normal executor (for provider-managed tool loops)."""
        return execute_tool_call(
            tool_call, self._tools_index(), self.before_call, self.after_call
        )

    def reply(
        self,
        prompt: str | None = None,
        *,
        tool_results: list[ToolResult] | None = None,
        **kwargs: Any,
    ) -> Response:
        """Continue the conversation; pending tool calls run first unless results are given.

        ``tools=`` also serve the pending calls, which is how a response rebuilt
        with ``from_dict()`` (whose tools could not be saved) is resumed. With
        no tools at all, pending calls stay unanswered: no results are made up.
        """
        self._offer_tools(kwargs.get("tools"))
        if tool_results is None:
            pending = self.tool_calls() and self._tools_index()
            tool_results = self.execute_tool_calls() if pending else []
        return self._continue(prompt, tool_results, kwargs)
