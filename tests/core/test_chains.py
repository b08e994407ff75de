"""Chains as tools.md and python-api.md describe them: every turn, the first prompt, resuming."""

import asyncio

import llm
from llm.parts import ToolCallPart


def upper(text: str) -> str:
    "Convert text to uppercase."
    return text.upper()


def call(text="panda", tool_call_id="c1"):
    return llm.ToolCall(
        name="upper", arguments={"text": text}, tool_call_id=tool_call_id
    )


def sent(model, index=-1):
    return [(m.role, m.text) for m in model.prompts[index].messages]


def test_the_system_prompt_applies_to_every_turn_of_a_chain(mock_model):
    mock_model.enqueue(call())
    mock_model.enqueue("PANDA")
    chain = mock_model.chain(
        "Convert panda", tools=[upper], system="Be brief.", system_fragments=["F"]
    )
    assert chain.text() == "PANDA"
    first, follow_up = mock_model.prompts
    # Plugins that read prompt.system see it on the tool-results turn too...
    assert first.system == follow_up.system == "F\n\nBe brief."
    # ...and prompt.messages still carries it once.
    roles = [m.role for m in follow_up.messages]
    assert roles == ["system", "user", "assistant", "tool"]
    assert follow_up.messages[0].text == "F\n\nBe brief."


def test_options_given_to_chain_apply_to_every_turn(mock_model):
    mock_model.enqueue(call())
    mock_model.enqueue("PANDA")
    mock_model.chain("Convert panda", tools=[upper], temperature=0.5).text()
    assert [p.options.temperature for p in mock_model.prompts] == [0.5, 0.5]


def test_chain_response_has_the_first_prompt(mock_model, async_mock_model):
    chain = mock_model.chain("Convert panda", tools=[upper], system="S")
    assert isinstance(chain.prompt, llm.Prompt)
    assert (chain.prompt.prompt, chain.prompt.system) == ("Convert panda", "S")
    assert mock_model.prompts == []  # nothing has run yet
    mock_model.enqueue("done")
    chain.text()
    assert chain.prompt is list(chain.responses())[0].prompt
    async_chain = async_mock_model.chain("hi")
    assert async_chain.prompt.prompt == "hi"


def test_resuming_pending_calls_without_tools_does_not_invent_results(mock_model):
    pending = [
        llm.user("Convert panda"),
        llm.assistant(
            ToolCallPart(name="upper", arguments={"text": "x"}, tool_call_id="c9")
        ),
    ]
    mock_model.enqueue("ok")
    assert mock_model.chain(messages=pending).text() == "ok"
    prompt = mock_model.prompts[-1]
    assert prompt.tool_results == []
    assert [m.role for m in prompt.messages] == ["user", "assistant"]
    # With the tools, the calls run first.
    mock_model.enqueue("ok")
    mock_model.chain(messages=pending, tools=[upper]).text()
    [result] = mock_model.prompts[-1].tool_results
    assert (result.output, result.tool_call_id) == ("X", "c9")


def test_replying_to_pending_calls_without_tools_does_not_invent_results(mock_model):
    mock_model.enqueue(call())
    response = mock_model.prompt("Convert panda", tools=[upper])
    response.text()
    rebuilt = llm.Response.from_dict(response.to_dict())  # tools are not saved
    mock_model.enqueue("ok")
    rebuilt.reply("never mind").text()
    prompt = mock_model.prompts[-1]
    assert prompt.tool_results == []
    assert [m.role for m in prompt.messages] == ["user", "assistant", "user"]

    async def async_reply():
        rebuilt = llm.AsyncResponse.from_dict(response.to_dict())
        follow_up = await rebuilt.reply("never mind")
        return await follow_up.text()

    mock_model.enqueue("ok")
    assert asyncio.run(async_reply()) == "ok"
    assert mock_model.prompts[-1].tool_results == []


def test_chain_messages_follow_the_conversation_history(mock_model):
    conversation = mock_model.conversation()
    mock_model.enqueue("first answer")
    conversation.prompt("first question").text()
    mock_model.enqueue("second answer")
    conversation.chain(messages=[llm.user("second question")]).text()
    assert sent(mock_model) == [
        ("user", "first question"),
        ("assistant", "first answer"),
        ("user", "second question"),
    ]
    # Resuming pending calls keeps the history too, in order.
    pending = [
        llm.user("Convert panda"),
        llm.assistant(
            ToolCallPart(name="upper", arguments={"text": "p"}, tool_call_id="c2")
        ),
    ]
    mock_model.enqueue("P")
    conversation.chain(messages=pending, tools=[upper]).text()
    assert sent(mock_model) == [
        ("user", "first question"),
        ("assistant", "first answer"),
        ("user", "second question"),
        ("assistant", "second answer"),
        ("user", "Convert panda"),
        ("assistant", ""),
        ("tool", ""),
    ]
    assert mock_model.prompts[-1].messages[-1].tool_results[0].output == "P"
