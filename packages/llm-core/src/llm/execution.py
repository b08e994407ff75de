"""How a Response calls a plugin's ``execute()``: signatures, keys and event normalisation.

Plugins in the wild implement several shapes of ``execute`` (with or without
``conversation``, with or without ``key=``, returning a list, a generator, a
coroutine or an async generator); this module is the one place that copes.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from .parts import StreamEvent


@cache
def _execute_signature(cls: Any) -> tuple[bool, bool]:
    """(accepts_conversation, accepts_key) for ``cls.execute``."""
    try:
        parameters = inspect.signature(cls.execute).parameters
    except (TypeError, ValueError):
        return True, False
    params = list(parameters.values())[1:]  # drop self
    var_positional = any(p.kind == p.VAR_POSITIONAL for p in params)
    var_keyword = any(p.kind == p.VAR_KEYWORD for p in params)
    positional = [
        p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    accepts_conversation = (
        var_positional or len(positional) >= 4 or "conversation" in parameters
    )
    accepts_key = var_keyword or "key" in parameters
    return accepts_conversation, accepts_key


def execute_arguments(response: Any) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments for ``response.model.execute``; resolves the key."""
    model = response.model
    accepts_conversation, accepts_key = _execute_signature(type(model))  # type: ignore[arg-type]
    args: list[Any] = [response.prompt, response.stream, response]
    kwargs: dict[str, Any] = {}
    if accepts_conversation:
        args.append(response.conversation)
    if getattr(model, "needs_key", None):
        if accepts_key:
            kwargs["key"] = model.get_key(response._key)
        elif response._key:
            model.key = response._key
    elif accepts_key and response._key:
        kwargs["key"] = response._key
    return args, kwargs


def to_event(item: Any) -> StreamEvent | None:
    """Normalise one yielded item: strings become text events; empty strings are dropped."""
    if isinstance(item, StreamEvent):
        return item
    if item is None:
        return None
    if not isinstance(item, str):
        item = str(item)
    if not item:
        return None
    return StreamEvent(type="text", chunk=item)
