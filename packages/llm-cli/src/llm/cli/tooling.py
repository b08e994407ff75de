"""Tools on the command line: ``-T`` names and Toolbox specs, ``--functions`` code,
and the ``--td`` (debug) and ``--ta`` (approve) tool-call hooks."""

from __future__ import annotations

import inspect
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from llm.toolspec import parse_tool_spec

FUNCTIONS_MODULE = "llm_functions"


def read_functions_source(value: str) -> str:
    """The code given to ``--functions``: the text itself or the .py file it names."""
    if "\n" not in value and len(value) < 4096:
        try:
            path = Path(value).expanduser()
            if path.suffix == ".py" or path.is_file():
                if path.is_file():
                    return path.read_text(encoding="utf-8")
                raise ValueError(f"--functions file {value} does not exist")
        except OSError:
            pass
    return value


def functions_from_code(code: str) -> list[Any]:
    """Tools for every public function the code defines (imported names are skipped)."""
    import llm

    namespace: dict[str, Any] = {"__name__": FUNCTIONS_MODULE}
    try:
        exec(compile(code, "<functions>", "exec"), namespace)
    except SyntaxError as ex:
        raise ValueError(f"Syntax error in --functions code: {ex}") from ex
    except Exception as ex:
        raise ValueError(f"--functions code failed to run: {ex}") from ex
    tools = []
    for name, value in namespace.items():
        if name.startswith("_") or not inspect.isfunction(value):
            continue
        if value.__module__ != FUNCTIONS_MODULE:
            continue
        tools.append(llm.Tool.function(value, name=name))
    return tools


def resolve_tools(
    specs: list[str] | tuple[str, ...], functions: list[str], model: Any = None
) -> list[Any]:
    """Tools for ``-T`` specs plus ``--functions``.

    A spec names a registered tool, a configured toolbox (``Files("/tmp")``) or,
    when ``model`` is given, one of the server-side tool classes that model
    supports (``WebSearch``, ``ServerSideTool({"type": "browser_search"})``).
    """
    import llm

    tools: list[Any] = []
    if specs:
        registry: dict[str, Any] = {}
        if model is not None:
            for cls in model.supported_server_side_tools:
                registry[cls.__name__] = cls
        registry.update(llm.get_tools())
        missing = []
        for spec in specs:
            name, args, kwargs = parse_tool_spec(spec)
            found = registry.get(name)
            if found is None:
                missing.append(spec)
                continue
            if found is llm.ServerSideTool and kwargs and not args:
                tools.append(found(kwargs))  # a raw provider spec: the dict itself
            elif isinstance(found, type) and issubclass(
                found, (llm.Toolbox, llm.ServerSideTool)
            ):
                try:
                    tools.append(found(*args, **kwargs))
                except TypeError as ex:
                    raise ValueError(f"Could not configure {spec}: {ex}") from ex
            elif args or kwargs:
                raise ValueError(
                    f"Tool {name} is a function and takes no configuration"
                )
            else:
                tools.append(found)
        if missing:
            available = ", ".join(sorted(registry)) or "none"
            raise KeyError(
                f"Unknown tool: {', '.join(missing)} (available tools: {available})"
            )
    for code in functions:
        tools.extend(functions_from_code(read_functions_source(code)))
    return tools


def resolve_tools_and_classes(
    specs: list[str] | tuple[str, ...],
    functions: list[str],
    classes: Mapping[str, type],
) -> list[Any]:
    """``resolve_tools``, except that ``-T`` specs naming one of ``classes`` configure it.

    For commands that accept tool classes no model of the registry offers (the
    server-side tools of ``llm openai endpoint``): ``WebSearch(...)`` becomes
    ``classes["WebSearch"](...)``. Those come after the other tools.
    """
    configured: list[Any] = []
    others: list[str] = []
    for spec in specs:
        name, args, kwargs = parse_tool_spec(spec)
        if name in classes:
            try:
                configured.append(classes[name](*args, **kwargs))
            except TypeError as ex:
                raise ValueError(f"Could not configure {spec}: {ex}") from ex
        else:
            others.append(spec)
    return resolve_tools(others, functions) + configured


def tools_from_logs(db: Any, conversation_id: str, model: Any = None) -> list[Any]:
    """Set up again the tools of a logged conversation's latest prompt that had any.

    Function tools are found by name among the registered tools; toolboxes
    are re-created with the constructor arguments that were logged, and
    server-side tools from ``model``'s supported classes (the model that
    logged them when ``model`` is None), in the order they were given. Tools
    that are no longer installed, and ``--functions`` code (which is not
    logged), are left out with a warning.
    """
    import llm
    from llm.logs.prompt_tools import ConfiguredTool, latest_tools

    logged = latest_tools(db, conversation_id)
    if logged is None:
        return []
    registry = llm.get_tools()
    toolbox_classes = {
        name: value
        for name, value in registry.items()
        if isinstance(value, type) and issubclass(value, llm.Toolbox)
    }
    toolboxes = list(logged.toolboxes)
    if not toolboxes:
        # Logged before toolboxes were recorded: infer them from their tool names.
        for name in logged.functions:
            owner = next((t for t in toolbox_classes if name.startswith(t + "_")), None)
            if owner is not None and all(t.name != owner for t in toolboxes):
                arguments = logged.toolbox_arguments.get(owner)
                toolboxes.append(ConfiguredTool(owner, arguments))
    missing: list[str] = []
    placed: list[tuple[int | None, Any]] = []
    for entry in toolboxes:
        toolbox = toolbox_classes.get(entry.name)
        if toolbox is None:
            missing.append(entry.name)
            continue
        placed.append((entry.position, _recreate(toolbox, entry)))
    if logged.server_tools:
        classes = _server_tool_classes(model or logged.model)
        for entry in logged.server_tools:
            if entry.name in classes:
                placed.append((entry.position, _recreate(classes[entry.name], entry)))
            else:
                missing.append(entry.name)
    prefixes = tuple(entry.name + "_" for entry in toolboxes)
    functions = []
    for name in logged.functions:
        if name.startswith(prefixes):
            continue
        found = registry.get(name)
        if isinstance(found, llm.Tool):
            functions.append(found)
        else:
            missing.append(name)
    if missing:
        click.echo(
            "Warning: tools from the earlier prompt are not available: "
            + ", ".join(missing),
            err=True,
        )
    return _in_given_order(placed, functions)


def _recreate(cls: type, entry: Any) -> Any:
    """``cls`` made with logged constructor arguments; None (with a warning) if it fails."""
    arguments = entry.arguments
    try:
        if isinstance(arguments, dict):
            return cls(**arguments)
        if arguments is not None:
            return cls(arguments)
        return cls()
    except Exception as ex:
        click.echo(f"Warning: could not re-create {entry.name}: {ex}", err=True)
        return None


def _server_tool_classes(model: Any) -> dict[str, type]:
    """The server-side tool classes ``model`` (an object or a model ID) supports, by name."""
    import llm

    if isinstance(model, str):
        try:
            model = llm.get_model(model)
        except llm.UnknownModelError:
            return {}
    supported = getattr(model, "supported_server_side_tools", None) or ()
    return {cls.__name__: cls for cls in supported}


def _in_given_order(
    placed: list[tuple[int | None, Any]], functions: list[Any]
) -> list[Any]:
    """Toolboxes and server tools at their logged positions, function tools in the gaps."""
    slots: dict[int, Any] = {}
    unplaced = []
    for position, tool in placed:
        if tool is None:
            continue
        if position is None or position in slots:
            unplaced.append(tool)
        else:
            slots[position] = tool
    free = 0
    for tool in functions:
        while free in slots:
            free += 1
        slots[free] = tool
    return [slots[key] for key in sorted(slots)] + unplaced


def describe_call(tool_call: Any) -> str:
    return f"Tool call: {tool_call.name}({tool_call.arguments})"


def make_debug_after_call(show_call: bool = True) -> Any:
    """The ``--td`` hook: show each call (unless ``--ta`` already did) and its output."""

    def after_call(tool: Any, tool_call: Any, result: Any) -> None:
        if show_call:
            click.echo(
                click.style(describe_call(tool_call), fg="yellow", bold=True), err=True
            )
        _show_result(result)

    return after_call


def _show_result(result: Any) -> None:
    output = result.output if result.output is not None else ""
    click.echo(click.style(textwrap.indent(str(output), "  "), fg="green"), err=True)
    if result.attachments:
        for attachment in result.attachments:
            click.echo(f"  Attachment: {attachment.describe()}", err=True)


class Approver:
    """``--ta``: ask before each tool call; a "no" cancels just that call.

    The answer is read from the terminal when there is one (even if stdin is
    piped in), otherwise from the next line of standard input.
    """

    def __init__(self, stdin_is_prompt_input: bool = True) -> None:
        self.stdin_is_prompt_input = stdin_is_prompt_input

    def ask(self, question: str) -> bool:
        if sys.stdin.isatty():
            return click.confirm(question, default=False, err=True)
        if self.stdin_is_prompt_input:
            try:
                # Separate handles: a terminal is not seekable, so "r+" fails.
                with (
                    open("/dev/tty", "w", encoding="utf-8") as out,
                    open("/dev/tty", encoding="utf-8") as answer,
                ):
                    out.write(f"{question} [y/N]: ")
                    out.flush()
                    return _is_yes(answer.readline())
            except OSError:
                pass
        click.echo(f"{question} [y/N]: ", nl=False, err=True)
        line = sys.stdin.readline()
        if not line.endswith("\n"):
            click.echo("", err=True)
        return _is_yes(line)

    def __call__(self, tool: Any, tool_call: Any) -> None:
        from llm import CancelToolCall

        click.echo(
            click.style(describe_call(tool_call), fg="yellow", bold=True), err=True
        )
        if not self.ask("Approve tool call?"):
            raise CancelToolCall("The user declined this tool call")


def _is_yes(answer: str) -> bool:
    return answer.strip().lower() in ("y", "yes")
