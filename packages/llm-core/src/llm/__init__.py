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
# LLM: run prompts against large language models from Python, and extend it with plugins.
#
# Public names are imported lazily on first use so ``import llm`` stays cheap
# (the CLI's --help and --version never pay for pydantic or plugins). The other
# llm distributions add subpackages (llm.cli, llm.logs ...) found via __path__.

from importlib import import_module  # noqa: E402

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
    # embeddings
    "EmbeddingModel": "embedding_model",
    "EmbeddingModelWithAliases": "registrations",
    # errors
    "ModelError": "errors",
    "NeedsKeyException": "errors",
    "TransientError": "errors",
    "ModelTimeoutError": "errors",
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


def __getattr__(name: str) -> "Any":
    module_name = _EXPORTS.get(name)
    if module_name is not None:
        value = getattr(import_module(f"llm.{module_name}"), name)
        globals()[name] = value
        return value
    if name in _OPTIONAL:
        module_path, distribution = _OPTIONAL[name]
        try:
            module = import_module(module_path)
        except ImportError as ex:
            raise AttributeError(
                f"llm.{name} is provided by the {distribution} package: pip install {distribution}"
            ) from ex
        value = getattr(module, name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        # Submodules such as llm.plugins or llm.parts, as after ``import llm.parts``:
        # plugins written for the original reach them from a bare ``import llm``.
        try:
            return import_module(f"llm.{name}")
        except ModuleNotFoundError as ex:
            if ex.name != f"llm.{name}":
                raise
    raise AttributeError(f"module 'llm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from typing import Any

    from .aliases import remove_alias
    from .async_response import AsyncResponse
    from .attachments import Attachment
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
