"""``llm render``: whether responses and logs are shown as rendered Markdown."""

from __future__ import annotations

import click

from ..errors import handle_errors
from ..groups import DefaultGroup


@click.group(cls=DefaultGroup, default="status")
def render() -> None:
    """Show Markdown rendered on the terminal: on, off or auto (the default)

    'auto' renders when output goes to a terminal. --render/--no-render on a
    command, then the LLM_RENDER=0|1 environment variable, win over this.
    """


@render.command()
def status() -> None:
    """Show whether Markdown is rendered, and why"""
    from ..render import render_setting, render_source, should_render

    with handle_errors():
        saved = render_setting()
        setting = {True: "on", False: "off", None: "auto"}[saved]
        click.echo(f"Setting: {setting}")
        state = "rendered" if should_render(None) else "plain text"
        click.echo(f"Output here: {state} (decided by {render_source()})")


@render.command()
def on() -> None:
    """Always render Markdown, even into a pipe or file"""
    from ..render import set_render_setting

    with handle_errors():
        set_render_setting(True)


@render.command()
def off() -> None:
    """Never render Markdown"""
    from ..render import set_render_setting

    with handle_errors():
        set_render_setting(False)


@render.command()
def auto() -> None:
    """Render Markdown when output goes to a terminal (the default)"""
    from ..render import set_render_setting

    with handle_errors():
        set_render_setting(None)
