"""A plugin's own exceptions (an SDK's auth error, a plugin bug) never show a traceback."""

from __future__ import annotations

import pytest

import llm
from llm.plugins import pm


class AuthenticationError(Exception):
    """Stands in for a provider SDK's exception class."""


class FailingModels:
    @llm.hookimpl
    def register_models(self, register):
        class Sdk(llm.Model):
            model_id = "sdk-failure"

            def execute(self, prompt, stream, response, conversation):
                raise AuthenticationError("Error code: 401 - invalid x-api-key")

        class AsyncSdk(llm.AsyncModel):
            model_id = "sdk-failure"

            async def execute(self, prompt, stream, response, conversation):
                raise AuthenticationError("Error code: 401 - invalid x-api-key")
                yield ""

        register(Sdk(), AsyncSdk())


@pytest.fixture
def failing_models():
    pm.register(FailingModels(), name="failing-models")
    try:
        yield
    finally:
        pm.unregister(name="failing-models")


@pytest.mark.parametrize("extra", [[], ["--async"], ["--no-stream"]])
def test_sdk_exception_is_an_error_message(invoke, failing_models, extra):
    result = invoke(["-m", "sdk-failure", "hi", *extra])
    assert result.exit_code == 1
    assert result.stderr == "Error: Error code: 401 - invalid x-api-key\n"


def test_chat_reports_and_continues(invoke, failing_models):
    result = invoke(["chat", "-m", "sdk-failure"], input="hi\nagain\nquit\n")
    assert result.exit_code == 1  # piped messages: the failures show in the status
    assert result.stderr.count("Error: Error code: 401") == 2


def test_raise_errors_shows_the_original(invoke, failing_models, monkeypatch):
    monkeypatch.setenv("LLM_RAISE_ERRORS", "1")
    with pytest.raises(AuthenticationError):
        invoke(["-m", "sdk-failure", "hi"])
