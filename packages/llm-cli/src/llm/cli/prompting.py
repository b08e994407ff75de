"""Building a prompt from command-line options, shared by ``llm prompt`` and ``llm chat``.

``PromptRequest`` holds the options as typed. ``prepare_session()`` resolves
them once: the template, the model (``-m``, ``-q``, the template's model, the
continued conversation's model, ``LLM_MODEL`` or the default), the
conversation, validated options (stored defaults < template < ``-o``),
attachments, fragments, schema, tools and the tool-call hooks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import click

from .inputs import (
    LogsDB,
    Stdin,
    claims_stdin,
    resolve_attachments,
    resolve_fragments,
)


@dataclass
class PromptRequest:
    """The prompt-related options of one command line, as typed."""

    prompt: str | None = None
    system: str | None = None
    model_id: str | None = None
    queries: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    attachment_types: tuple[tuple[str, str], ...] = ()
    options: tuple[tuple[str, str], ...] = ()
    template: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    fragments: tuple[str, ...] = ()
    system_fragments: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    tools_debug: bool = False
    tools_approve: bool = False
    chain_limit: int | None = 5
    schema: str | None = None
    schema_multi: str | None = None
    continue_: bool = False
    conversation_id: str | None = None
    key: str | None = None
    database: str | None = None
    async_: bool = False
    hide_reasoning: bool = False
    extract: bool = False
    extract_last: bool = False
    retries: int | None = None
    timeout: float | None = None
    fallbacks: tuple[str, ...] = ()


@dataclass
class Session:
    """Everything resolved from a PromptRequest that stays the same across turns."""

    model: Any
    conversation: Any
    logs: LogsDB
    template: Any = None
    params: dict[str, str] = field(default_factory=dict)
    system: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    attachments: list[Any] = field(default_factory=list)
    fragments: list[Any] = field(default_factory=list)
    system_fragments: list[Any] = field(default_factory=list)
    schema: dict[str, Any] | None = None
    tools: list[Any] = field(default_factory=list)
    key: str | None = None
    hide_reasoning: bool = False
    before_call: Any = None
    after_call: Any = None
    chain_limit: int | None = 5
    extract: bool = False
    extract_last: bool = False
    continued: bool = False
    retries: int | None = None
    timeout: float | None = None
    # None: the model's configured fallbacks (llm models fallbacks)
    fallbacks: list[str] | None = None

    @classmethod
    def for_request(
        cls,
        request: PromptRequest,
        model: Any,
        conversation: Any,
        logs: LogsDB,
        template: Any,
        **settings: Any,
    ) -> Session:
        """A Session with the request's parameters, system prompt, key, tool-chain
        limit, retries and timeout; ``settings`` sets other fields."""
        return cls(
            model=model,
            conversation=conversation,
            logs=logs,
            template=template,
            params=dict(request.params),
            system=request.system,
            key=request.key,
            hide_reasoning=request.hide_reasoning,
            chain_limit=request.chain_limit,
            retries=request.retries,
            timeout=request.timeout,
            **settings,
        )

    def evaluate(
        self, text: str | None, params: dict[str, Any] | None = None
    ) -> tuple[str | None, str | None]:
        """(prompt, system) for this input, applying the template if there is one.

        ``params`` add to (and override) the ``-p`` values: a batch row's fields.
        """
        if self.template is None:
            return text, self.system
        values = {**self.params, **params} if params else self.params
        prompt, template_system = self.template.prompt_with_input(text, values)
        return prompt, self.system if self.system is not None else template_system

    def prompt_kwargs(
        self, system: str | None, *, first_turn: bool = True, stream: bool = True
    ) -> dict[str, Any]:
        """Keyword arguments for ``conversation.chain()``.

        Attachments, fragments and the system prompt go with the first turn; the
        conversation history carries them after that.
        """
        kwargs: dict[str, Any] = {
            "options": dict(self.options),
            "tools": list(self.tools) or None,
            "schema": self.schema,
            "key": self.key,
            "hide_reasoning": self.hide_reasoning,
            "stream": stream,
            "before_call": self.before_call,
            "after_call": self.after_call,
            "chain_limit": self.chain_limit,
            "retries": self.retries,
            "timeout": self.timeout,
            "fallbacks": self.fallbacks,
        }
        if first_turn:
            kwargs.update(
                system=system,
                attachments=list(self.attachments),
                fragments=list(self.fragments),
                system_fragments=list(self.system_fragments),
            )
        elif system is not None:
            kwargs["system"] = system
        return kwargs


def load_template(spec: str | None) -> Any:
    """The template named by ``-t`` (via llm-templates), or None.

    A template from a URL or a plugin loader is used without its
    ``functions:`` code; a warning on stderr says so.
    """
    if not spec:
        return None
    try:
        from llm.templates import load_template as load
    except ImportError as ex:  # pragma: no cover - depends on installation
        raise click.ClickException(
            "Templates need the llm-templates package: pip install llm-templates"
        ) from ex
    template = load(spec)
    if template.functions_ignored:
        click.echo(
            f"Warning: the functions: of template {spec!r} were not loaded, because "
            "it came from a URL or a plugin loader (save a local copy to use them)",
            err=True,
        )
    return template


@contextlib.contextmanager
def from_template(spec: str, key: str) -> Iterator[None]:
    """Make errors raised while using a template's ``key:`` name the template.

    Without this, ``Error: temperature: ...`` leaves the user looking for a
    mistake on a command line that does not have one.
    """
    from llm.errors import PluginError, TemplateError

    from .errors import error_message

    try:
        yield
    except TemplateError:
        raise
    except (ValueError, KeyError, OSError, PluginError) as ex:
        raise TemplateError(f"Template {spec!r}, {key}: {error_message(ex)}") from ex


def resolve_options(
    model: Any, template: Any, typed: dict[str, Any], spec: str | None = None
) -> dict[str, Any]:
    """Stored defaults, then the template's options, then ``-o``; validated for ``model``.

    A bad value the template sets (and ``-o`` does not replace) is reported as
    the template's, named by ``spec``.
    """
    from llm.options import validate_options

    from .model_options import defaults_for

    merged = dict(defaults_for(model.model_id))
    options_class = getattr(model, "Options", None)
    if template is not None and template.options:
        merged.update(template.options)
        own = {k: v for k, v in template.options.items() if k not in typed}
        if options_class is not None and own:
            with from_template(spec or template.name or "", "options"):
                validate_options(options_class, own)
    merged.update(typed)
    if options_class is not None and merged:
        validate_options(options_class, merged)
    return merged


def template_function_tools(template: Any, spec: str) -> list[Any]:
    """Tools for the template's trusted ``functions:`` code; errors name the template."""
    from llm.errors import TemplateError

    from .tooling import functions_from_code

    code = template.function_code()
    if not code:
        return []
    try:
        return functions_from_code(code)
    except ValueError as ex:
        # functions_from_code() words its errors for --functions; say what broke here.
        cause = ex.__cause__
        if isinstance(cause, SyntaxError):
            problem = f"syntax error in the code: {cause}"
        elif cause is not None:
            problem = f"the code failed to run: {type(cause).__name__}: {cause}"
        else:
            problem = str(ex)
        raise TemplateError(f"Template {spec!r}, functions: {problem}") from ex


def tool_hooks(request: PromptRequest, approve_from_stdin: bool) -> tuple[Any, Any]:
    """(before_call, after_call) for ``--ta`` and ``--td``."""
    from .tooling import Approver, make_debug_after_call

    before = Approver(stdin_is_prompt_input=not approve_from_stdin)
    after = make_debug_after_call(show_call=not request.tools_approve)
    return (
        before if request.tools_approve else None,
        after if request.tools_debug else None,
    )


def _continue_conversation(request: PromptRequest, logs: LogsDB, model: Any) -> Any:
    if not (request.continue_ or request.conversation_id):
        return None
    from llm.logs import load_conversation

    conversation = load_conversation(
        logs.get(), request.conversation_id, async_=request.async_, model=model
    )
    if conversation is None and request.conversation_id:
        raise click.ClickException(
            f"No conversation found with id={request.conversation_id}"
        )
    return conversation


def _check_fallbacks(request: PromptRequest) -> list[str]:
    """The ``--fallback`` models, each checked to exist before anything runs."""
    from .model_selection import get_model

    for name in request.fallbacks:
        get_model(name, async_=request.async_)
    return list(request.fallbacks)


def prepare_session(
    request: PromptRequest,
    stdin: Stdin,
    logs: LogsDB | None = None,
    *,
    approve_from_stdin: bool = False,
) -> Session:
    """Resolve everything but the prompt text; raises llm errors for bad input."""
    from llm.errors import TemplateError

    logs = logs or LogsDB(request.database)
    stdin.claimed = stdin.claimed or claims_stdin(
        request.attachments,
        request.attachment_types,
        request.fragments,
        request.system_fragments,
    )
    spec = request.template or ""
    template = load_template(request.template)
    model, conversation, continued = _model_and_conversation(
        request, logs, template, spec
    )
    session = Session.for_request(
        request,
        model,
        conversation,
        logs,
        template,
        extract=request.extract,
        extract_last=request.extract_last,
        continued=continued,
        fallbacks=_check_fallbacks(request) if request.fallbacks else None,
    )
    session.options = resolve_options(model, template, dict(request.options), spec)
    if template is None and request.params:
        raise TemplateError("-p/--param needs a template (-t) or --save")
    _add_inputs(session, request, stdin, spec)
    session.schema = _schema(request, template, logs)
    session.tools = _session_tools(session, request, spec)
    session.before_call, session.after_call = tool_hooks(request, approve_from_stdin)
    return session


def _model_and_conversation(
    request: PromptRequest, logs: LogsDB, template: Any, spec: str
) -> tuple[Any, Any, bool]:
    """(model, conversation, continued): ``-m``/``-q``, the template's model, the
    continued conversation's model, ``LLM_MODEL`` or the default."""
    from .model_selection import get_model, select_model

    model = select_model(request.model_id, request.queries, async_=request.async_)
    if model is None and template is not None and template.model:
        with from_template(spec, "model"):
            model = get_model(template.model, async_=request.async_)
    conversation = _continue_conversation(request, logs, model)
    if conversation is not None:
        return conversation.model, conversation, True
    if model is None:
        model = get_model(None, async_=request.async_)
    return model, model.conversation(), False


def _add_inputs(
    session: Session, request: PromptRequest, stdin: Stdin, spec: str
) -> None:
    """Attachments and fragments: the template's first, then the command line's.

    Attachments that fragments turned out to be (images from a fragment
    loader) come last.
    """
    template, logs = session.template, session.logs
    fragment_attachments: list[Any] = []
    if template is not None:
        session.attachments.extend(template.attachment_objects())
        session.extract = session.extract or bool(template.extract)
        session.extract_last = session.extract_last or bool(template.extract_last)
        with from_template(spec, "fragments"):
            session.fragments, extra = resolve_fragments(
                template.fragments or [], stdin, logs
            )
            fragment_attachments.extend(extra)
        with from_template(spec, "system_fragments"):
            session.system_fragments, extra = resolve_fragments(
                template.system_fragments or [], stdin, logs
            )
            fragment_attachments.extend(extra)
    session.attachments.extend(
        resolve_attachments(request.attachments, request.attachment_types, stdin)
    )
    fragments, extra = resolve_fragments(request.fragments, stdin, logs)
    session.fragments.extend(fragments)
    fragment_attachments.extend(extra)
    system_fragments, extra = resolve_fragments(request.system_fragments, stdin, logs)
    session.system_fragments.extend(system_fragments)
    session.attachments.extend(fragment_attachments + extra)


def _session_tools(session: Session, request: PromptRequest, spec: str) -> list[Any]:
    """The template's tools and functions with ``-T`` and ``--functions``; for a
    continued conversation given none, the tools it was using."""
    from .tooling import resolve_tools, tools_from_logs

    template, model = session.template, session.model
    template_tools: list[Any] = []
    template_functions: list[Any] = []
    if template is not None:
        with from_template(spec, "tools"):
            template_tools = resolve_tools(template.tools or [], [], model)
        template_functions = template_function_tools(template, spec)
    tools = (
        template_tools
        + resolve_tools(request.tools, [], model)
        + template_functions
        + resolve_tools([], list(request.functions), model)
    )
    if not tools and session.continued:
        tools = tools_from_logs(
            session.logs.get(), session.conversation.id, model=model
        )
    return tools


def session_for_model(
    model: Any,
    request: PromptRequest,
    stdin: Stdin,
    *,
    template: Any = None,
    tool_classes: Mapping[str, type] | None = None,
    approve_from_stdin: bool = False,
) -> Session:
    """A Session that runs ``request`` on ``model``, a model the calling command made itself.

    For commands such as ``llm openai endpoint``, whose model is not in the
    registry: no conversation is continued, no stored option defaults apply and
    nothing is logged unless the command asks. ``template`` is the loaded ``-t``
    template (``load_template``); ``-T`` specs naming one of ``tool_classes``
    configure that class. Fragments (``-f``) are not read.
    """
    from llm.options import validate_options

    from .tooling import resolve_tools_and_classes

    stdin.claimed = stdin.claimed or claims_stdin(
        request.attachments, request.attachment_types
    )
    logs = LogsDB(request.database)
    session = Session.for_request(request, model, model.conversation(), logs, template)
    options = dict(template.options or {}) if template is not None else {}
    options.update(dict(request.options))
    if options:
        validate_options(model.Options, options)
    session.options = options
    tool_specs = list(request.tools)
    function_code = list(request.functions)
    if template is not None:
        tool_specs = list(template.tools or []) + tool_specs
        code = template.function_code()
        if code:
            function_code.insert(0, code)
        session.attachments.extend(template.attachment_objects())
    session.attachments.extend(
        resolve_attachments(request.attachments, request.attachment_types, stdin)
    )
    session.schema = _schema(request, template, logs)
    session.tools = resolve_tools_and_classes(
        tool_specs, function_code, tool_classes or {}
    )
    session.before_call, session.after_call = tool_hooks(request, approve_from_stdin)
    return session


def _schema(
    request: PromptRequest, template: Any, logs: LogsDB
) -> dict[str, Any] | None:
    """``--schema``, else ``--schema-multi``, else the template's schema."""
    from .schema_input import resolve_schema_options

    schema = resolve_schema_options(request.schema, request.schema_multi, logs)
    if schema is None and template is not None and template.schema_object:
        schema = template.schema_object
    return schema


def check_has_input(session: Session, prompt: str | None, system: str | None) -> None:
    """Refuse to call a model with nothing at all to send.

    A schema is enough on its own: ``llm --schema 'name, age int'`` asks the
    model to invent something that fits it.
    """
    if prompt or system or session.attachments or session.fragments:
        return
    if session.system_fragments or session.continued or session.schema:
        return
    raise click.ClickException(
        "No prompt given: pass one as an argument or on standard input"
    )
