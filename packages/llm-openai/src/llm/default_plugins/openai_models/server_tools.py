"""Server-side tools OpenAI runs for Responses API models: WebSearch and CodeInterpreter.

Arguments are checked when the tool is made, as openai-models.md documents
them, so a mistake is reported before any request: a wrong type raises
TypeError, a value outside the documented ones raises ValueError.
"""

from __future__ import annotations

from typing import Any, Literal

from llm.tools import ServerSideTool

MAX_DOMAINS = 100
MEMORY_LIMITS = ("1g", "4g", "16g", "64g")
CONTEXT_SIZES = ("low", "medium", "high")
TOKEN_BUDGETS = ("default", "unlimited")
CONTENT_TYPES = ("text", "image")
LOCATION_FIELDS = ("type", "country", "city", "region", "timezone")


def _add_include(kwargs: dict[str, Any], value: str) -> None:
    include = kwargs.setdefault("include", [])
    if value not in include:
        include.append(value)


def _one_of(label: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{label} must be one of {', '.join(allowed)}, not {value!r}")


def _boolean(label: str, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{label} must be True or False, not {value!r}")


def _strings(label: str, value: Any) -> list[str] | None:
    """A list of non-empty strings (a copy), or None."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{label} must be a list of strings")
    for item in value:
        if not isinstance(item, str) or not item:
            raise TypeError(f"{label} entries must be non-empty strings: {item!r}")
    return list(value)


def _domains(label: str, value: Any) -> list[str] | None:
    domains = _strings(label, value)
    if domains is None:
        return None
    if len(domains) > MAX_DOMAINS:
        raise ValueError(f"{label} can list at most {MAX_DOMAINS} domains")
    for domain in domains:
        if domain.lower().startswith(("http://", "https://")):
            raise ValueError(
                f"{label} entries are domains without http:// or https://: {domain}"
            )
    return domains


def _user_location(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError("user_location must be a dictionary")
    unknown = [key for key in value if key not in LOCATION_FIELDS]
    if unknown:
        raise ValueError(
            f"user_location does not take {', '.join(map(str, unknown))}; "
            f"it takes {', '.join(LOCATION_FIELDS[1:])}"
        )
    location = dict(value)
    location.setdefault("type", "approximate")
    if location["type"] != "approximate":
        raise ValueError('user_location type must be "approximate"')
    for key, item in location.items():
        if not isinstance(item, str):
            raise TypeError(f"user_location {key} must be a string")
    country = location.get("country")
    if country is not None and not (len(country) == 2 and country.isalpha()):
        raise ValueError(
            f"user_location country must be a two-letter code such as GB: {country!r}"
        )
    return location


def _image_settings(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError("image_settings must be a dictionary")
    max_results = value.get("max_results")
    if max_results is not None and (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or max_results < 1
    ):
        raise ValueError("image_settings max_results must be a positive integer")
    _boolean("image_settings caption", value.get("caption"))
    return dict(value)


class WebSearch(ServerSideTool):
    """Search the web with OpenAI's hosted search tool.

    Domain filters, an approximate location, how much result context the
    model gets, live web access and image search are set through the
    arguments. ``include_sources`` records every URL consulted;
    ``include_results`` records the raw results (image search results, say).
    """

    name = "web_search"

    def __init__(
        self,
        allowed_domains: list[str] | None = None,
        blocked_domains: list[str] | None = None,
        search_context_size: Literal["low", "medium", "high"] | None = None,
        external_web_access: bool | None = None,
        return_token_budget: Literal["default", "unlimited"] | None = None,
        user_location: dict[str, str] | None = None,
        include_sources: bool = False,
        search_content_types: list[Literal["text", "image"]] | None = None,
        image_settings: dict[str, Any] | None = None,
        include_results: bool = False,
    ) -> None:
        super().__init__()
        self.name = "web_search"
        self.allowed_domains = _domains("allowed_domains", allowed_domains)
        self.blocked_domains = _domains("blocked_domains", blocked_domains)
        _one_of("search_context_size", search_context_size, CONTEXT_SIZES)
        self.search_context_size = search_context_size
        _boolean("external_web_access", external_web_access)
        self.external_web_access = external_web_access
        _one_of("return_token_budget", return_token_budget, TOKEN_BUDGETS)
        self.return_token_budget = return_token_budget
        self.user_location = _user_location(user_location)
        _boolean("include_sources", include_sources)
        self.include_sources = include_sources
        self.search_content_types = _strings(
            "search_content_types", search_content_types
        )
        for kind in self.search_content_types or []:
            _one_of("search_content_types entries", kind, CONTENT_TYPES)
        self.image_settings = _image_settings(image_settings)
        _boolean("include_results", include_results)
        self.include_results = include_results

    def tool_spec(self, model: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {"type": "web_search"}
        filters = {}
        if self.allowed_domains:
            filters["allowed_domains"] = self.allowed_domains
        if self.blocked_domains:
            filters["blocked_domains"] = self.blocked_domains
        if filters:
            spec["filters"] = filters
        optional = {
            "search_context_size": self.search_context_size,
            "external_web_access": self.external_web_access,
            "return_token_budget": self.return_token_budget,
            "user_location": self.user_location,
            "search_content_types": self.search_content_types,
            "image_settings": self.image_settings,
        }
        spec.update({k: v for k, v in optional.items() if v is not None})
        return spec

    def prepare_request(self, model: Any, kwargs: dict[str, Any]) -> None:
        if self.include_sources:
            _add_include(kwargs, "web_search_call.action.sources")
        if self.include_results:
            _add_include(kwargs, "web_search_call.results")

    def __repr__(self) -> str:
        return "WebSearch()"


class CodeInterpreter(ServerSideTool):
    """Run Python in an OpenAI-managed container.

    Without ``container`` OpenAI creates or reuses an automatic container,
    which ``memory_limit`` and ``file_ids`` configure. Pass the ``cntr_`` ID of
    an existing container as ``container`` to use that one instead.
    """

    name = "code_interpreter"

    def __init__(
        self,
        container: str | None = None,
        memory_limit: Literal["1g", "4g", "16g", "64g"] | None = None,
        file_ids: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.name = "code_interpreter"
        if container is not None:
            if not isinstance(container, str):
                raise TypeError("container must be a container ID string")
            if not container:
                raise ValueError("container must be a container ID such as cntr_...")
            if memory_limit is not None or file_ids is not None:
                raise ValueError(
                    "container cannot be combined with memory_limit or file_ids"
                )
        _one_of("memory_limit", memory_limit, MEMORY_LIMITS)
        self.container = container
        self.memory_limit = memory_limit
        self.file_ids = _strings("file_ids", file_ids)

    def tool_spec(self, model: Any) -> dict[str, Any]:
        if self.container:
            return {"type": "code_interpreter", "container": self.container}
        container: dict[str, Any] = {"type": "auto"}
        if self.memory_limit:
            container["memory_limit"] = self.memory_limit
        if self.file_ids:
            container["file_ids"] = self.file_ids
        return {"type": "code_interpreter", "container": container}

    def prepare_request(self, model: Any, kwargs: dict[str, Any]) -> None:
        _add_include(kwargs, "code_interpreter_call.outputs")

    def __repr__(self) -> str:
        return "CodeInterpreter()"
