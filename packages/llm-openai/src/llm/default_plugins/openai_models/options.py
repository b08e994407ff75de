"""Option classes for OpenAI models, validated by pydantic.

Each model gets the options that fit it: the shared sampling options for every
model, ``json_object`` for chat models, ``reasoning_effort`` for reasoning
models, and so on. ``options_class()`` assembles (and caches) the right class
for a set of features so ``llm models --options`` lists only what applies.
"""

from __future__ import annotations

import json
from enum import Enum
from functools import cache
from typing import Any, Literal, Optional, Union, get_args

from pydantic import Field, create_model, field_validator

from llm.options import Options

ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
Verbosity = Literal["low", "medium", "high"]
ImageDetail = Literal["low", "high", "auto", "original"]

# The same values as an Enum, for plugins that declare their own reasoning_effort
# option with it (llm-openrouter does).
ReasoningEffortEnum = Enum(  # type: ignore[misc]
    "ReasoningEffortEnum",
    {value: value for value in get_args(ReasoningEffort)},
    type=str,
    module=__name__,
)


def _penalty(effect: str) -> Any:
    """A -2..2 penalty option; positive values penalize tokens ``effect``."""
    return Field(
        description=(
            f"Number between -2.0 and 2.0. Positive values penalize tokens {effect}"
        ),
        ge=-2,
        le=2,
        default=None,
    )


def _token_bias(token: Any, value: Any) -> int:
    """One logit_bias value as an int from -100 to 100."""
    message = (
        f"logit_bias value for token {token} must be a number between -100 and 100"
    )
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(message)
    try:
        bias = int(value)
    except ValueError as ex:
        raise ValueError(message) from ex
    if not -100 <= bias <= 100:
        raise ValueError(
            f"logit_bias value for token {token} must be between -100 and 100, got {bias}"
        )
    return bias


class SharedOptions(Options):
    """Sampling options every OpenAI chat and completion model accepts."""

    temperature: Optional[float] = Field(
        description=(
            "What sampling temperature to use, between 0 and 2. Higher values like "
            "0.8 make the output more random, lower values like 0.2 make it more "
            "focused and deterministic."
        ),
        ge=0,
        le=2,
        default=None,
    )
    max_tokens: Optional[int] = Field(
        description="Maximum number of tokens to generate.", ge=1, default=None
    )
    top_p: Optional[float] = Field(
        description=(
            "Nucleus sampling: only consider the tokens making up the top_p "
            "probability mass, so 0.1 means the top 10%. Use this or temperature, "
            "not both."
        ),
        ge=0,
        le=1,
        default=None,
    )
    frequency_penalty: Optional[float] = _penalty(
        "by how often they already appeared, making verbatim repetition less likely."
    )
    presence_penalty: Optional[float] = _penalty(
        "that already appeared at all, nudging the model towards new topics."
    )
    stop: Optional[str] = Field(
        description="A string at which the API will stop generating further tokens.",
        default=None,
    )
    logit_bias: Optional[Union[dict, str]] = Field(
        description=(
            "Change the likelihood of specific tokens appearing. Pass a JSON "
            'object of token IDs to bias values, like \'{"1712":-100, "892":-100}\''
        ),
        default=None,
    )
    seed: Optional[int] = Field(
        description="Integer seed to attempt to sample deterministically",
        default=None,
    )

    @field_validator("logit_bias")
    @classmethod
    def validate_logit_bias(cls, logit_bias: Any) -> Optional[dict[int, int]]:
        if logit_bias is None:
            return None
        if isinstance(logit_bias, str):
            try:
                logit_bias = json.loads(logit_bias)
            except json.JSONDecodeError as ex:
                raise ValueError("Invalid JSON in logit_bias string") from ex
        if not isinstance(logit_bias, dict):
            raise ValueError("logit_bias must be a JSON object of token IDs to numbers")
        validated: dict[int, int] = {}
        for key, value in logit_bias.items():
            try:
                token = int(key)
            except (TypeError, ValueError) as ex:
                raise ValueError(
                    f"logit_bias keys must be integer token IDs, got {key!r}"
                ) from ex
            validated[token] = _token_bias(key, value)
        return validated


class ChatOptions(SharedOptions):
    """Options for chat models (the ``Chat.Options`` third-party plugins extend)."""

    json_object: Optional[bool] = Field(
        description="Output a valid JSON object {...}. Prompt must mention JSON.",
        default=None,
    )


class CompletionOptions(SharedOptions):
    """Options for legacy completion models."""

    logprobs: Optional[int] = Field(
        description="Include the log probabilities of most likely N per token",
        default=None,
        ge=1,
        le=5,
    )


_FEATURE_FIELDS: dict[str, tuple[Any, Any]] = {
    "reasoning_effort": (
        Optional[ReasoningEffort],
        Field(
            default=None,
            description=(
                "How much effort the model spends reasoning: none, minimal, low, "
                "medium, high, xhigh or max (which values apply depends on the model)"
            ),
        ),
    ),
    "verbosity": (
        Optional[Verbosity],
        Field(
            default=None,
            description="How verbose the answer should be: low, medium or high",
        ),
    ),
    "image_detail": (
        Optional[ImageDetail],
        Field(
            default=None,
            description=(
                "Detail level for image attachments: low, high or auto "
                "(some newer models also accept original)"
            ),
        ),
    ),
    "service_tier": (
        Optional[str],
        Field(
            default=None,
            description=(
                "Processing tier passed to the API, e.g. fast (or priority), "
                "flex (slower, cheaper), auto or default"
            ),
        ),
    ),
    "chat_completions": (
        Optional[bool],
        Field(
            default=None,
            description="Use the Chat Completions API instead of the Responses API",
        ),
    ),
}

FEATURES = tuple(_FEATURE_FIELDS)


@cache
def options_class(base: type[Options], features: frozenset[str]) -> type[Options]:
    """``base`` extended with the optional fields named in ``features``."""
    unknown = features - set(_FEATURE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown option features: {', '.join(sorted(unknown))}")
    if not features:
        return base
    fields = {name: _FEATURE_FIELDS[name] for name in FEATURES if name in features}
    name = base.__name__ + "".join(
        part.capitalize() for f in FEATURES if f in features for part in f.split("_")
    )
    return create_model(name, __base__=base, **fields)  # type: ignore[call-overload]
