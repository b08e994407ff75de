"""``lazy_exports``: a package's public names, each imported from its module on first use.

``llm``, ``llm.logs``, ``llm.embeddings`` and the OpenAI plugin keep their import
cheap this way (``llm --version`` never pays for pydantic, NumPy or sqlite-utils)
while ``from llm.logs import iter_logs`` still works. Standard library only.
"""

import sys
from importlib import import_module

# ``import llm`` imports this module: no typing or __future__ at start-up, so the
# annotations are strings.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


def lazy_exports(
    package: str,
    exports: "Mapping[str, str]",
    *,
    optional: "Mapping[str, tuple[str, str]] | None" = None,
    submodules: bool = False,
) -> "tuple[Callable[[str], Any], Callable[[], list[str]]]":
    """``(__getattr__, __dir__)`` for ``package`` (pass ``__name__``).

    ``exports`` maps each name to the submodule of ``package`` defining it.
    ``optional`` maps names another distribution provides to ``(module,
    distribution)``: when that is not installed, the AttributeError says what to
    install. With ``submodules``, other public names are tried as submodules,
    as after ``import package.name``. A name is imported once, then cached in the
    package's namespace.
    """
    namespace = sys.modules[package].__dict__
    optional = optional or {}

    def __getattr__(name: str) -> "Any":
        if name in exports:
            value = getattr(import_module(f"{package}.{exports[name]}"), name)
        elif name in optional:
            module_name, distribution = optional[name]
            try:
                module = import_module(module_name)
            except ImportError as ex:
                raise AttributeError(
                    f"{package}.{name} is provided by the {distribution} package: "
                    f"pip install {distribution}"
                ) from ex
            value = getattr(module, name)
        elif submodules and not name.startswith("_"):
            try:
                return import_module(f"{package}.{name}")
            except ModuleNotFoundError as ex:
                if ex.name != f"{package}.{name}":
                    raise
                raise AttributeError(
                    f"module {package!r} has no attribute {name!r}"
                ) from None
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports) | set(optional))

    return __getattr__, __dir__
