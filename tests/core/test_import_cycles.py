"""No import cycles between the modules of one distribution (llm-core above all).

Imports inside functions count: they hide a cycle from Python's import system,
not from the reader, and they are how the old cycles between models,
conversation, response and registry were kept. Imports under TYPE_CHECKING do
not count: they never run.
"""

from __future__ import annotations

import pytest

from tests.source_scan import distributions, imports_of


def module_graph(name: str) -> dict[str, set[str]]:
    """module -> the modules of the same distribution it imports (anywhere in its code)."""
    modules = distributions()[name].modules

    def resolve(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    graph: dict[str, set[str]] = {module: set() for module in modules}
    for module, path in modules.items():
        for found in imports_of(module, path):
            target = resolve(found.target)
            if target is not None and target != module:
                graph[module].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


@pytest.mark.parametrize("name", sorted(distributions()))
def test_no_import_cycles(name):
    cycle = find_cycle(module_graph(name))
    assert cycle is None, f"{name} has an import cycle: {' -> '.join(cycle or [])}"


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_core_modules_import_in_one_order():
    """The layers of llm-core, lowest first: each imports only modules before it."""
    graph = module_graph("llm-core")
    order = [
        "llm.errors",
        "llm.keys",
        "llm.embedding_model",
        "llm.attachments",
        "llm.tools",
        "llm.parts",
        "llm.messages",
        "llm.prompt",
        "llm.response_record",
        "llm.response",
        "llm.async_response",
        "llm.chain",
        "llm.conversation",
        "llm.registrations",
        "llm.models",
    ]
    for position, module in enumerate(order):
        later = set(order[position + 1 :])
        assert not graph[module] & later, (module, sorted(graph[module] & later))
