"""``llm tools``: list the tools plugins provide, toolboxes and server-side tools."""

from __future__ import annotations

import inspect
import json
import textwrap
from typing import Any

import click

from ..errors import handle_errors
from ..groups import DefaultGroup


@click.group(cls=DefaultGroup, default="list")
def tools() -> None:
    """Manage tools that can be made available to LLMs"""


def _plugin_of(obj: Any) -> str | None:
    from llm.plugins import pm

    module = getattr(obj, "__module__", None)
    for plugin in pm.get_plugins():
        if getattr(plugin, "__name__", None) == module:
            return pm.get_name(plugin)
    return None


def _signature(function: Any, drop_first: bool = False) -> str:
    try:
        signature = inspect.signature(function, eval_str=True)
    except (NameError, SyntaxError):  # annotations that cannot be evaluated
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return "(...)"
    if drop_first:
        parameters = list(signature.parameters.values())[1:]
        signature = signature.replace(parameters=parameters)
    if inspect.isclass(function):
        # A constructor's ``-> None`` says nothing about what calling the class gives.
        signature = signature.replace(return_annotation=inspect.Signature.empty)
    return str(signature)


def _tool_record(tool: Any) -> dict[str, Any]:
    return {
        "name": tool.name,
        "description": tool.description,
        "arguments": tool.input_schema,
        "plugin": tool.plugin,
    }


def _class_tools(toolbox: type) -> list[tuple[str, str, str | None]]:
    """(name, signature, description) of a toolbox class's methods."""
    rows = []
    prefix = toolbox.toolbox_name()  # type: ignore[attr-defined]
    for method_name in toolbox.method_names():  # type: ignore[attr-defined]
        method = getattr(toolbox, method_name)
        rows.append(
            (
                f"{prefix}_{method_name}",
                _signature(method, drop_first=True),
                inspect.getdoc(method),
            )
        )
    return rows


def _instance_tools(instance: Any) -> list[Any]:
    instance.ensure_prepared()
    return list(instance.tools())


def _indent(text: str | None, prefix: str) -> str:
    return textwrap.indent((text or "").strip(), prefix)


def _describe_function_tool(tool: Any) -> str:
    signature = _signature(tool.implementation) if tool.implementation else "()"
    plugin = f" (plugin: {tool.plugin})" if tool.plugin else ""
    text = f"{tool.name}{signature}{plugin}\n"
    if tool.description:
        text += "\n" + _indent(tool.description, "  ") + "\n"
    return text


def _describe_toolbox(name: str, toolbox: type) -> str:
    plugin = _plugin_of(toolbox)
    suffix = f" (plugin: {plugin})" if plugin else ""
    if toolbox.is_dynamic():  # type: ignore[attr-defined]
        text = f"{name}{_signature(toolbox)}{suffix}\n"
        doc = inspect.getdoc(toolbox)
        if doc:
            text += "\n" + _indent(doc, "  ") + "\n"
        return text
    lines = [f"{name}{suffix}:\n"]
    for tool_name, signature, doc in _class_tools(toolbox):
        lines.append(f"  {tool_name}{signature}\n")
        if doc:
            lines.append(_indent(doc, "    ") + "\n")
    return "\n".join(lines)


def _describe_instance(spec: str, instance: Any) -> str:
    lines = [f"{spec}:\n"]
    for tool in _instance_tools(instance):
        signature = _signature(tool.implementation) if tool.implementation else "()"
        lines.append(f"  {tool.name}{signature}\n")
        if tool.description:
            lines.append(_indent(tool.description, "    ") + "\n")
    return "\n".join(lines)


def _server_side(model_id: str) -> list[type]:
    import llm

    return list(llm.get_model(model_id).supported_server_side_tools)


def _describe_server_side(tool_class: type) -> str:
    text = f"{tool_class.__name__}{_signature(tool_class)}\n"
    doc = inspect.getdoc(tool_class)
    if doc:
        text += "\n" + _indent(doc, "  ") + "\n"
    return text


@tools.command(name="list")
@click.argument("tool_defs", nargs=-1)
@click.option("json_", "--json", is_flag=True, help="Output JSON")
@click.option(
    "model_id", "-m", "--model", help="Also list this model's server-side tools"
)
@click.option(
    "functions",
    "--functions",
    multiple=True,
    help="Python code, or a .py file, whose functions become tools",
)
def list_(
    tool_defs: tuple[str, ...],
    json_: bool,
    model_id: str | None,
    functions: tuple[str, ...],
) -> None:
    """List available tools, or the tools of configured toolboxes

    Pass toolbox specifications such as 'Datasette("https://datasette.io/content")'
    (from the llm-tools-datasette plugin) to list the tools a configured instance
    provides.
    """
    import llm

    from ..tooling import functions_from_code, read_functions_source, resolve_tools

    with handle_errors():
        registry = llm.get_tools()
        function_tools = [t for t in registry.values() if isinstance(t, llm.Tool)]
        for code in functions:
            function_tools.extend(functions_from_code(read_functions_source(code)))
        toolboxes = {
            name: value
            for name, value in registry.items()
            if isinstance(value, type) and issubclass(value, llm.Toolbox)
        }
        instances = [
            (spec, tool) for spec in tool_defs for tool in resolve_tools([spec], [])
        ]
        server_side = _server_side(model_id) if model_id else []
        if json_:
            data: dict[str, Any] = {
                "tools": [_tool_record(t) for t in sorted(function_tools, key=_name)],
                "toolboxes": [
                    {
                        "name": name,
                        "plugin": _plugin_of(toolbox),
                        "dynamic": toolbox.is_dynamic(),
                        "tools": [
                            {"name": n, "signature": s, "description": d}
                            for n, s, d in _class_tools(toolbox)
                        ]
                        if not toolbox.is_dynamic()
                        else [],
                    }
                    for name, toolbox in sorted(toolboxes.items())
                ],
            }
            if instances:
                data["instances"] = [
                    {
                        "spec": spec,
                        "tools": [_tool_record(t) for t in _instance_tools(item)]
                        if isinstance(item, llm.Toolbox)
                        else [_tool_record(item)],
                    }
                    for spec, item in instances
                ]
            if model_id:
                data["server_side_tools"] = [
                    {
                        "name": cls.__name__,
                        "signature": _signature(cls),
                        "description": inspect.getdoc(cls),
                        "server_side": True,
                    }
                    for cls in server_side
                ]
            click.echo(json.dumps(data, indent=2))
            return
        blocks: list[str] = []
        if instances:
            for spec, item in instances:
                if isinstance(item, llm.Toolbox):
                    blocks.append(_describe_instance(spec, item))
                else:
                    blocks.append(_describe_function_tool(item))
        else:
            blocks.extend(
                _describe_function_tool(t) for t in sorted(function_tools, key=_name)
            )
            blocks.extend(
                _describe_toolbox(name, toolbox)
                for name, toolbox in sorted(toolboxes.items())
            )
        if server_side:
            model_id = llm.get_model(model_id).model_id
            blocks.append(
                f"Server-side tools for {model_id} (executed by the provider):\n\n"
                + "\n".join(_describe_server_side(cls) for cls in server_side)
            )
    if not blocks:
        click.echo("No tools available", err=True)
        return
    # Every block ends with a blank line, the last one too, as in the original.
    click.echo("\n".join(blocks))


def _name(tool: Any) -> str:
    return tool.name
