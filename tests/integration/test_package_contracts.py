"""The contract between the distributions, read from their source and pyproject files.

* every import of a sibling distribution is declared, with a version range;
* other distributions use llm-cli only through ``llm.cli.api``;
* no module touches an underscore name that another distribution defines;
* the metapackage pins the exact set of versions the suite ran with.
"""

from __future__ import annotations

import ast

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.source_scan import (
    PACKAGES,
    ROOT,
    all_modules,
    depends_on,
    distributions,
    imports_of,
    owner,
)

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def sibling_imports():
    """(distribution, Import, owning distribution) for every import of another one."""
    for name, module, path in all_modules():
        for found in imports_of(module, path):
            target_owner = owner(found.target)
            if target_owner is not None and target_owner != name:
                yield name, found, target_owner


def test_every_sibling_import_is_declared():
    """A sibling is a dependency or an extra; or, behind ``except ImportError``, a
    package that builds on this one (llm-core finding llm-logs for ``log_to_db``)."""
    problems = []
    for name, found, target_owner in sibling_imports():
        dist = distributions()[name]
        if target_owner in dist.dependencies | dist.optional:
            continue
        if found.guarded and depends_on(target_owner, name):
            continue
        problems.append(
            f"{found.module}:{found.line} imports {found.target} "
            f"({target_owner}), which {name} does not declare"
        )
    assert problems == []


def test_the_declaration_check_sees_undeclared_imports(tmp_path):
    module = tmp_path / "reach.py"
    module.write_text(
        "def f():\n"
        "    from llm.cli.running import run\n"
        "try:\n"
        "    import llm.logs\n"
        "except ImportError:\n"
        "    pass\n"
    )
    found = list(imports_of("llm.templates.reach", module))
    assert [(i.target, i.lazy, i.guarded) for i in found] == [
        ("llm.cli.running", True, False),
        ("llm.logs", False, True),
    ]
    assert owner("llm.cli.running") == "llm-cli" and owner("llm.logs") == "llm-logs"
    assert not depends_on("llm-logs", "llm-templates")


def test_other_distributions_use_llm_cli_through_its_api():
    allowed = {"llm.cli.api", "llm.cli"}  # llm.cli: ``python -m llm`` runs main()
    used = {
        (found.module, found.target)
        for name, found, target_owner in sibling_imports()
        if target_owner == "llm-cli" and found.target not in allowed
    }
    assert used == set()


def test_llm_cli_api_names_exist():
    import llm.cli.api as api

    for name in api.__all__:
        assert getattr(api, name) is not None, name


# --- private names -------------------------------------------------------------


def _defined_names(tree: ast.AST) -> set[str]:
    """Underscore names a module defines: functions, classes, attributes, globals."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return {n for n in names if _private(n)}


def _attribute_names(tree: ast.AST) -> set[str]:
    """Underscore names a module gives objects: class members and attributes it sets.

    Module-level functions and variables are left out: a module's own
    ``_tool_calls()`` helper does not make ``response._tool_calls`` its own.
    """
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(
                    item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                ):
                    names.add(item.name)
                elif isinstance(item, ast.Assign):
                    names.update(t.id for t in item.targets if isinstance(t, ast.Name))
                elif isinstance(item, ast.AnnAssign) and isinstance(
                    item.target, ast.Name
                ):
                    names.add(item.target.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return {n for n in names if _private(n)}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _touches(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of each underscore attribute read or written on something
    other than ``self``/``cls``, including through getattr/setattr/hasattr."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            receiver = node.value
            if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
                continue
            if isinstance(receiver, ast.Call) and getattr(
                receiver.func, "id", None
            ) in ("super", "type"):
                continue
            found.append((node.lineno, node.attr))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in ("getattr", "setattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            found.append((node.lineno, node.args[1].value))
    return sorted(found)


def compat_names() -> set[str]:
    """Names kept for published plugins (llm.compat), which may stay private."""
    from llm.compat import kept_names

    return kept_names()


def reach_ins(trees: dict[tuple[str, str], ast.AST]) -> list[str]:
    """Where a module of one distribution touches another's underscore names.

    ``trees`` maps (distribution, module) to the module's parsed source. An
    attribute counts as the module's own only when its distribution gives
    some object that attribute (a class member, an attribute it sets).
    """
    defined: dict[str, set[str]] = {}
    attributes: dict[str, set[str]] = {}
    for (name, _), tree in trees.items():
        defined.setdefault(name, set()).update(_defined_names(tree))
        attributes.setdefault(name, set()).update(_attribute_names(tree))
    allowed = compat_names()
    problems = []
    for (name, module), tree in trees.items():
        others = set().union(*(v for k, v in defined.items() if k != name))
        for line, attribute in _touches(tree):
            if attribute in others and attribute not in attributes[name]:
                problems.append(f"{module}:{line} touches {attribute}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level:
                continue
            source = owner(node.module or "")
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                if (
                    source not in (None, name)
                    and _private(alias.name)
                    and dotted not in allowed
                ):
                    problems.append(f"{module}:{node.lineno} imports {dotted}")
    return problems


def test_no_underscore_names_of_another_distribution():
    trees = {
        (name, module): ast.parse(path.read_text())
        for name, module, path in all_modules()
    }
    assert reach_ins(trees) == []


def test_the_private_name_scan_sees_reach_ins():
    tree = ast.parse(
        "def f(response, prompt):\n"
        "    self._ok = 1\n"
        "    response._abort(None)\n"
        "    getattr(response, '_done', True)\n"
        "    return prompt.__class__, super()._x\n"
    )
    assert _touches(tree) == [(3, "_abort"), (4, "_done")]
    assert "_ok" in _defined_names(tree)


def test_a_helper_of_the_same_name_does_not_hide_a_reach_in():
    core = ast.parse(
        "class Response:\n"
        "    def _tool_calls(self):\n"
        "        return self._calls\n"
        "    def __init__(self):\n"
        "        self._calls = []\n"
    )
    logs = ast.parse(
        "def _tool_calls(conn):\n"
        "    return []\n"
        "class Reader:\n"
        "    _calls = None\n"
        "def log(response, reader):\n"
        "    return response._tool_calls(), reader._calls\n"
    )
    trees = {("llm-core", "llm.response"): core, ("llm-logs", "llm.logs.w"): logs}
    # _tool_calls is only a module function in llm-logs; _calls is its own member.
    assert reach_ins(trees) == ["llm.logs.w:6 touches _tool_calls"]


# --- versions ------------------------------------------------------------------


def versions() -> dict[str, Version]:
    return {
        name: Version(
            tomllib.loads((dist.root / "pyproject.toml").read_text())["project"][
                "version"
            ]
        )
        for name, dist in distributions().items()
    }


def sibling_requirements():
    """(distribution, Requirement) for each sibling it requires or offers as an extra."""
    for name, dist in distributions().items():
        project = tomllib.loads((dist.root / "pyproject.toml").read_text())["project"]
        listed = list(project["dependencies"])
        for extra in project.get("optional-dependencies", {}).values():
            listed.extend(extra)
        for text in listed:
            requirement = Requirement(text)
            if requirement.name in distributions():
                yield name, requirement


def test_sibling_requirements_are_ranges_that_admit_the_current_versions():
    current = versions()
    found = list(sibling_requirements())
    assert found
    for name, requirement in found:
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators and "<" in operators, (name, str(requirement))
        assert requirement.specifier.contains(current[requirement.name]), (
            name,
            str(requirement),
            str(current[requirement.name]),
        )


def test_metapackage_pins_the_tested_set():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {
        requirement.name: requirement
        for requirement in map(Requirement, project["dependencies"])
    }
    for name, version in versions().items():
        assert str(pins[name].specifier) == f"=={version}", name


@pytest.mark.parametrize("name", sorted(distributions()))
def test_readme_says_what_the_distribution_offers_the_others(name):
    text = (PACKAGES / name / "README.md").read_text()
    assert "## What it offers the other packages" in text, name
