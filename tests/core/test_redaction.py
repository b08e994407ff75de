"""Which values count as secrets, and where in a text they are masked."""

from __future__ import annotations

import pytest

from llm.redaction import contains_secret, looks_like_secret, scrub_secrets


@pytest.mark.parametrize(
    "value",
    [
        "sk-proj-0123456789abcdefWXYZ",
        "hunter2hunter2",
        "AIzaSyA-0123456789",
        "my-openrouter-key",
        "QwErTyUiOpAsDfGhJkLzXc",  # a letters-only random token
    ],
)
def test_credentials_count_as_secrets(value):
    assert looks_like_secret(value)


@pytest.mark.parametrize(
    "value",
    ["", "sk-1234", "short", "openrouter", "OpenRouter", "anthropicclaudekeyname"],
)
def test_short_values_and_plain_words_do_not(value):
    assert not looks_like_secret(value)


def test_a_secret_is_masked_only_as_a_whole_token():
    key = "sk-abc0123456789XYZW"
    text = f"bad key {key}; also 'x{key}' and {key}9 and key={key}&more"
    assert scrub_secrets(text, [key]) == (
        f"bad key sk-...XYZW; also 'x{key}' and {key}9 and key=sk-...XYZW&more"
    )


def test_a_short_secret_inside_a_word_is_left_alone():
    assert scrub_secrets("see https://route42x.ai/keys", ["route42x"]) == (
        "see https://***.ai/keys"
    )
    assert scrub_secrets("see https://myroute42x.ai/keys", ["route42x"]) == (
        "see https://myroute42x.ai/keys"
    )


def test_contains_secret_matches_tokens():
    assert contains_secret("Bearer sk-abc0123456789", ["sk-abc0123456789"])
    assert not contains_secret("Bearer sk-abc01234567890", ["sk-abc0123456789"])
