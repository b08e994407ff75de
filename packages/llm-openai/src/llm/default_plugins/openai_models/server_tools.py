"""Server-side tools OpenAI runs for Responses API models: WebSearch and CodeInterpreter."""

from __future__ import annotations

from typing import Any

from llm.tools import ServerSideTool

MAX_DOMAINS = 100
MEMORY_LIMITS = ("1g", "4g", "16g", "64g")
CONTEXT_SIZES = ("low", "medium", "high")


def _add_include(kwargs: dict[str, Any], value: str) -> None:
    include = kwargs.setdefault("include", [])
    if value not in include:
        include.append(value)


def _domains(label: str, domains: list[str] | None) -> list[str] | None:
    if domains is None:
        return None
    domains = list(domains)
    if len(domains) > MAX_DOMAINS:
        raise ValueError(f"WebSearch accepts at most {MAX_DOMAINS} {label} domains")
    for domain in domains:
        if domain.startswith(("http://", "https://")):
            raise ValueError(
                f"WebSearch {label} domains must not include http:// or https://: {domain}"
            )
    return domains


class WebSearch(ServerSideTool):
    """OpenAI's web search, run by the model provider during the response."""

    name = "web_search"

    def __init__(
        self,
        allowed_domains: list[str] | None = None,
        blocked_domains: list[str] | None = None,
        search_context_size: str | None = None,
        external_web_access: bool | None = None,
        return_token_budget: str | int | None = None,
        user_location: dict[str, Any] | None = None,
        include_sources: bool = False,
        search_content_types: list[str] | None = None,
        image_settings: dict[str, Any] | None = None,
        include_results: bool = False,
    ) -> None:
        super().__init__()
        self.name = "web_search"
        if search_context_size is not None and search_context_size not in CONTEXT_SIZES:
            raise ValueError(
                "search_context_size must be one of: " + ", ".join(CONTEXT_SIZES)
            )
        self.allowed_domains = _domains("allowed", allowed_domains)
        self.blocked_domains = _domains("blocked", blocked_domains)
        self.search_context_size = search_context_size
        self.external_web_access = external_web_access
        self.return_token_budget = return_token_budget
        self.user_location = dict(user_location) if user_location else None
        if self.user_location is not None:
            self.user_location.setdefault("type", "approximate")
        self.include_sources = include_sources
        self.search_content_types = search_content_types
        self.image_settings = image_settings
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
    """OpenAI's Code Interpreter: Python run in an OpenAI-managed container."""

    name = "code_interpreter"

    def __init__(
        self,
        container: str | None = None,
        memory_limit: str | None = None,
        file_ids: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.name = "code_interpreter"
        if container and (memory_limit or file_ids):
            raise ValueError(
                "CodeInterpreter: an explicit container cannot be combined with "
                "memory_limit or file_ids"
            )
        if memory_limit is not None and memory_limit not in MEMORY_LIMITS:
            raise ValueError("memory_limit must be one of: " + ", ".join(MEMORY_LIMITS))
        self.container = container
        self.memory_limit = memory_limit
        self.file_ids = list(file_ids) if file_ids else None

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
