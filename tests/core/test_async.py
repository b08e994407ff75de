"""Async models and responses."""

import asyncio
import json
import subprocess
import sys

import pytest

import llm
from llm.parts import StreamEvent


def run(coroutine):
    return asyncio.run(coroutine)


def test_await_prompt_and_text(async_mock_model):
    async_mock_model.enqueue("hello", " there")

    async def go():
        response = await async_mock_model.prompt("hi")
        assert isinstance(response, llm.AsyncResponse)
        return await response.text()

    assert run(go()) == "hello there"


def test_async_for_streams_text_only(async_mock_model):
    async_mock_model.enqueue(StreamEvent("reasoning", "r"), "a", "b")

    async def go():
        return [chunk async for chunk in async_mock_model.prompt("hi")]

    assert run(go()) == ["a", "b"]


def test_astream_events_usage_messages(async_mock_model):
    async_mock_model.enqueue(
        StreamEvent("reasoning", "r"), "a", llm.Usage(input=1, output=2)
    )

    async def go():
        response = async_mock_model.prompt("hi")
        events = [e async for e in response.astream_events()]
        return events, await response.usage(), await response.messages()

    events, usage, messages = run(go())
    assert [(e.type, e.part_index) for e in events] == [("reasoning", 0), ("text", 1)]
    assert usage == llm.Usage(input=1, output=2)
    assert messages[0].text == "a"


def test_async_on_done_accepts_async_callback(async_mock_model):
    seen = []
    async_mock_model.enqueue("x")

    async def go():
        response = async_mock_model.prompt("hi")

        async def done(r):
            seen.append(await r.text())

        await response.on_done(done)
        await response.text()

    run(go())
    assert seen == ["x"]


def test_async_execute_returning_list_coroutine():
    class AsyncHelloWorld(llm.AsyncModel):
        model_id = "helloworld"

        async def execute(self, prompt, stream, response):
            return ["hello world"]

    async def go():
        return await AsyncHelloWorld().prompt("x").text()

    assert run(go()) == "hello world"


def test_async_conversation_threads_history():
    model = llm.get_async_model("echo")

    async def go():
        conversation = model.conversation()
        await conversation.prompt("first").text()
        second = await conversation.prompt("second").text()
        return json.loads(second)

    data = run(go())
    assert [m["role"] for m in data["messages"]] == ["user", "assistant", "user"]


def test_async_text_or_raise_and_to_sync(async_mock_model):
    async_mock_model.enqueue("x")

    async def go():
        response = async_mock_model.prompt("hi")
        with pytest.raises(ValueError):
            response.text_or_raise()
        await response
        return response

    response = run(go())
    assert response.text_or_raise() == "x"
    sync = run(response.to_sync_response())
    assert isinstance(sync, llm.Response)
    assert sync.text() == "x"
    assert sync.id == response.id


def test_get_async_model_errors():
    with pytest.raises(llm.UnknownModelError, match="sync model exists"):
        llm.get_async_model("legacy")
    with pytest.raises(llm.UnknownModelError, match="Unknown model"):
        llm.get_async_model("nope")


def test_to_sync_response_runs_the_response(async_mock_model):
    async_mock_model.enqueue("forced")
    sync = run(async_mock_model.prompt("hi").to_sync_response())
    assert isinstance(sync, llm.Response) and sync.text() == "forced"


class _DualToolbox(llm.Toolbox):
    """Adds its tool in prepare() or prepare_async(), the usual dual-mode pattern."""

    def __init__(self):
        self.calls = []

    async def _add(self, tag):
        async def ping() -> str:
            "Reply with pong."
            return "pong-" + tag

        self.add_tool(ping)

    def prepare(self):
        self.calls.append("sync")
        asyncio.run(self._add("sync"))

    async def prepare_async(self):
        self.calls.append("async")
        await self._add("async")


class _AsyncOnlyToolbox(llm.Toolbox):
    async def prepare_async(self):
        async def ping() -> str:
            "Reply with pong."
            return "pong"

        self.add_tool(ping)


def _ping_call(toolbox_name: str) -> str:
    call = {"name": f"{toolbox_name}_ping", "arguments": {}, "id": "c1"}
    return json.dumps({"tool_calls": [call]})


def test_async_toolboxes_are_prepared_the_async_way_right_before_their_tool_runs():
    model = llm.get_async_model("echo")

    async def main():
        offered = _DualToolbox()
        await model.prompt("x", tools=[offered]).text()
        # Offering the tools is not using them: no prepare, and the tool
        # prepare() would add is not listed yet.
        assert offered.calls == []
        used = _DualToolbox()
        chain = model.chain(_ping_call("_DualToolbox"), tools=[used])
        dual = [r async for r in chain.responses()]
        only = _AsyncOnlyToolbox()
        chain = model.chain(_ping_call("_AsyncOnlyToolbox"), tools=[only])
        return used, dual, [r async for r in chain.responses()]

    used, dual, only = run(main())
    assert used.calls == ["async"]  # prepare_async() alone, once
    [result] = dual[1].prompt.tool_results
    assert (result.name, result.output) == ("_DualToolbox_ping", "pong-async")
    [result] = only[1].prompt.tool_results
    assert (result.name, result.output) == ("_AsyncOnlyToolbox_ping", "pong")


def test_sync_toolboxes_are_prepared_only_when_one_of_their_tools_runs():
    echo = llm.get_model("echo")
    offered = _DualToolbox()
    response = echo.prompt("x", tools=[offered])
    response.text()
    assert offered.calls == []
    assert json.loads(response.text())["tools"] == []
    used = _DualToolbox()
    chain = echo.chain(_ping_call("_DualToolbox"), tools=[used])
    responses = list(chain.responses())
    assert used.calls == ["sync"]
    [result] = responses[1].prompt.tool_results
    assert result.output == "pong-sync"
    # Later turns offer what prepare() added.
    assert json.loads(responses[1].text())["tools"] == ["_DualToolbox_ping"]


def test_async_reply_runs_pending_calls_with_the_tools_it_is_given(async_mock_model):
    def upper(text: str) -> str:
        """Upper-case some text."""
        return text.upper()

    async def main():
        async_mock_model.enqueue(llm.ToolCall(name="upper", arguments={"text": "hi"}))
        response = async_mock_model.prompt("shout")
        await response.text()
        async_mock_model.enqueue("done")
        follow_up = await response.reply(tools=[upper])
        return await follow_up.text()

    assert run(main()) == "done"
    [result] = async_mock_model.prompts[-1].tool_results
    assert (result.name, result.output) == ("upper", "HI")


def test_sync_prompting_does_not_import_asyncio():
    code = (
        "import sys, llm\n"
        "from llm.response import Response\n"
        "from llm.chain import ChainResponse\n"
        "print('asyncio' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_async_tool_calls_still_run_concurrently():
    from llm.tool_execution import ToolLookup, execute_tool_calls_async
    from llm.tools import Tool, ToolCall

    async def slow(n: int) -> int:
        await asyncio.sleep(0)
        return n * 2

    tool = Tool.function(slow)
    calls = [ToolCall(name="slow", arguments={"n": i}) for i in range(3)]
    results = asyncio.run(execute_tool_calls_async(calls, ToolLookup([tool])))
    assert [r.output for r in results] == ["0", "2", "4"]
