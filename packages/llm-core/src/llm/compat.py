"""Names kept only so that published plugins keep working.

Plugins written for the original LLM import a few names from places that are
not part of our designed API: private helpers, re-exports from the module the
original happened to define them in, old ``llm.cli`` functions. Each is listed
here with the plugins that use it, as found by ``scripts/plugin_surface.py``
(its output is ``tests/compat/plugin_surface.json``). Tests check that every
entry resolves and that the plugin lists match the scan, so a name can be
dropped only when no published plugin needs it any more.

Nothing imports this module at run time; it is the one list to consult before
renaming or removing something a plugin might reach.
"""

from __future__ import annotations

# dotted name -> published plugins (PyPI distribution names) that use it
PLUGIN_SHIMS: dict[str, tuple[str, ...]] = {
    # llm-core
    "llm.models._partition_tools": ("llm-anthropic", "llm-gemini"),
    "llm.models.EmbeddingModel": ("llm-github-models",),
    "llm.parts.Message": ("llm-anthropic", "llm-ollama", "llm-openrouter"),
    "llm.utils.logging_client": ("llm-venice",),
    "llm.migrations.migrate": ("llm-command-r",),
    # llm-openai
    "llm.default_plugins.openai_models._Shared": ("llm-azure",),
    "llm.default_plugins.openai_models._attachment": ("llm-github-models==0.5",),
    # llm-cli: functions the original's cli module defined
    "llm.cli.get_default_model": (
        "llm-cluster",
        "llm-cmd",
        "llm-cmd-comp",
        "llm-commit",
    ),
    "llm.cli.get_key": ("llm-cluster",),
    "llm.cli.logs_db_path": ("llm-command-r",),
    "llm.cli.logs_on": ("llm-command-r",),
}

# dotted name -> who else relies on it: a page of the original's documentation
# that tells users to import it, or downstream code outside the plugin scan
KEPT_FOR_OTHERS: dict[str, str] = {
    "llm.migrations.migrate": "the original's logging docs (creating logs.db)",
    "llm.embeddings_migrations.embeddings_migrations": (
        "the original's embeddings Python API docs (creating embeddings.db)"
    ),
    "llm.cli.load_conversation": "curate-gpt and scripts that resume logged chats",
    "llm.cli.load_template": "scripts that run saved templates from Python",
    "llm.cli.Template": "scripts that run saved templates from Python",
    "llm.cli.set_default_model": "scripts that switch the default model",
}


def kept_names() -> set[str]:
    """Every dotted name this module lists."""
    return set(PLUGIN_SHIMS) | set(KEPT_FOR_OTHERS)
