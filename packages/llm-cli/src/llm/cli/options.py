"""Click options shared by several commands (``prompt``, ``chat``, ``tools`` ...).

Each function returns a decorator so a command lists its options in the order
the reference help uses; values are left as typed and resolved later by
``prompting`` (which knows the model, the database and stdin).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def compose(*decorators: Decorator) -> Decorator:
    """Apply several option decorators; the first listed shows first in --help."""

    def apply(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


class SecondsParam(click.ParamType):
    """A number of seconds above 0, finite and at most a year (``check_timeout``)."""

    name = "seconds"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        from llm.model_reliability import check_timeout

        try:
            return check_timeout(value if isinstance(value, float) else float(value))
        except ValueError:
            self.fail(
                f"{value!r} is not a number of seconds above 0 and at most a year",
                param,
                ctx,
            )


SECONDS = SecondsParam()


class AttachmentParam(click.ParamType):
    """An attachment: a file path, an http(s) URL, or ``-`` for standard input."""

    name = "attachment"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        return str(value)


def system_option() -> Decorator:
    return click.option("-s", "--system", help="System prompt for the model")


def model_option(help: str = "Model ID or alias to use") -> Decorator:
    return click.option("model_id", "-m", "--model", help=help)


def database_option(help: str = "Path to the logs database") -> Decorator:
    return click.option(
        "-d",
        "--database",
        metavar="FILE",
        help=help,
    )


def query_option() -> Decorator:
    return click.option(
        "queries",
        "-q",
        "--query",
        multiple=True,
        help="Pick the first model matching all of these strings",
    )


def attachment_options() -> Decorator:
    return compose(
        click.option(
            "attachments",
            "-a",
            "--attachment",
            type=AttachmentParam(),
            multiple=True,
            help="Attach a file path, a URL, or - for standard input",
        ),
        click.option(
            "attachment_types",
            "--at",
            "--attachment-type",
            type=(str, str),
            multiple=True,
            help="Attach PATH with an explicit MIME type: --at photo.jpg image/jpeg",
        ),
    )


def tool_options(interactive: bool = True) -> Decorator:
    """``-T``, ``--functions``, ``--cl`` and, unless not ``interactive``, ``--td``/``--ta``."""
    options = [
        click.option(
            "tools",
            "-T",
            "--tool",
            multiple=True,
            help="Make this tool (or Toolbox(...) spec) available to the model",
        ),
        click.option(
            "functions",
            "--functions",
            multiple=True,
            help="Python code, or a .py file, whose functions become tools",
        ),
    ]
    if interactive:
        options += [
            click.option(
                "tools_debug",
                "--td",
                "--tools-debug",
                is_flag=True,
                envvar="LLM_TOOLS_DEBUG",
                help="Print every tool call and its result",
            ),
            click.option(
                "tools_approve",
                "--ta",
                "--tools-approve",
                is_flag=True,
                help="Ask for approval before each tool call",
            ),
        ]
    options.append(
        click.option(
            "chain_limit",
            "--cl",
            "--chain-limit",
            type=int,
            default=5,
            show_default=False,
            help="Most tool-call rounds to allow (default 5, 0 for no limit)",
        )
    )
    return compose(*options)


def option_option() -> Decorator:
    return click.option(
        "options",
        "-o",
        "--option",
        type=(str, str),
        multiple=True,
        help="Model option as a name and a value",
    )


def schema_options() -> Decorator:
    return compose(
        click.option(
            "--schema",
            help="JSON schema, concise schema, file path, stored schema ID or t:template",
        ),
        click.option(
            "--schema-multi",
            help="Like --schema, for a list of several results",
        ),
    )


def fragment_options() -> Decorator:
    return compose(
        click.option(
            "fragments",
            "-f",
            "--fragment",
            multiple=True,
            help="Fragment to add to the prompt: file, URL, alias, hash, - or loader:arg",
        ),
        click.option(
            "system_fragments",
            "--sf",
            "--system-fragment",
            multiple=True,
            help="Fragment to add to the system prompt",
        ),
    )


def template_options() -> Decorator:
    return compose(
        click.option(
            "-t", "--template", help="Template name, file, URL or loader:name"
        ),
        click.option(
            "params",
            "-p",
            "--param",
            type=(str, str),
            multiple=True,
            help="Template parameter as a name and a value",
        ),
    )


def no_stream_option() -> Decorator:
    return click.option(
        "--no-stream", is_flag=True, help="Print the response once it is complete"
    )


def hide_reasoning_option() -> Decorator:
    return click.option(
        "-R",
        "--hide-reasoning",
        is_flag=True,
        help="Do not show the model's reasoning",
    )


def continue_options() -> Decorator:
    return compose(
        click.option(
            "continue_",
            "-c",
            "--continue",
            is_flag=True,
            help="Continue your most recent conversation",
        ),
        click.option(
            "conversation_id",
            "--cid",
            "--conversation",
            help="Continue the conversation with this ID",
        ),
    )


def key_option() -> Decorator:
    return click.option("--key", help="API key, or the name of a stored key, to use")


def retry_options(fallback: bool = True) -> Decorator:
    """``--retries``, ``--timeout`` and (for prompts) ``--fallback``."""
    options = [
        click.option(
            "--retries",
            type=click.IntRange(min=0),
            help="Retry rate limits, server errors and dropped connections up to N times (default 3)",
            metavar="N",
        ),
        click.option(
            "--timeout",
            type=SECONDS,
            help="Give up on a call after this many seconds without a reply",
            metavar="SECONDS",
        ),
    ]
    if fallback:
        options.append(
            click.option(
                "fallbacks",
                "--fallback",
                multiple=True,
                metavar="MODEL",
                help="Model to try if the model fails after its retries (repeatable)",
            )
        )
    return compose(*options)


def render_option(name: str = "render") -> Decorator:
    return click.option(
        name,
        "--render/--no-render",
        default=None,
        help="Show Markdown rendered (default: when output is a terminal; "
        "also LLM_RENDER=0|1 and 'llm render on|off')",
    )
