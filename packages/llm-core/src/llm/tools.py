"""Tools: functions and Toolbox classes a model can ask to run, and their calls and results."""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .attachments import Attachment

RESERVED_PARAMETER = "llm_tool_call"


@dataclass
class ToolCall:
    """A model's request to run the tool ``name`` with ``arguments``."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    tool_call_id: str | None = None


@dataclass
class ToolResult:
    """What running a ToolCall produced (``exception`` set when it failed)."""

    name: str
    output: str
    tool_call_id: str | None = None
    instance: Toolbox | None = None
    exception: BaseException | None = None
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def exception_text(self) -> str | None:
        """The failure as it is logged: ``"ValueError: kaboom"`` (None if the tool worked)."""
        if self.exception is None:
            return None
        return f"{type(self.exception).__name__}: {self.exception}"


@dataclass
class ToolOutput:
    """Return this from a tool to hand attachments back to the model along with text."""

    output: Any = None
    attachments: list[Attachment] = field(default_factory=list)


def _strip_titles(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip_titles(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


def input_schema_for(function: Callable[..., Any]) -> dict[str, Any]:
    """A JSON schema for a function's parameters (``self`` and ``llm_tool_call`` excluded)."""
    from pydantic import create_model

    signature = inspect.signature(function)
    try:
        import typing

        hints = typing.get_type_hints(function)
    except Exception:
        hints = {}
    fields: dict[str, Any] = {}
    for name, param in signature.parameters.items():
        if name in ("self", RESERVED_PARAMETER):
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = str
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[name] = (annotation, default)
    model = create_model(f"{getattr(function, '__name__', 'tool')}_args", **fields)  # type: ignore[call-overload]
    schema = _strip_titles(model.model_json_schema())
    schema.setdefault("properties", {})
    schema["type"] = "object"
    return schema


@dataclass
class Tool:
    """A named, described function with a JSON schema for its input."""

    name: str
    description: str | None = None
    input_schema: dict[str, Any] = field(default_factory=dict)
    implementation: Callable[..., Any] | None = None
    plugin: str | None = None
    toolbox: Toolbox | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.input_schema:
            self.input_schema = {"type": "object", "properties": {}}

    @classmethod
    def function(
        cls,
        function: Callable[..., Any],
        name: str | None = None,
        description: str | None = None,
    ) -> Tool:
        """Build a Tool from a function: its name, docstring and signature."""
        if getattr(function, "__name__", None) == "<lambda>" and not name:
            raise ValueError(
                "Cannot create a Tool from a lambda function without a name"
            )
        doc = description if description is not None else inspect.getdoc(function)
        return cls(
            name=name or function.__name__,
            description=doc or None,
            input_schema=input_schema_for(function),
            implementation=function,
        )

    def hash(self) -> str:
        """Stable hash of name, description, schema and plugin, used to store it once."""
        payload = json.dumps(
            {
                "name": self.name,
                "description": self.description,
                "input_schema": self.input_schema,
                "plugin": self.plugin,
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @property
    def is_async(self) -> bool:
        """True when the implementation is a coroutine function."""
        return bool(self.implementation) and inspect.iscoroutinefunction(
            self.implementation
        )


def _accepts_tool_call(function: Callable[..., Any]) -> bool:
    try:
        return RESERVED_PARAMETER in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def call_arguments(tool: Tool, tool_call: ToolCall) -> dict[str, Any]:
    """Keyword arguments for a tool's implementation, injecting ``llm_tool_call``."""
    arguments = dict(tool_call.arguments or {})
    arguments.pop(RESERVED_PARAMETER, None)
    if tool.implementation is not None and _accepts_tool_call(tool.implementation):
        arguments[RESERVED_PARAMETER] = tool_call
    return arguments


_TOOLBOX_RESERVED = {
    "tools",
    "add_tool",
    "prepare",
    "prepare_async",
    "name",
    "introspect",
}


def _capture_init_arguments(cls: type) -> None:
    """Wrap ``cls.__init__`` so each instance keeps its arguments in ``_config``.

    The outermost constructor call wins, so a subclass calling
    ``super().__init__()`` does not overwrite what the caller passed.
    """
    original_init = cls.__dict__.get("__init__")
    if original_init is None:
        return

    def __init__(self: Any, *args: Any, **kw: Any) -> None:
        if not hasattr(self, "_config"):
            try:
                bound = inspect.signature(original_init).bind(self, *args, **kw)
                bound.apply_defaults()
                config = dict(bound.arguments)
                config.pop("self", None)
            except TypeError:
                config = {"args": list(args), **kw}
            self._config = config
        original_init(self, *args, **kw)

    __init__.__wrapped__ = original_init  # type: ignore[attr-defined]
    __init__.__doc__ = original_init.__doc__
    cls.__init__ = __init__  # type: ignore[misc]


class Toolbox:
    """A class whose public methods become tools named ``ClassName_method``.

    Constructor arguments are captured in ``_config`` so logs can record which
    configured instance served a call.
    """

    name: str | None = None
    instance_id: int | None = None
    _config: dict[str, Any]
    _extra_tools: list[Tool]
    _prepared: bool = False
    _async_prepared: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _capture_init_arguments(cls)

    @classmethod
    def toolbox_name(cls) -> str:
        """The prefix for this toolbox's tool names."""
        return cls.name or cls.__name__

    @classmethod
    def method_names(cls) -> list[str]:
        """Public methods that become tools."""
        names = []
        for attr in dir(cls):
            if (
                attr.startswith("_")
                or attr in _TOOLBOX_RESERVED
                or attr in Toolbox.__dict__
            ):
                continue
            if callable(getattr(cls, attr, None)) and not isinstance(
                inspect.getattr_static(cls, attr), (classmethod, staticmethod)
            ):
                names.append(attr)
        return names

    @classmethod
    def is_dynamic(cls) -> bool:
        """True when the tool list depends on configuration (tools/prepare overridden)."""
        return any(
            getattr(cls, name) is not getattr(Toolbox, name)
            for name in ("tools", "prepare", "prepare_async")
        )

    def add_tool(
        self, tool_or_function: Tool | Callable[..., Any], pass_self: bool = False
    ) -> None:
        """Add a tool to this instance after construction (dynamic toolboxes)."""
        if not hasattr(self, "_extra_tools"):
            self._extra_tools = []
        if isinstance(tool_or_function, Tool):
            tool = tool_or_function
        else:
            function = tool_or_function
            if pass_self:
                import functools

                bound = functools.partial(function, self)
                functools.update_wrapper(bound, function)
                tool = Tool(
                    name=function.__name__,
                    description=inspect.getdoc(function) or None,
                    input_schema=input_schema_for(function),
                    implementation=bound,
                )
            else:
                tool = Tool.function(function)
        self._extra_tools.append(tool)

    def prepare(self) -> None:
        """Override to discover tools (with add_tool) before first use."""

    async def prepare_async(self) -> None:
        """Async counterpart of prepare(), used by async models."""

    def tools(self) -> list[Tool]:
        """This instance's tools: each public method plus any added ones."""
        prefix = self.toolbox_name()
        tools = []
        for method_name in self.method_names():
            method = getattr(self, method_name)
            tool = Tool.function(method, name=f"{prefix}_{method_name}")
            tool.toolbox = self
            tools.append(tool)
        for extra in getattr(self, "_extra_tools", []):
            if extra.toolbox is None:
                extra.toolbox = self
            if not extra.name.startswith(prefix + "_"):
                extra = Tool(
                    name=f"{prefix}_{extra.name}",
                    description=extra.description,
                    input_schema=extra.input_schema,
                    implementation=extra.implementation,
                    plugin=extra.plugin,
                    toolbox=self,
                )
            tools.append(extra)
        return tools

    def ensure_prepared(self) -> bool:
        """Run prepare() once (sync contexts); True if it ran just now."""
        if self._prepared:
            return False
        self._prepared = True
        self.prepare()
        return True

    async def ensure_prepared_async(self) -> bool:
        """Run prepare_async() once (async contexts); True if it ran just now.

        Falls back to prepare() when prepare_async() is not overridden.
        """
        if type(self).prepare_async is Toolbox.prepare_async:
            return self.ensure_prepared()
        if self._async_prepared:
            return False
        self._async_prepared = True
        self._prepared = True  # prepare_async stands in for prepare here
        await self.prepare_async()
        return True

    def config(self) -> dict[str, Any]:
        """The constructor arguments this instance was configured with."""
        return dict(getattr(self, "_config", {}))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{self.toolbox_name()}({args})"


class ServerSideTool:
    """A tool executed by the model provider (web search, code interpreter...).

    Direct instances carry a raw provider specification; subclasses build one.
    """

    name: str = "server_side_tool"
    _config: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _capture_init_arguments(cls)

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        if not hasattr(self, "_config"):
            self._config = {"spec": spec} if spec else {}
        self.spec = spec or {}
        if spec and isinstance(spec.get("type"), str):
            self.name = spec["type"]

    def config(self) -> dict[str, Any]:
        """The constructor arguments this tool was made with: ``type(tool)(**config)``
        makes the same tool again (logs record them so ``-c`` can)."""
        return dict(getattr(self, "_config", {}))

    def tool_spec(self, model: Any) -> dict[str, Any]:
        """The provider-specific tool definition to put in the request."""
        return dict(self.spec)

    def prepare_request(self, model: Any, kwargs: dict[str, Any]) -> None:
        """Add any other request fields this tool needs (merge, don't replace)."""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.spec!r})"
            if self.spec
            else f"{type(self).__name__}()"
        )


def check_tool_items(items: list[Any] | None) -> None:
    """Raise TypeError for anything in ``tools=`` that cannot be a tool.

    Toolboxes are not expanded (nor prepared) here, so this is safe to call
    when a prompt is made, long before it runs.
    """
    for item in items or []:
        if isinstance(item, (Tool, ServerSideTool, Toolbox)):
            continue
        if isinstance(item, type) and issubclass(item, Toolbox):
            raise TypeError(
                f"Pass an instance of the {item.__name__} toolbox, not the class itself"
            )
        if not callable(item):
            raise TypeError(f"Cannot use {item!r} as a tool")


def expand_tools(items: list[Any] | None) -> list[Tool | ServerSideTool]:
    """Normalise ``tools=``: functions become Tools, Toolbox instances expand to theirs.

    Toolboxes are not prepared here: that waits until one of their tools is
    about to run (``llm.tool_execution.ToolLookup``). A dynamic toolbox that
    cannot list its tools before ``prepare()`` offers none until then.
    """
    check_tool_items(items)
    tools: list[Tool | ServerSideTool] = []
    for item in items or []:
        if isinstance(item, (Tool, ServerSideTool)):
            tools.append(item)
        elif isinstance(item, Toolbox):
            tools.extend(_toolbox_tools(item))
        else:
            tools.append(Tool.function(item))
    return tools


def _toolbox_tools(toolbox: Toolbox) -> list[Tool]:
    if toolbox._prepared or not toolbox.is_dynamic():
        return toolbox.tools()
    try:
        return toolbox.tools()
    except Exception:  # its tool list needs prepare() first
        return []


def output_to_string(value: Any) -> tuple[str, list[Attachment]]:
    """Convert whatever a tool returned into (text, attachments)."""
    attachments: list[Attachment] = []
    if isinstance(value, ToolOutput):
        attachments = list(value.attachments or [])
        value = value.output
    if value is None and attachments:
        return "", attachments
    if isinstance(value, str):
        return value, attachments
    try:
        return json.dumps(value, default=repr), attachments
    except (TypeError, ValueError):
        return str(value), attachments
