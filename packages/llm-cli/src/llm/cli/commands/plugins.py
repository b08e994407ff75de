"""``llm plugins``, ``llm install`` and ``llm uninstall``.

Packages are installed into the environment llm itself runs in: with
``python -m pip`` when that environment has pip, otherwise with
``uv pip --python <this python>`` (uv-managed environments often have no pip).
"""

from __future__ import annotations

import json
import os
import sys

import click

from ..errors import handle_errors


@click.command()
@click.option("all_", "--all", is_flag=True, help="Include llm's own default plugins")
@click.option(
    "hook", "--hook", multiple=True, help="Only plugins implementing this hook"
)
def plugins(all_: bool, hook: tuple[str, ...]) -> None:
    """List installed plugins"""
    import llm

    with handle_errors():
        found = llm.get_plugins(all=all_)
    if hook:
        found = [p for p in found if set(hook) & set(p.get("hooks", []))]
    click.echo(json.dumps(found, indent=2))


def has_pip(python: str | None = None) -> bool:
    """True when pip can be imported by ``python`` (llm's own interpreter by default)."""
    import subprocess

    code = (
        "import importlib.util, sys; sys.exit(importlib.util.find_spec('pip') is None)"
    )
    try:
        result = subprocess.run(
            [python or sys.executable, "-c", code], capture_output=True
        )
    except OSError:
        return False
    return result.returncode == 0


def uv_command() -> list[str] | None:
    """How to run uv: the executable on PATH, or ``python -m uv`` if installed as a package."""
    import shutil

    found = os.environ.get("UV") or shutil.which("uv")
    if found:
        return [found]
    from importlib.util import find_spec

    if find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    return None


def installer_command(action: str, use_pip: bool | None = None) -> list[str]:
    """The command prefix for ``install`` / ``uninstall`` in llm's environment."""
    if use_pip is None:
        use_pip = has_pip()
    if use_pip:
        return [sys.executable, "-m", "pip", action]
    uv = uv_command()
    if uv is None:
        raise click.ClickException(
            "This environment has neither pip nor uv: install pip "
            f"({sys.executable} -m ensurepip) or uv, then try again"
        )
    return [*uv, "pip", action, "--python", sys.executable]


def install_args(
    packages: tuple[str, ...],
    upgrade: bool,
    editable: str | None,
    force_reinstall: bool,
    no_cache_dir: bool,
    pre: bool,
    use_pip: bool,
) -> list[str]:
    """The arguments after ``install`` for pip or for uv."""
    args: list[str] = []
    if upgrade:
        args.append("--upgrade")
    if force_reinstall:
        args.append("--force-reinstall")
    if no_cache_dir:
        args.append("--no-cache-dir" if use_pip else "--no-cache")
    if pre:
        args.extend(["--pre"] if use_pip else ["--prerelease", "allow"])
    if editable:
        args.extend(["--editable", editable])
    args.extend(packages)
    return args


def _run(command: list[str]) -> None:
    import subprocess

    try:
        completed = subprocess.run(command)
    except OSError as ex:
        raise click.ClickException(f"Could not run {command[0]}: {ex}") from ex
    if completed.returncode:
        raise SystemExit(completed.returncode)


@click.command()
@click.argument("packages", nargs=-1, required=False)
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade to the latest versions")
@click.option(
    "-e", "--editable", help="Install the project at this path in editable mode"
)
@click.option(
    "--force-reinstall",
    is_flag=True,
    help="Reinstall packages even if they are up to date",
)
@click.option("--no-cache-dir", is_flag=True, help="Do not use the package cache")
@click.option("--pre", is_flag=True, help="Allow pre-release and development versions")
def install(
    packages: tuple[str, ...],
    upgrade: bool,
    editable: str | None,
    force_reinstall: bool,
    no_cache_dir: bool,
    pre: bool,
) -> None:
    """Install packages from PyPI into the same environment as LLM"""
    if not packages and not editable:
        raise click.ClickException("Name at least one package to install (or use -e)")
    use_pip = has_pip()
    command = installer_command("install", use_pip)
    command += install_args(
        packages, upgrade, editable, force_reinstall, no_cache_dir, pre, use_pip
    )
    _run(command)


@click.command()
@click.argument("packages", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation")
def uninstall(packages: tuple[str, ...], yes: bool) -> None:
    """Uninstall Python packages from the LLM environment"""
    use_pip = has_pip()
    command = installer_command("uninstall", use_pip)
    if use_pip:
        if yes:
            command.append("--yes")
    elif not yes:
        click.confirm(
            "Uninstall {} from {}?".format(", ".join(packages), sys.prefix),
            abort=True,
            err=True,
        )
    _run(command + list(packages))
