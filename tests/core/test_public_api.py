"""The public surface of the ``llm`` package."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import llm
from llm import hookspecs

DOCS = Path(__file__).parents[2] / "docs"


def test_all_matches_public_names():
    assert llm.__all__ == sorted(llm.__all__)
    for name in llm.__all__:
        if name in ("Collection", "Template"):
            continue  # provided by llm-embeddings / llm-templates
        assert getattr(llm, name) is not None, name


def test_every_documented_name_is_exported():
    expected = {
        "get_model",
        "get_async_model",
        "get_models",
        "get_async_models",
        "get_models_with_aliases",
        "get_embedding_model",
        "get_embedding_models",
        "UnknownModelError",
        "set_alias",
        "remove_alias",
        "set_default_model",
        "get_default_model",
        "set_default_embedding_model",
        "get_default_embedding_model",
        "user_dir",
        "get_key",
        "encode",
        "decode",
        "Model",
        "KeyModel",
        "AsyncModel",
        "AsyncKeyModel",
        "Options",
        "Response",
        "AsyncResponse",
        "Conversation",
        "AsyncConversation",
        "Message",
        "user",
        "assistant",
        "system",
        "tool_message",
        "Tool",
        "Toolbox",
        "ToolCall",
        "ToolResult",
        "ToolOutput",
        "CancelToolCall",
        "PauseChain",
        "schema_dsl",
        "Attachment",
        "Fragment",
        "hookimpl",
        "ModelError",
        "NeedsKeyException",
        "EmbeddingModel",
        "Usage",
        "Prompt",
        "StreamEvent",
        "ServerSideTool",
        "get_tools",
        "get_plugins",
        "Collection",
        "Template",
    }
    assert expected <= set(llm.__all__)


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        llm.does_not_exist  # noqa: B018


def test_submodules_are_attributes_after_a_bare_import():
    code = (
        "import sys, llm\n"
        "assert 'llm.parts' not in sys.modules\n"
        "print(llm.parts.TextPart.__name__, type(llm.plugins.pm).__name__)\n"
        "assert 'llm.cli' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["TextPart", "PluginManager"]


def test_compatibility_import_paths():
    from llm.errors import ModelError, NeedsKeyException  # noqa: F401
    from llm.models import Attachment, Conversation, Model, Prompt, Response  # noqa: F401
    from llm.parts import (  # noqa: F401
        AttachmentPart,
        ReasoningPart,
        StreamEvent,
        TextPart,
        ToolCallPart,
        ToolResultPart,
    )
    from llm.utils import extract_fenced_code_block, remove_dict_none_values  # noqa: F401

    assert extract_fenced_code_block("x\n```python\nprint(1)\n```\n") == "print(1)\n"
    assert extract_fenced_code_block("```\na\n```\n```\nb\n```", last=True) == "b\n"
    assert remove_dict_none_values({"a": None, "b": {"c": None, "d": 1}}) == {
        "b": {"d": 1}
    }


def test_every_hook_is_documented():
    hooks = [name for name in dir(hookspecs) if name.startswith("register_")]
    text = (DOCS / "plugins.md").read_text()
    for hook in hooks:
        assert re.search(rf"`{hook}\(", text), (
            f"{hook} is not documented in docs/plugins.md"
        )


def test_instantiate_from_spec():
    from llm.utils import instantiate_from_spec

    class Files(llm.Toolbox):
        def __init__(self, root: str, readonly: bool = False):
            self.root, self.readonly = root, readonly

    made = instantiate_from_spec({"Files": Files}, 'Files("/tmp", readonly=true)')
    assert (made.root, made.readonly) == ("/tmp", True)
    made = instantiate_from_spec({"Files": Files}, 'Files({"root": "/x"})')
    assert made.root == "/x"
    with pytest.raises(ValueError, match="Unknown class"):
        instantiate_from_spec({}, "Nope()")
    with pytest.raises(ValueError, match="Could not configure"):
        instantiate_from_spec({"Files": Files}, "Files(1, 2, 3)")
