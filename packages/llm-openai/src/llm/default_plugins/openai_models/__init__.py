"""The default OpenAI plugin: chat, completion and Responses API models, embeddings and commands.

Importing this package is cheap: only the plugin hooks load eagerly. The model
classes load on first access, and the ``openai`` SDK, ``yaml`` and ``httpx``
only when a model runs, lists remote models or reads its config file.
Third-party plugins import ``Chat``, ``AsyncChat``, ``Completion`` and friends
from here and subclass them.
"""

from typing import TYPE_CHECKING

from llm.lazy import lazy_exports

from .plugin import (
    register_batch_providers,
    register_commands,
    register_embedding_models,
    register_models,
    register_prices,
)

# public name -> submodule defining it
_LAZY: dict[str, str] = {
    "Chat": "chat",
    "AsyncChat": "chat",
    "Completion": "completion",
    "AsyncCompletion": "completion",
    "Responses": "responses",
    "AsyncResponses": "responses",
    "OpenAIEmbeddingModel": "embeddings",
    "SharedOptions": "options",
    "ChatOptions": "options",
    "CompletionOptions": "options",
    "ReasoningEffortEnum": "options",
    "WebSearch": "server_tools",
    "CodeInterpreter": "server_tools",
    "combine_chunks": "chat_stream",
    "not_nulls": "utils",
    "redact_data": "utils",
    "remove_dict_none_values": "utils",
    "_attachment": "chat_messages",
    "_Shared": "shared",
}

__all__ = sorted(
    [n for n in _LAZY if not n.startswith("_")]
    + [
        "register_batch_providers",
        "register_commands",
        "register_embedding_models",
        "register_models",
        "register_prices",
    ]
)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .chat import AsyncChat, Chat
    from .chat_messages import _attachment
    from .chat_stream import combine_chunks
    from .completion import AsyncCompletion, Completion
    from .embeddings import OpenAIEmbeddingModel
    from .options import (
        ChatOptions,
        CompletionOptions,
        ReasoningEffortEnum,
        SharedOptions,
    )
    from .responses import AsyncResponses, Responses
    from .server_tools import CodeInterpreter, WebSearch
    from .shared import _Shared
    from .utils import not_nulls, redact_data, remove_dict_none_values
