"""Whether to show responses as rendered Markdown, and printing it with rich.

Rendering is on when stdout is a terminal. ``--render/--no-render`` win over
``LLM_RENDER=0|1``, which wins over the setting saved by ``llm render on|off``.
Output to a pipe or a file is never touched unless rendering is asked for.
rich is imported only when something is actually rendered.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

RENDER_ENV_VAR = "LLM_RENDER"
RENDER_SETTING_FILE = "render.txt"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def render_setting_path() -> Path:
    from llm.paths import user_dir

    return user_dir() / RENDER_SETTING_FILE


def render_setting() -> bool | None:
    """The saved choice: True (always), False (never) or None (when on a terminal)."""
    try:
        value = render_setting_path().read_text(encoding="utf-8").strip().lower()
    except OSError:
        return None
    return _parse(value)


def set_render_setting(value: bool | None) -> None:
    """Save ``llm render on`` (True), ``off`` (False) or ``auto`` (None)."""
    path = render_setting_path()
    if value is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text("on\n" if value else "off\n", encoding="utf-8")


def _parse(value: str) -> bool | None:
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def env_setting() -> bool | None:
    """``LLM_RENDER`` as True/False, None when unset; anything else is an error."""
    import click

    raw = os.environ.get(RENDER_ENV_VAR)
    if raw is None or not raw.strip():
        return None
    value = _parse(raw)
    if value is None:
        raise click.ClickException(f"{RENDER_ENV_VAR} should be 0 or 1, not {raw!r}")
    return value


def stdout_is_terminal() -> bool:
    """True when stdout is a terminal that can show styled text."""
    try:
        if not sys.stdout.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    return os.environ.get("TERM") != "dumb"


def should_render(option: bool | None) -> bool:
    """Decide from ``--render/--no-render``, ``LLM_RENDER``, the setting, the terminal."""
    for choice in (option, env_setting()):
        if choice is not None:
            return choice
    saved = render_setting()
    if saved is not None:
        return saved
    return stdout_is_terminal()


def render_source() -> str:
    """Where the current choice comes from, for ``llm render``."""
    if os.environ.get(RENDER_ENV_VAR, "").strip():
        return f"the {RENDER_ENV_VAR} environment variable"
    if render_setting() is not None:
        return f"the setting in {render_setting_path()}"
    return "whether output goes to a terminal"


FALLBACK_WIDTH = 80


def make_console() -> Any:
    """A rich Console on stdout.

    Forced rendering into a pipe (``--render | less -R``) still gets styles.
    """
    from rich.console import Console

    console = Console(
        highlight=False,
        force_terminal=True if not stdout_is_terminal() else None,
    )
    if console.width < 1:
        # COLUMNS=0, or a terminal that reports no size: rich would print nothing.
        console.width = FALLBACK_WIDTH
    return console


def markdown(text: str) -> Any:
    """The rich renderable for ``text``."""
    from rich.markdown import Markdown

    return Markdown(text)


def print_markdown(text: str, console: Any = None) -> None:
    """Render ``text`` as Markdown on stdout in one go."""
    console = console or make_console()
    console.print(markdown(text))
