"""``llm openai endpoint``: prompt any OpenAI-compatible endpoint without configuring it.

Nothing is logged, and the configured OpenAI key is never sent: only a key
given with ``--key`` (a value or the name of a stored key). Prompt building
reuses the ``llm`` command's own helpers for templates, attachments, schemas,
tools and output, so the options behave exactly as they do for ``llm prompt``.
"""

from __future__ import annotations

from typing import Any

import click

# Server-side tools the endpoint accepts in -T besides registered tools.
SERVER_TOOL_NAMES = ("ServerSideTool", "WebSearch", "CodeInterpreter")
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


def list_endpoint_models(
    url: str, key: str | None, headers: dict[str, str]
) -> list[str]:
    """The model IDs ``url``/models advertises."""
    from llm.keys import get_key

    from .client import NO_KEY_PLACEHOLDER
    from .commands import list_remote_models
    from .transport import endpoint

    api_key = (get_key(key) or key) if key else NO_KEY_PLACEHOLDER
    target = endpoint(api_key=api_key, base_url=url, headers=headers or None)
    return [m.get("id", "") for m in list_remote_models(target)]


def resolve_endpoint_tools(specs: list[str], functions: list[str]) -> list[Any]:
    """Registered tools and toolboxes, ``--functions``, and server-side tool specs."""
    from llm.cli.tooling import parse_tool_spec, resolve_tools
    from llm.tools import ServerSideTool

    from .server_tools import CodeInterpreter, WebSearch

    classes = {
        "ServerSideTool": ServerSideTool,
        "WebSearch": WebSearch,
        "CodeInterpreter": CodeInterpreter,
    }
    server: list[Any] = []
    local: list[str] = []
    for spec in specs:
        name, args, kwargs = parse_tool_spec(spec)
        if name in classes:
            try:
                server.append(classes[name](*args, **kwargs))
            except TypeError as ex:
                raise ValueError(f"Could not configure {spec}: {ex}") from ex
        else:
            local.append(spec)
    return resolve_tools(local, functions) + server


def _chat_loop(
    session: Any, first_input: str | None, display: Any, model_id: str
) -> None:
    from llm.cli.running import run

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
    **options: Any,
) -> None:
    """Run against an OpenAI-compatible endpoint without logging.

    PROMPT or stdin is executed once. If neither is provided, wait for input on
    stdin. Use --chat to start an interactive chat. Templates run once by
    default; use --chat to apply one interactively. Use --models to list the
    available model IDs without running a prompt.
    """
    from llm.cli.errors import handle_errors

    with handle_errors():
        if list_models:
            for model_name in list_endpoint_models(url, key, dict(headers)):
                click.echo(model_name)
            return
        _run_endpoint(url=url, key=key, headers=headers, **options)


def _run_endpoint(
    *,
    url: str,
    prompt: str | None,
    model_id: str | None,
    system: str | None,
    template: str | None,
    params: tuple[tuple[str, str], ...],
    options: tuple[tuple[str, str], ...],
    schema: str | None,
    schema_multi: str | None,
    attachments: tuple[str, ...],
    attachment_types: tuple[tuple[str, str], ...],
    tools: tuple[str, ...],
    functions: tuple[str, ...],
    tools_debug: bool,
    tools_approve: bool,
    chain_limit: int,
    key: str | None,
    headers: tuple[tuple[str, str], ...],
    responses: bool,
    chat: bool,
    no_stream: bool,
    hide_reasoning: bool,
) -> None:
    from llm.cli.inputs import (
        LogsDB,
        Stdin,
        claims_stdin,
        combine_prompt,
        resolve_attachments,
    )
    from llm.cli.prompting import (
        PromptRequest,
        Session,
        check_has_input,
        load_template,
        tool_hooks,
    )
    from llm.cli.running import Display, run
    from llm.cli.schema_input import resolve_schema_option
    from llm.errors import TemplateError
    from llm.options import validate_options

    stdin = Stdin()
    stdin.claimed = claims_stdin(attachments, attachment_types)
    loaded = load_template(template)
    model_name = model_id or (loaded.model if loaded is not None else None)
    if not model_name:
        raise click.ClickException(
            "Missing -m/--model: give the model ID the endpoint should run"
        )
    if params and loaded is None:
        raise TemplateError("-p/--param needs a template (-t)")
    model = endpoint_model(url, model_name, responses=responses, headers=dict(headers))
    logs = LogsDB()
    session = Session(
        model=model,
        conversation=model.conversation(),
        logs=logs,
        template=loaded,
        params=dict(params),
        system=system,
        key=key,
        hide_reasoning=hide_reasoning,
        chain_limit=chain_limit,
    )
    merged = dict(loaded.options or {}) if loaded is not None else {}
    merged.update(dict(options))
    if merged:
        validate_options(model.Options, merged)
    session.options = merged

    tool_specs = list(tools)
    function_code = list(functions)
    if loaded is not None:
        tool_specs = list(loaded.tools or []) + tool_specs
        code = loaded.function_code()
        if code:
            function_code.insert(0, code)
        session.attachments.extend(loaded.attachment_objects())
    session.attachments.extend(
        resolve_attachments(attachments, attachment_types, stdin)
    )
    if schema is not None:
        session.schema = resolve_schema_option(schema, False, logs)
    elif schema_multi is not None:
        session.schema = resolve_schema_option(schema_multi, True, logs)
    elif loaded is not None and loaded.schema_object:
        session.schema = loaded.schema_object
    session.tools = resolve_endpoint_tools(tool_specs, function_code)
    session.before_call, session.after_call = tool_hooks(
        PromptRequest(tools_debug=tools_debug, tools_approve=tools_approve),
        approve_from_stdin=chat,
    )
    display = Display(stream=not no_stream, log=False)

    if chat:
        _chat_loop(session, prompt, display, model_name)
        return
    template_has_prompt = loaded is not None and bool(getattr(loaded, "prompt", None))
    text = combine_prompt(prompt, stdin, wait_for_input=not template_has_prompt)
    prompt_text, system_text = session.evaluate(text)
    check_has_input(session, prompt_text, system_text)
    kwargs = session.prompt_kwargs(system_text, stream=display.stream)
    run(session, prompt_text, kwargs, display)
