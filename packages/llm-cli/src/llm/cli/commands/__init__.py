"""Built-in ``llm`` commands, one module per top-level command, loaded on first use."""
