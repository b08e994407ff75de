"""``llm openai endpoint``: prompt any OpenAI-compatible endpoint without configuring it.

Nothing is logged, and the configured OpenAI key is never sent: only a key
given with ``--key`` (a value or the name of a stored key). The prompt is built
and run through llm-cli's public API (``llm.cli.api``), so templates,
attachments, schemas, tools and output behave exactly as they do for ``llm
prompt``. The command only exists inside the ``llm`` CLI, hence the ``cli``
extra of llm-openai.
"""

from __future__ import annotations

from typing import Any

import click

ENDPOINT_FEATURES = frozenset(
    {"reasoning_effort", "verbosity", "image_detail", "service_tier"}
)


def endpoint_model(
    url: str,
    model_id: str,
    *,
    responses: bool = False,
    headers: dict[str, str] | None = None,
) -> Any:
    """An unregistered model for ``url`` that accepts everything the endpoint might.

    It needs no key, so the stored OpenAI key is never sent, and it adds no
    reasoning fields unless ``reasoning_effort`` is set.
    """
    from .chat import Chat
    from .options import ChatOptions, options_class
    from .responses import Responses

    cls = Responses if responses else Chat
    model = cls(
        model_id,
        api_base=url,
        headers=headers or None,
        vision=True,
        audio=not responses,
        supports_schema=True,
        supports_tools=True,
    )
    model.needs_key = None
    model.key_env_var = None
    model.reasoning_summaries = False
    model.Options = options_class(ChatOptions, ENDPOINT_FEATURES)
    return model


def list_remote_models(target: Any) -> list[dict[str, Any]]:
    """Every model ``target`` (a ``transport.Endpoint``) lists at ``/models``, as dicts."""
    from llm.errors import ModelError

    from .transport import get_json

    reply = get_json(target, "models")
    data = reply.get("data") if isinstance(reply, dict) else None
    if not isinstance(data, list):
        raise ModelError("The API's model list has no data")
    return [model for model in data if isinstance(model, dict)]


def list_endpoint_models(
    url: str, key: str | None, headers: dict[str, str]
) -> list[str]:
    """The model IDs ``url``/models advertises."""
    from llm.keys import get_key

    from .client import NO_KEY_PLACEHOLDER
    from .transport import endpoint

    api_key = (get_key(key) or key) if key else NO_KEY_PLACEHOLDER
    target = endpoint(api_key=api_key, base_url=url, headers=headers or None)
    return [m.get("id", "") for m in list_remote_models(target)]


def server_tool_classes() -> dict[str, type]:
    """Server-side tools ``-T`` accepts by name, besides registered tools."""
    from llm.tools import ServerSideTool

    from .server_tools import CodeInterpreter, WebSearch

    return {
        "ServerSideTool": ServerSideTool,
        "WebSearch": WebSearch,
        "CodeInterpreter": CodeInterpreter,
    }


def _chat_loop(
    session: Any, first_input: str | None, display: Any, model_id: str
) -> None:
    from llm.cli.api import run

    click.echo(f"Chatting with {model_id}")
    click.echo("Type 'exit' or 'quit' to exit")
    first = True
    pending = first_input
    while True:
        if pending is None:
            try:
                line = click.prompt(
                    "", prompt_suffix="> ", default="", show_default=False
                )
            except click.Abort:
                click.echo("")
                return
        else:
            line, pending = pending, None
        if line.strip() in ("exit", "quit"):
            return
        if not line.strip():
            continue
        prompt_text, system = session.evaluate(line)
        kwargs = session.prompt_kwargs(system, first_turn=first, stream=display.stream)
        run(session, prompt_text, kwargs, display)
        first = False


@click.command(name="endpoint")
@click.argument("url")
@click.argument("prompt", required=False)
@click.option(
    "model_id",
    "-m",
    "--model",
    help="Model ID (required unless --models or provided by template)",
)
@click.option("-s", "--system", help="System prompt to use")
@click.option("-t", "--template", help="Template to use")
@click.option(
    "params",
    "-p",
    "--param",
    multiple=True,
    type=(str, str),
    help="Parameters for template",
)
@click.option(
    "options",
    "-o",
    "--option",
    multiple=True,
    type=(str, str),
    help="key/value options for the model",
)
@click.option("--schema", help="JSON schema, filepath or ID")
@click.option("--schema-multi", help="JSON schema to use for multiple results")
@click.option(
    "attachments",
    "-a",
    "--attachment",
    multiple=True,
    help="Attachment path or URL or -",
)
@click.option(
    "attachment_types",
    "--at",
    "--attachment-type",
    multiple=True,
    type=(str, str),
    help="Attachment with explicit mimetype, --at image.jpg image/jpeg",
)
@click.option(
    "tools",
    "-T",
    "--tool",
    multiple=True,
    help="Name of a tool to make available to the model",
)
@click.option(
    "functions",
    "--functions",
    multiple=True,
    help="Python code block or file path defining functions to register as tools",
)
@click.option(
    "tools_debug",
    "--td",
    "--tools-debug",
    is_flag=True,
    help="Show full details of tool executions",
)
@click.option(
    "tools_approve",
    "--ta",
    "--tools-approve",
    is_flag=True,
    help="Manually approve every tool execution",
)
@click.option(
    "chain_limit",
    "--cl",
    "--chain-limit",
    type=int,
    default=5,
    help="How many chained tool responses to allow, default 5, set 0 for unlimited",
)
@click.option("--key", help="API key or stored key alias to send")
@click.option(
    "headers",
    "-H",
    "--header",
    multiple=True,
    type=(str, str),
    help="Additional HTTP header",
)
@click.option(
    "--responses",
    is_flag=True,
    help="Use the Responses API instead of Chat Completions",
)
@click.option("--chat", is_flag=True, help="Start an interactive chat")
@click.option(
    "list_models",
    "--models",
    is_flag=True,
    help="List model IDs from the endpoint and exit",
)
@click.option("no_stream", "--no-stream", is_flag=True, help="Do not stream output")
@click.option(
    "hide_reasoning",
    "-R",
    "--hide-reasoning",
    is_flag=True,
    help="Hide reasoning output",
)
def endpoint(
    url: str,
    key: str | None,
    headers: tuple[tuple[str, str], ...],
    list_models: bool,
    responses: bool,
    chat: bool,
    no_stream: bool,
    **options: Any,
) -> None:
    """Run against an OpenAI-compatible endpoint without logging.

    PROMPT or stdin is executed once. If neither is provided, wait for input on
    stdin. Use --chat to start an interactive chat. Templates run once by
    default; use --chat to apply one interactively. Use --models to list the
    available model IDs without running a prompt.
    """
    from llm.cli.api import PromptRequest, handle_errors

    with handle_errors():
        if list_models:
            for model_name in list_endpoint_models(url, key, dict(headers)):
                click.echo(model_name)
            return
        request = PromptRequest(key=key, **options)
        run_endpoint(
            url,
            request,
            headers=dict(headers),
            responses=responses,
            chat=chat,
            stream=not no_stream,
        )


def run_endpoint(
    url: str,
    request: Any,
    *,
    headers: dict[str, str],
    responses: bool = False,
    chat: bool = False,
    stream: bool = True,
) -> None:
    """Run ``request`` (an ``llm.cli.api.PromptRequest``) once, or as a chat, on ``url``."""
    from llm.cli.api import Display, Stdin, load_template, run_input, session_for_model
    from llm.errors import TemplateError

    stdin = Stdin()
    template = load_template(request.template)
    model_name = request.model_id or (template.model if template is not None else None)
    if not model_name:
        raise click.ClickException(
            "Missing -m/--model: give the model ID the endpoint should run"
        )
    if request.params and template is None:
        raise TemplateError("-p/--param needs a template (-t)")
    model = endpoint_model(url, model_name, responses=responses, headers=headers)
    session = session_for_model(
        model,
        request,
        stdin,
        template=template,
        tool_classes=server_tool_classes(),
        approve_from_stdin=chat,
    )
    display = Display(stream=stream, log=False)
    if chat:
        _chat_loop(session, request.prompt, display, model_name)
        return
    template_has_prompt = template is not None and bool(template.prompt)
    run_input(
        session,
        request.prompt,
        stdin,
        display,
        wait_for_input=not template_has_prompt,
    )
