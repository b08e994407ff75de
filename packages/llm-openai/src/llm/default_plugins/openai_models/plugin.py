"""The pluggy hooks that register OpenAI models, embedding models, the Batch API and the ``llm openai`` commands."""

from __future__ import annotations

from typing import Any

from llm.hookspecs import hookimpl


@hookimpl
def register_models(register: Any) -> None:
    from .catalog import register_builtin_models
    from .extra_models import register_extra_models

    register_builtin_models(register)
    register_extra_models(register)


@hookimpl
def register_embedding_models(register: Any) -> None:
    from .catalog import register_builtin_embedding_models

    register_builtin_embedding_models(register)


@hookimpl
def register_commands(cli: Any) -> None:
    from .commands import openai_group

    cli.add_command(openai_group, name="openai")


@hookimpl
def register_prices(register: Any) -> None:
    from .prices import register_builtin_prices

    register_builtin_prices(register)


@hookimpl
def register_batch_providers(register: Any) -> None:
    from .batch_api import OpenAIBatchProvider

    register(OpenAIBatchProvider())
