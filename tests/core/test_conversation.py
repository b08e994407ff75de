"""Conversations thread history into prompt.messages; serialization round trips."""

import json

import llm
from llm.parts import AttachmentPart, TextPart

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def echo_messages(response):
    return json.loads(response.text())["messages"]


def test_history_is_threaded():
    conversation = llm.get_model("echo").conversation()
    first = conversation.prompt("one", system="be kind")
    first.text()
    second = conversation.prompt("two")
    assert conversation.responses == [first]  # only finished turns
    roles = [m["role"] for m in echo_messages(second)]
    assert roles == ["system", "user", "assistant", "user"]
    assert conversation.responses == [first, second]


def test_same_system_prompt_not_repeated():
    conversation = llm.get_model("echo").conversation()
    conversation.prompt("one", system="S").text()
    messages = echo_messages(conversation.prompt("two", system="S"))
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]


def test_changed_system_prompt_is_added():
    conversation = llm.get_model("echo").conversation()
    conversation.prompt("one", system="S1").text()
    messages = echo_messages(conversation.prompt("two", system="S2"))
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "system",
        "user",
    ]


def test_previous_attachments_are_resent():
    conversation = llm.get_model("echo").conversation()
    conversation.prompt("look", attachments=[llm.Attachment(content=PNG)]).text()
    messages = echo_messages(conversation.prompt("and now?"))
    assert messages[0]["parts"][1]["type"] == "attachment"
    assert messages[0]["parts"][1]["attachment"]["type"] == "image/png"


def test_legacy_plugin_walks_conversation_responses():
    conversation = llm.get_model("legacy").conversation()
    conversation.prompt("a").text()
    assert (
        conversation.prompt("b").text() == "legacy:b history=['a->legacy:a history=[]']"
    )


def test_fake_responses_in_conversation_feed_history(mock_model):
    conversation = mock_model.conversation()
    conversation.responses = [
        llm.Response.fake(mock_model, "prompt 1", "system 1", "response 1"),
        llm.Response.fake(mock_model, "prompt 2", None, "response 2"),
    ]
    conversation.prompt("prompt 3").text()
    assert [(m.role, m.text) for m in mock_model.prompts[0].messages] == [
        ("system", "system 1"),
        ("user", "prompt 1"),
        ("assistant", "response 1"),
        ("user", "prompt 2"),
        ("assistant", "response 2"),
        ("user", "prompt 3"),
    ]


def test_to_dict_from_dict_and_reply(mock_model):
    mock_model.enqueue("4")
    response = mock_model.prompt(
        "What's 2+2?", attachments=[llm.Attachment(content=PNG)]
    )
    response.text()
    payload = json.loads(json.dumps(response.to_dict()))
    rebuilt = llm.Response.from_dict(payload)
    assert rebuilt.text() == "4"
    assert rebuilt.id == response.id
    mock_model.enqueue("7")
    followup = rebuilt.reply("Add 3 to that")
    assert followup.text() == "7"
    messages = mock_model.prompts[-1].messages
    assert [m.role for m in messages] == ["user", "assistant", "user"]
    assert isinstance(messages[0].parts[1], AttachmentPart)
    assert messages[0].parts[1].attachment.content_bytes() == PNG
    assert messages[1].parts == [TextPart(text="4")]
    assert messages[2].text == "Add 3 to that"


def test_from_dict_keeps_prompt_system_and_attachments_for_older_plugins():
    echo = llm.get_model("echo")
    conversation = echo.conversation()
    first = conversation.prompt(
        "one", system="be kind", attachments=[llm.Attachment(content=PNG)]
    )
    first.text()
    second = conversation.prompt("two")
    second.text()
    for original in (first, second):
        rebuilt = llm.Response.from_dict(json.loads(json.dumps(original.to_dict())))
        assert rebuilt.prompt.prompt == original.prompt.prompt
        assert rebuilt.prompt.system == "be kind"
        assert [m.to_dict() for m in rebuilt.prompt.messages] == [
            m.to_dict() for m in original.prompt.messages
        ]
    rebuilt = llm.Response.from_dict(first.to_dict())
    assert [a.content_bytes() for a in rebuilt.prompt.attachments] == [PNG]
    assert repr(rebuilt).startswith("<Response prompt='one' ")
    # A plugin that rebuilds history from conversation.responses sees the turn.
    legacy = llm.get_model("legacy")
    answer = legacy.prompt("hello")
    answer.text()
    follow_up = llm.Response.from_dict(answer.to_dict()).reply("again")
    assert follow_up.text() == "legacy:again history=['hello->legacy:hello history=[]']"


def test_reply_runs_pending_calls_with_the_tools_it_is_given(mock_model):
    def upper(text: str) -> str:
        """Upper-case some text."""
        return text.upper()

    mock_model.enqueue(llm.ToolCall(name="upper", arguments={"text": "hi"}))
    response = mock_model.prompt("shout", tools=[upper])
    response.text()
    rebuilt = llm.Response.from_dict(response.to_dict())  # tools are not saved
    mock_model.enqueue("done")
    assert rebuilt.reply(tools=[upper]).text() == "done"
    [result] = mock_model.prompts[-1].tool_results
    assert (result.name, result.output) == ("upper", "HI")
    # The earlier request did not offer the tool, and its record says so.
    assert rebuilt.prompt.tools == []


def test_conversation_ids_are_unique_ulids(mock_model):
    a, b = mock_model.conversation(), mock_model.conversation()
    assert a.id != b.id and len(a.id) == 26


def test_plugin_walking_responses_never_sees_the_running_response():
    """The pattern from the plugin docs: history from conversation.responses."""
    seen = []

    class SpecChat(llm.Model):
        model_id = "specchat"

        def execute(self, prompt, stream, response, conversation):
            history = []
            if conversation is not None:
                for previous in conversation.responses:
                    history.append((previous.prompt.prompt, previous.text_or_raise()))
            seen.append(history)
            yield f"reply to {prompt.prompt}"

    conversation = SpecChat().conversation()
    conversation.prompt("one").text()
    conversation.prompt("two").text()
    assert seen == [[], [("one", "reply to one")]]


def test_failed_turn_is_not_history():
    conversation = llm.get_model("keyed").conversation()
    response = conversation.prompt("hi")
    try:
        response.text()
    except llm.NeedsKeyException:
        pass
    assert conversation.responses == []
