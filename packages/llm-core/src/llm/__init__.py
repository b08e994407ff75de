"""LLM: run prompts against large language models from Python, and extend it with plugins.

    import llm

    model = llm.get_model("gpt-4o-mini")        # any model a plugin registered
    response = model.prompt("Five names for a pet pelican", system="Be brief")
    for chunk in response:                       # streams; response.text() waits
        print(chunk, end="")

This package is llm-core: models and the base classes plugins subclass
(``Model``, ``KeyModel``, ``AsyncModel``, ``EmbeddingModel``), prompts,
responses and their ``ResponseRecord`` snapshots, conversations and tool
chains, messages and parts, tools and toolboxes, schemas, fragments,
attachments, keys, aliases and default models, and the pluggy plugin system
(``hookimpl``, ``get_plugins``). ``__all__`` lists every public name; the
errors are in ``llm.errors``.

The other llm distributions add subpackages to this namespace, found through
``__path__``: ``llm.cli`` (the ``llm`` command), ``llm.logs`` (SQLite logging),
``llm.templates``, ``llm.embeddings`` (``llm.Collection``) and the OpenAI
plugin in ``llm.default_plugins.openai_models``. ``llm.Collection`` and
``llm.Template`` say which package to install when it is missing.

Public names are imported on first use, so ``import llm`` stays cheap: the
CLI's ``--help`` and ``--version`` never pay for pydantic or plugins, and
plugins load on the first model lookup.
"""


def _extend_path(
    path: list, name: str
) -> list:  # what pkgutil.extend_path does, minus its imports
    import os
    import sys

    path = list(path)
    for entry in sys.path:
        candidate = os.path.join(entry, name) if isinstance(entry, str) else None
        if candidate and candidate not in path and os.path.isdir(candidate):
            path.append(candidate)
    return path


__path__ = _extend_path(__path__, __name__)  # noqa: F821

from .lazy import lazy_exports  # noqa: E402

TYPE_CHECKING = (
    False  # avoids importing typing at start-up; type checkers treat it as True
)

# name -> module (within llm) that defines it
_EXPORTS: dict[str, str] = {
    # models and responses
    "Model": "models",
    "KeyModel": "models",
    "AsyncModel": "models",
    "AsyncKeyModel": "models",
    "ModelWithAliases": "registrations",
    "Options": "options",
    "Prompt": "prompt",
    "Response": "response",
    "AsyncResponse": "async_response",
    "ResponseRecord": "response_record",
    "ChainResponse": "chain",
    "AsyncChainResponse": "chain",
    "Conversation": "conversation",
    "AsyncConversation": "conversation",
    "Usage": "usage",
    # prices and cost
    "Price": "pricing",
    "Cost": "pricing",
    "TokenCounts": "pricing",
    "get_price": "prices",
    "get_prices": "prices",
    "Attachment": "attachments",
    "Fragment": "fragments",
    # structured messages
    "Message": "parts",
    "user": "messages",
    "assistant": "messages",
    "system": "messages",
    "tool_message": "messages",
    "StreamEvent": "parts",
    # tools
    "Tool": "tools",
    "Toolbox": "tools",
    "ToolCall": "tools",
    "ToolResult": "tools",
    "ToolOutput": "tools",
    "ServerSideTool": "tools",
    # many prompts at once
    "batch": "batching",
    "abatch": "batching",
    "Batch": "batching",
    "BatchPrompt": "batching",
    "BatchResult": "batching",
    "BatchProvider": "batch_providers",
    "BatchStatus": "batch_providers",
    # embeddings
    "EmbeddingModel": "embedding_model",
    "EmbeddingModelWithAliases": "registrations",
    # errors
    "ModelError": "errors",
    "NeedsKeyException": "errors",
    "TransientError": "errors",
    "ModelTimeoutError": "errors",
    "IncompleteResponseError": "errors",
    "UnknownModelError": "errors",
    "CancelToolCall": "errors",
    "PauseChain": "errors",
    "ChainLimitExceeded": "errors",
    "AttachmentError": "errors",
    "OptionsError": "errors",
    "SchemaError": "errors",
    "ConfigError": "errors",
    "UnsupportedFeatureError": "errors",
    "FragmentNotFound": "errors",
    "InputError": "errors",
    "PluginError": "errors",
    "DatabaseError": "errors",
    "LogsDatabaseError": "errors",
    "TemplateError": "errors",
    # registry
    "get_model": "registry",
    "get_async_model": "registry",
    "get_models": "registry",
    "get_async_models": "registry",
    "get_models_with_aliases": "registry",
    "get_model_aliases": "registry",
    "get_async_model_aliases": "registry",
    "get_embedding_model": "registry",
    "get_embedding_models": "registry",
    "get_embedding_models_with_aliases": "registry",
    "get_embedding_model_aliases": "registry",
    "get_tools": "registry",
    "get_template_loaders": "registry",
    "get_fragment_loaders": "registry",
    # configuration
    "user_dir": "paths",
    "get_key": "keys",
    "set_alias": "registry",
    "remove_alias": "aliases",
    "get_default_model": "defaults",
    "set_default_model": "defaults",
    "get_default_embedding_model": "defaults",
    "set_default_embedding_model": "defaults",
    # plugins
    "hookimpl": "hookspecs",
    "get_plugins": "plugins",
    "load_plugins": "plugins",
    "pm": "plugins",
    "load_keys": "keys",
    # utilities
    "schema_dsl": "schemas",
    "encode": "encoding",
    "decode": "encoding",
}

# Names provided by the other llm distributions, with the package to install.
_OPTIONAL: dict[str, tuple[str, str]] = {
    "Collection": ("llm.embeddings", "llm-embeddings"),
    "Template": ("llm.templates", "llm-templates"),
}

__all__ = sorted([*_EXPORTS, *_OPTIONAL])


# Submodules such as llm.plugins or llm.parts are attributes of a bare ``import llm``,
# as after ``import llm.parts``: plugins written for the original reach them so.
__getattr__, __dir__ = lazy_exports(
    __name__, _EXPORTS, optional=_OPTIONAL, submodules=True
)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from typing import Any

    from .aliases import remove_alias
    from .async_response import AsyncResponse
    from .attachments import Attachment
    from .batch_providers import BatchProvider, BatchStatus
    from .batching import Batch, BatchPrompt, BatchResult, abatch, batch
    from .chain import AsyncChainResponse, ChainResponse
    from .conversation import AsyncConversation, Conversation
    from .defaults import (
        get_default_embedding_model,
        get_default_model,
        set_default_embedding_model,
        set_default_model,
    )
    from .embedding_model import EmbeddingModel
    from .encoding import decode, encode
    from .errors import (
        AttachmentError,
        CancelToolCall,
        ChainLimitExceeded,
        ConfigError,
        DatabaseError,
        FragmentNotFound,
        IncompleteResponseError,
        InputError,
        LogsDatabaseError,
        ModelError,
        ModelTimeoutError,
        NeedsKeyException,
        OptionsError,
        PauseChain,
        PluginError,
        SchemaError,
        TemplateError,
        TransientError,
        UnknownModelError,
        UnsupportedFeatureError,
    )
    from .fragments import Fragment
    from .hookspecs import hookimpl
    from .keys import get_key, load_keys
    from .messages import assistant, system, tool_message, user
    from .models import AsyncKeyModel, AsyncModel, KeyModel, Model
    from .options import Options
    from .parts import Message, StreamEvent
    from .paths import user_dir
    from .plugins import get_plugins, load_plugins, pm
    from .prices import get_price, get_prices
    from .pricing import Cost, Price, TokenCounts
    from .prompt import Prompt
    from .registrations import EmbeddingModelWithAliases, ModelWithAliases
    from .registry import (
        get_async_model,
        get_async_model_aliases,
        get_async_models,
        get_embedding_model,
        get_embedding_model_aliases,
        get_embedding_models,
        get_embedding_models_with_aliases,
        get_fragment_loaders,
        get_model,
        get_model_aliases,
        get_models,
        get_models_with_aliases,
        get_template_loaders,
        get_tools,
        set_alias,
    )
    from .response import Response
    from .response_record import ResponseRecord
    from .schemas import schema_dsl
    from .tools import ServerSideTool, Tool, Toolbox, ToolCall, ToolOutput, ToolResult
    from .usage import Usage
