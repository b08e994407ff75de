"""Reading the packages' source for the contract tests: who owns which module, who imports what.

Imports are read with ``ast`` from ``packages/*/src``, so the tests see every
import (module level, inside functions, behind ``try``) without running any of
it. Imports under ``if TYPE_CHECKING:`` are left out: they never run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).parents[1]
PACKAGES = ROOT / "packages"


@dataclass(frozen=True)
class Import:
    """One import statement's target, as seen from the importing module."""

    module: str  # the importing module
    target: str  # the module imported (``from a import b`` gives ``a`` and ``a.b``)
    line: int
    lazy: bool  # inside a function: runs when called, not at import
    guarded: bool  # inside ``try`` with an ``except ImportError`` handler


@dataclass
class Distribution:
    """One workspace package: its name, declared sibling dependencies and modules."""

    name: str
    root: Path
    dependencies: set[str] = field(default_factory=set)
    optional: set[str] = field(default_factory=set)  # from any extra
    modules: dict[str, Path] = field(default_factory=dict)


def requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()


@cache
def distributions() -> dict[str, Distribution]:
    """Every package under packages/, by distribution name."""
    found: dict[str, Distribution] = {}
    for pyproject in sorted(PACKAGES.glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        dist = Distribution(project["name"], pyproject.parent)
        dist.dependencies = {requirement_name(r) for r in project["dependencies"]}
        for requirements in project.get("optional-dependencies", {}).values():
            dist.optional |= {requirement_name(r) for r in requirements}
        src = pyproject.parent / "src"
        for path in sorted(src.rglob("*.py")):
            parts = path.relative_to(src).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            dist.modules[".".join(parts)] = path
        found[dist.name] = dist
    names = set(found)
    for dist in found.values():
        dist.dependencies &= names
        dist.optional &= names
    return found


def owner(module: str, *, exact: bool = False) -> str | None:
    """The distribution that ships ``module`` (unless ``exact``, the closest package above it)."""
    while module:
        for dist in distributions().values():
            if module in dist.modules:
                return dist.name
        if exact:
            return None
        module = module.rpartition(".")[0]
    return None


def depends_on(name: str, other: str) -> bool:
    """True when distribution ``name`` requires ``other``, directly or through others."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        for dependency in distributions()[current].dependencies:
            if dependency == other:
                return True
            if dependency not in seen:
                seen.add(dependency)
                todo.append(dependency)
    return False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(
        isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError")
        for n in names
    )


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def imports_of(module: str, path: Path) -> Iterator[Import]:
    """Every import ``module`` (at ``path``) can run, with where and how it runs."""
    tree = ast.parse(path.read_text(), str(path))

    def walk(node: ast.AST, lazy: bool, guarded: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.orelse:
                    yield from walk_one(statement, lazy, guarded)
                continue
            yield from walk_one(child, lazy, guarded)

    def walk_one(node: ast.AST, lazy: bool, guarded: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno, lazy, guarded)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, path, node)
            for alias in node.names:
                # ``from package import submodule`` imports the submodule; other
                # names come from the module itself.
                name = f"{base}.{alias.name}"
                target = name if owner(name, exact=True) else base
                yield Import(module, target, node.lineno, lazy, guarded)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from walk(node, True, guarded)
        elif isinstance(node, ast.Try):
            catches = any(_catches_import_error(h) for h in node.handlers)
            for statement in node.body:
                yield from walk_one(statement, lazy, guarded or catches)
            for part in (*node.handlers, *node.orelse, *node.finalbody):
                yield from walk_one(part, lazy, guarded)
        else:
            yield from walk(node, lazy, guarded)

    yield from walk(tree, False, False)


def all_modules() -> Iterator[tuple[str, str, Path]]:
    """(distribution, module, path) for every module of every package."""
    for dist in distributions().values():
        for module, path in dist.modules.items():
            yield dist.name, module, path
