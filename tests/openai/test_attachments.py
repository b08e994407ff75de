"""Attachments: images by URL or inline, audio for audio models, PDFs as file inputs."""

from __future__ import annotations

import base64

import pytest

import llm
from llm.errors import AttachmentError
from llm.parts import ReasoningPart

from .fake_server import chat_reply, message_item, responses_reply

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
PDF = b"%PDF-1.4\n%fake\n"


def user_content(server):
    return server.last_body["messages"][-1]["content"]


def test_image_url_passed_through(server):
    attachment = llm.Attachment(type="image/jpeg", url="https://example.com/cat.jpg")
    llm.get_model("gpt-4o").prompt("Describe", attachments=[attachment]).text()
    assert user_content(server) == [
        {"type": "text", "text": "Describe"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]


def test_image_file_sent_as_data_url_with_detail(server, tmp_path):
    path = tmp_path / "pixel.png"
    path.write_bytes(PNG)
    llm.get_model("gpt-4o-mini").prompt(
        "What is this?",
        attachments=[llm.Attachment(path=str(path))],
        image_detail="high",
    ).text()
    item = user_content(server)[1]
    assert item["type"] == "image_url"
    assert item["image_url"]["detail"] == "high"
    prefix, data = item["image_url"]["url"].split(",", 1)
    assert prefix == "data:image/png;base64"
    assert base64.b64decode(data) == PNG


def test_attachment_without_text(server):
    llm.get_model("gpt-4o").prompt(
        attachments=[llm.Attachment(type="image/png", content=PNG)]
    ).text()
    content = user_content(server)
    assert [c["type"] for c in content] == ["image_url"]


@pytest.mark.parametrize("mimetype,fmt", [("audio/wav", "wav"), ("audio/mpeg", "mp3")])
def test_audio_for_audio_models(server, mimetype, fmt):
    llm.get_model("gpt-4o-audio-preview").prompt(
        "Transcribe", attachments=[llm.Attachment(type=mimetype, content=WAV)]
    ).text()
    item = user_content(server)[1]
    assert item == {
        "type": "input_audio",
        "input_audio": {"data": base64.b64encode(WAV).decode(), "format": fmt},
    }


def test_pdf_as_file_input(server, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(PDF)
    llm.get_model("gpt-4o").prompt(
        "Summarise", attachments=[llm.Attachment(path=str(path))]
    ).text()
    item = user_content(server)[1]
    assert item["type"] == "file"
    assert item["file"]["filename"] == "report.pdf"
    assert item["file"][
        "file_data"
    ] == "data:application/pdf;base64," + base64.b64encode(PDF).decode("ascii")


def test_unsupported_attachment_type_rejected_before_request(server):
    with pytest.raises(AttachmentError) as info:
        llm.get_model("gpt-4o").prompt(
            "hi", attachments=[llm.Attachment(type="audio/wav", content=WAV)]
        )
    assert "audio/wav" in str(info.value)
    with pytest.raises(AttachmentError):
        llm.get_model("gpt-3.5-turbo").prompt(
            "hi", attachments=[llm.Attachment(type="image/png", content=PNG)]
        )
    assert server.requests == []


def test_previous_turn_attachments_resent(server):
    conversation = llm.get_model("gpt-4o-mini").conversation()
    image = llm.Attachment(type="image/png", content=PNG)
    conversation.prompt("First look", attachments=[image]).text()
    conversation.prompt("And now?").text()
    messages = server.last_body["messages"]
    assert messages[0]["content"][0] == {"type": "text", "text": "First look"}
    assert messages[0]["content"][1]["type"] == "image_url"
    assert messages[1]["role"] == "assistant"
    assert messages[2] == {"role": "user", "content": "And now?"}


def test_responses_api_attachments(server, tmp_path):
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(PDF)
    server.responses(responses_reply(message_item("Seen")))
    response = llm.get_model("o3").prompt(
        "Look",
        attachments=[
            llm.Attachment(type="image/png", url="https://example.com/a.png"),
            llm.Attachment(type="image/png", content=PNG),
            llm.Attachment(path=str(pdf)),
        ],
        image_detail="low",
    )
    assert response.text() == "Seen"
    content = server.last_body["input"][0]["content"]
    assert content[0] == {"type": "input_text", "text": "Look"}
    assert content[1] == {
        "type": "input_image",
        "image_url": "https://example.com/a.png",
        "detail": "low",
    }
    assert content[2]["image_url"].startswith("data:image/png;base64,")
    assert content[3]["type"] == "input_file"
    assert content[3]["filename"] == "doc.pdf"
    assert content[3]["file_data"].startswith("data:application/pdf;base64,")


def test_responses_image_without_detail_option(server):
    # No image_detail option: no detail field, as the original sends it.
    llm.get_model("o3").prompt(
        "Look", attachments=[llm.Attachment(type="image/png", content=PNG)]
    ).text()
    assert server.last_body["input"] == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Look"},
                {
                    "type": "input_image",
                    "image_url": "data:image/png;base64,"
                    + base64.b64encode(PNG).decode(),
                },
            ],
        }
    ]


def test_redact_data_hides_inline_content():
    from llm.default_plugins.openai_models import redact_data

    payload = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/png;base64,AAAA"},
                    },
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://example.com/x.png"},
                    },
                    {
                        "type": "input_audio",
                        "input_audio": {"data": "B" * 100, "format": "wav"},
                    },
                ],
            }
        ]
    }
    redacted = redact_data(payload)
    content = redacted["messages"][0]["content"]
    assert content[0]["image_url"]["url"] == "data:image/png;base64,..."
    assert content[1]["image_url"]["url"] == "https://example.com/x.png"
    assert content[2]["input_audio"]["data"] == "..."
    assert payload["messages"][0]["content"][0]["image_url"]["url"].endswith("AAAA")


def test_chat_server_ignores_reasoning_parts(server):
    server.chat(chat_reply("ok"))
    response = llm.get_model("gpt-4o-mini").prompt(
        messages=[
            llm.user("q"),
            llm.assistant(ReasoningPart(text="thinking"), "answer"),
            llm.user("next"),
        ]
    )
    response.text()
    assert server.last_body["messages"][1] == {"role": "assistant", "content": "answer"}
