"""``llm prompt`` (the default command): run one prompt and print the response."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ..errors import handle_errors
from ..interrupts import exit_stopped
from ..options import (
    attachment_options,
    continue_options,
    database_option,
    fragment_options,
    hide_reasoning_option,
    key_option,
    model_option,
    no_stream_option,
    option_option,
    query_option,
    render_option,
    retry_options,
    schema_options,
    system_option,
    template_options,
    tool_options,
)

if TYPE_CHECKING:
    from ..prompting import PromptRequest


@click.command(name="prompt")
@click.argument("prompt", required=False)
@system_option()
@model_option()
@database_option()
@query_option()
@attachment_options()
@tool_options()
@option_option()
@click.option(
    "show_options",
    "--options",
    is_flag=True,
    help="Show the options the selected model accepts, then exit",
)
@schema_options()
@fragment_options()
@template_options()
@no_stream_option()
@click.option("no_log", "-n", "--no-log", is_flag=True, help="Do not log this prompt")
@click.option(
    "log", "--log", is_flag=True, help="Log this prompt even if logging is off"
)
@hide_reasoning_option()
@continue_options()
@key_option()
@retry_options()
@click.option("--save", metavar="NAME", help="Save these options as a template NAME")
@click.option(
    "async_", "--async", is_flag=True, help="Run the async version of the model"
)
@click.option(
    "-u", "--usage", is_flag=True, help="Show token usage on stderr afterwards"
)
@click.option(
    "-x", "--extract", is_flag=True, help="Print only the first fenced code block"
)
@click.option(
    "extract_last",
    "--xl",
    "--extract-last",
    is_flag=True,
    help="Print only the last fenced code block",
)
@click.option(
    "json_",
    "--json",
    is_flag=True,
    help="Print the response as JSON, in the format of llm logs --json",
)
@render_option()
def prompt_command(
    prompt: str | None,
    show_options: bool,
    no_stream: bool,
    no_log: bool,
    log: bool,
    save: str | None,
    usage: bool,
    json_: bool,
    render: bool | None,
    **kwargs: Any,
) -> None:
    """Run a prompt against a model

    Documentation: https://llm.datasette.io/en/stable/usage.html

    Examples:

    \b
        llm 'Capital of France?'
        llm 'Capital of France?' -m gpt-4o
        llm 'Capital of France?' -s 'answer in Spanish'

    Multi-modal models accept attachments:

    \b
        llm 'Extract text from this image' -a image.jpg
        llm 'Describe' -a https://static.simonwillison.net/static/2024/pelicans.jpg
        cat image | llm 'describe image' -a -
        # Say what type the attachment is:
        cat image | llm 'describe image' --at - image/jpeg

    -x/--extract prints just the code inside the first ``` fenced block of
    the response, or the whole response if it has none:

    \b
        llm 'JavaScript function for reversing a string' -x
    """
    from ..prompting import PromptRequest

    request = PromptRequest(prompt=prompt, **kwargs)
    if save:
        with handle_errors():
            save_template(save, request)
        return
    if no_log and log:
        raise click.ClickException("--log and --no-log cannot be used together")
    if show_options:
        with handle_errors():
            show_model_options(request)
        return
    try:
        run_prompt(
            request,
            no_stream=no_stream,
            no_log=no_log,
            log=log,
            usage=usage,
            json_output=json_,
            render=render,
        )
    except KeyboardInterrupt:
        exit_stopped()


prompt = prompt_command


def run_prompt(
    request: PromptRequest,
    *,
    no_stream: bool = False,
    no_log: bool = False,
    log: bool = False,
    usage: bool = False,
    json_output: bool = False,
    render: bool | None = None,
) -> None:
    """Resolve the request, read the prompt, run it and log it.

    ``render`` is ``--render/--no-render`` (None: decide from the environment).
    """
    from llm.logs import logs_on

    from ..inputs import Stdin
    from ..prompting import prepare_session
    from ..render import should_render
    from ..running import Display, run_input

    with handle_errors():
        stdin = Stdin()
        session = prepare_session(request, stdin)
        template = session.template
        wait = not (
            request.attachments
            or request.attachment_types
            or request.schema
            or request.schema_multi
            or session.fragments
            or (
                template is not None
                and template.prompt
                and "input" not in template.vars()
            )
        )
        display = Display(
            stream=not no_stream,
            extract=session.extract,
            extract_last=session.extract_last,
            usage=usage,
            json=json_output,
            log=(logs_on() or log) and not no_log,
        )
        # Code blocks, JSON and schema output are for programs: never rendered.
        display.render = (
            not (display.extract or display.extract_last or display.json)
            and session.schema is None
            and should_render(render)
        )
        run_input(session, request.prompt, stdin, display, wait_for_input=wait)


def save_template(name: str, request: PromptRequest) -> None:
    """``--save NAME``: store the prompt options as a template instead of running them.

    Replacing a different saved template keeps its old text in a ``.bak`` file
    and says so on stderr.
    """
    from llm.templates import (
        replace_template,
        template_from_options,
        validate_template_name,
    )

    from ..inputs import LogsDB
    from ..model_selection import select_model
    from ..schema_input import resolve_schema_options

    validate_template_name(name)
    for flag, value in (
        ("--template", request.template),
        ("--continue", request.continue_),
        ("--cid", request.conversation_id),
    ):
        if value:
            raise click.ClickException(f"Cannot use {flag} with --save")
    model_id = request.model_id
    options = dict(request.options)
    model = None
    if model_id or request.queries:
        model = select_model(model_id, request.queries)
        if model is not None:
            # The ID, not the alias given: aliases are per-user and can be changed.
            model_id = model.model_id
    # Options are typed by the model they are for - the default model when the
    # template names none - and stored typed (0.5, not "0.5"), as the original does.
    typing_model = model if model is not None else _default_model_or_none()
    if typing_model is not None and options:
        from llm.options import validate_options

        typed = validate_options(typing_model.Options, options).model_dump(mode="json")
        options = {key: typed[key] for key in options}
    logs = LogsDB(request.database)
    schema = resolve_schema_options(request.schema, request.schema_multi, logs)
    template = template_from_options(
        prompt=request.prompt,
        system=request.system,
        model=model_id,
        options=options,
        params=request.params,
        extract=request.extract,
        extract_last=request.extract_last,
        schema=schema,
        fragments=request.fragments,
        system_fragments=request.system_fragments,
        attachments=request.attachments,
        attachment_types=request.attachment_types,
        tools=request.tools,
        functions=request.functions,
        name=name,
    )
    saved = replace_template(name, template)
    if saved.backup is not None:
        click.echo(
            f"Template {name} replaced; the previous version is in {saved.backup}",
            err=True,
        )


def _default_model_or_none() -> Any | None:
    """The default model, or None when it is not installed."""
    from llm.errors import UnknownModelError

    from ..model_selection import get_model

    try:
        return get_model(None)
    except UnknownModelError:
        return None


def show_model_options(request: PromptRequest) -> None:
    """``--options``: describe the options of the model this prompt would use."""
    from ..model_selection import get_model, select_model
    from .models import describe_model, entry_for

    model = select_model(request.model_id, request.queries, async_=request.async_)
    model = model or get_model(None, async_=request.async_)
    entry = entry_for(model)
    click.echo(
        describe_model(
            model,
            entry=entry,
            aliases=list(entry.aliases) if entry is not None else [],
            show_options=True,
            show_all_descriptions=True,
        )
    )
