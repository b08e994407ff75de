"""``_Shared``: configuration and request building common to every OpenAI model class.

``_SyncOpenAIModel`` and ``_AsyncOpenAIModel`` add the ``execute()`` that sends
whatever call ``_build_call`` describes (Chat Completions unless overridden).

Third-party plugins subclass ``Chat``/``AsyncChat``/``Completion`` and rely on
what lives here: the constructor arguments, ``get_client(key, async_=)``
(an openai SDK client; our own requests go through ``lean_endpoint()``),
``build_messages(prompt, conversation)``, ``build_kwargs(prompt, stream)`` and
``set_usage(response, usage)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from llm.errors import UnsupportedFeatureError
from llm.keys import get_key
from llm.models import AsyncKeyModel, KeyModel
from llm.parts import StreamEvent

from .chat_messages import build_chat_messages, chat_tools
from .chat_stream import ChatStream
from .client import NO_KEY_PLACEHOLDER, make_client
from .options import ChatOptions, Options, options_class
from .running import ApiCall, run_call, run_call_async
from .transport import Endpoint, endpoint
from .utils import not_nulls, set_usage_from_dict

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})
PDF_TYPES = frozenset({"application/pdf"})
AUDIO_TYPES = frozenset({"audio/wav", "audio/mpeg"})

# Options handled by the plugin itself rather than passed to the API as-is.
_LOCAL_OPTIONS = ("json_object", "image_detail", "chat_completions")


class _Shared:
    """Constructor, client and request building shared by chat, completion and Responses models."""

    needs_key: str | None = "openai"
    key_env_var: str | None = "OPENAI_API_KEY"
    key: str | None = None
    default_max_tokens: int | None = None
    attachment_types: set[str] | frozenset[str] = frozenset()
    # The Options class our constructor may specialise; subclasses that define
    # their own ``Options`` keep it untouched.
    _base_options: type[Options] = ChatOptions
    Options: type[Options] = ChatOptions
    # Features whose options a model of this class can offer.
    _option_features: tuple[str, ...] = (
        "reasoning_effort",
        "verbosity",
        "image_detail",
        "service_tier",
    )
    # Whether Responses models ask for visible reasoning summaries.
    reasoning_summaries: bool = True
    # This model's own retry count and timeout for llm-core (see llm.retries);
    # None: the defaults.
    _retries: int | None = None
    timeout: float | dict[str, float] | None = None

    def __init__(
        self,
        model_id: str,
        key: str | None = None,
        model_name: str | None = None,
        api_base: str | None = None,
        api_type: str | None = None,
        api_version: str | None = None,
        api_engine: str | None = None,
        headers: dict[str, str] | None = None,
        can_stream: bool = True,
        vision: bool = False,
        audio: bool = False,
        reasoning: bool = False,
        supports_schema: bool = False,
        supports_tools: bool = False,
        allows_system_prompt: bool = True,
        *,
        service_tier: bool = False,
        verbosity: bool = False,
        pdf: bool | None = None,
        retries: int | None = None,
        timeout: float | dict[str, float] | None = None,
    ) -> None:
        self.model_id = model_id
        if retries is not None:
            self.retries = retries
        if timeout is not None:
            # Read by llm-core as this model's own timeout (see llm.retries).
            self.timeout = timeout
        if key is not None:
            self.key = key
        self.model_name = model_name
        self.api_base = api_base
        self.api_type = api_type
        self.api_version = api_version
        self.api_engine = api_engine
        self.headers = headers
        self.can_stream = can_stream
        self.vision = vision
        self.audio = audio
        self.reasoning = reasoning
        self.supports_schema = supports_schema
        self.supports_tools = supports_tools
        self.allows_system_prompt = allows_system_prompt
        self.service_tier = service_tier
        self.verbosity = verbosity

        attachment_types: set[str] = set()
        if vision:
            attachment_types |= IMAGE_TYPES
            # Any OpenAI model that accepts images also accepts PDFs.
            if pdf is not False:
                attachment_types |= PDF_TYPES
        elif pdf:
            attachment_types |= PDF_TYPES
        if audio:
            attachment_types |= AUDIO_TYPES
        self.attachment_types = frozenset(attachment_types)

        if type(self).Options is self._base_options:
            features = {
                "reasoning_effort": reasoning,
                "verbosity": verbosity,
                "image_detail": vision,
                "service_tier": service_tier,
                "chat_completions": "chat_completions" in self._option_features,
            }
            self.Options = options_class(
                self._base_options,
                frozenset(
                    name
                    for name, enabled in features.items()
                    if enabled and name in self._option_features
                ),
            )

    def __str__(self) -> str:
        return f"OpenAI Chat: {self.model_id}"

    @property
    def retries(self) -> int | None:
        """This model's retry count for llm-core: ``LLM_OPENAI_MAX_RETRIES``, else its config."""
        from .client import configured_retries

        return configured_retries(self._retries)

    @retries.setter
    def retries(self, value: int | None) -> None:
        self._retries = value

    # --- keys and clients --------------------------------------------------

    def _api_key(self, key: str | None) -> str:
        if self.needs_key:
            return key or self.get_key()  # type: ignore[attr-defined]
        # A model that needs no key (a local server, say) only gets one when
        # given explicitly - never the stored OpenAI key.
        if key:
            return get_key(key) or key
        return getattr(self, "key", None) or NO_KEY_PLACEHOLDER

    def get_client(self, key: str | None, *, async_: bool = False) -> Any:
        """An openai SDK client for this model's API base, key and headers."""
        return make_client(
            api_key=self._api_key(key),
            base_url=self.api_base,
            headers=self.headers,
            async_=async_,
            api_type=self.api_type,
            api_version=self.api_version,
            api_engine=self.api_engine,
        )

    def lean_endpoint(self, key: str | None) -> Endpoint | None:
        """Where the lean httpx transport sends this model's requests.

        None when the model must go through the openai SDK: Azure endpoints,
        and subclasses that override ``get_client()`` to customise their client.
        """
        if self.api_type == "azure" or type(self).get_client is not _Shared.get_client:
            return None
        return endpoint(
            api_key=self._api_key(key), base_url=self.api_base, headers=self.headers
        )

    # --- request building --------------------------------------------------

    def _image_detail(self, prompt: Any) -> str | None:
        return getattr(prompt.options, "image_detail", None)

    def check_prompt(self, prompt: Any) -> None:
        """Reject what this model cannot take before any request is made."""
        if not self.allows_system_prompt and any(
            m.role == "system" for m in prompt.messages
        ):
            raise UnsupportedFeatureError(
                f"Model {self.model_id} does not support system prompts"
            )

    def build_messages(
        self, prompt: Any, conversation: Any = None
    ) -> list[dict[str, Any]]:
        """Chat Completions ``messages`` from ``prompt.messages`` (history included)."""
        return build_chat_messages(prompt.messages, self._image_detail(prompt))

    def build_kwargs(self, prompt: Any, stream: bool) -> dict[str, Any]:
        """Keyword arguments for ``chat.completions.create`` besides model/messages/stream."""
        kwargs = not_nulls(prompt.options)
        json_object = kwargs.pop("json_object", None)
        for name in _LOCAL_OPTIONS:
            kwargs.pop(name, None)
        if "max_tokens" not in kwargs and self.default_max_tokens is not None:
            kwargs["max_tokens"] = self.default_max_tokens
        if self.reasoning and "max_tokens" in kwargs:
            # Reasoning models only accept the newer name.
            kwargs["max_completion_tokens"] = kwargs.pop("max_tokens")
        if json_object:
            kwargs["response_format"] = {"type": "json_object"}
        if prompt.schema:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": prompt.schema},
            }
        tools = chat_tools(prompt.tools)
        if tools:
            kwargs["tools"] = tools
        if stream:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    def set_usage(self, response: Any, usage: dict[str, Any] | None) -> None:
        """Record an OpenAI ``usage`` dict on ``response``."""
        set_usage_from_dict(response, usage)

    def _stream(self, stream: bool) -> bool:
        return bool(stream and self.can_stream)

    def _request_model(self) -> str:
        """The model name sent to the API."""
        return self.model_name or self.model_id

    def prepare_call(self, prompt: Any, stream: bool, conversation: Any) -> ApiCall:
        """Check ``prompt`` and build the API call for it (path and request body),
        streamed if this model can; the Batch API sends the same calls."""
        stream = self._stream(stream)
        self.check_prompt(prompt)
        return self._build_call(prompt, stream, conversation)

    def _build_call(self, prompt: Any, stream: bool, conversation: Any) -> ApiCall:
        """A Chat Completions call; the completion and Responses classes send others."""
        messages = self.build_messages(prompt, conversation)
        kwargs = self.build_kwargs(prompt, stream)
        request = {
            "model": self._request_model(),
            "messages": messages,
            "stream": stream,
            **kwargs,
        }
        return ApiCall("chat.completions", request, stream, ChatStream())


class _SyncOpenAIModel(_Shared, KeyModel):
    """A sync model that runs the call ``_build_call`` describes."""

    Options: type[Options] = ChatOptions  # type: ignore[assignment]

    def execute(
        self,
        prompt: Any,
        stream: bool,
        response: Any,
        conversation: Any = None,
        key: str | None = None,
    ) -> Iterator[StreamEvent]:
        call = self.prepare_call(prompt, stream, conversation)
        yield from run_call(self, call, response, key)


class _AsyncOpenAIModel(_Shared, AsyncKeyModel):
    """The asyncio twin of ``_SyncOpenAIModel``."""

    Options: type[Options] = ChatOptions  # type: ignore[assignment]

    async def execute(  # type: ignore[override]
        self,
        prompt: Any,
        stream: bool,
        response: Any,
        conversation: Any = None,
        key: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        call = self.prepare_call(prompt, stream, conversation)
        async for event in run_call_async(self, call, response, key):
            yield event
