"""Every exception llm raises on purpose, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tools import ToolCall, ToolResult


class ModelError(Exception):
    """A model (or the service behind it) failed; the message is for the user."""


class TransientError(ModelError):
    """A failure that may well succeed if tried again: a rate limit, an overloaded server, a dropped connection.

    Plugins raise it (or a subclass) so llm retries the call with backoff and
    then tries any fallback models; ``retry_after`` is the wait in seconds the
    service asked for, if it said.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status_code = status_code


class ModelTimeoutError(TransientError, TimeoutError):
    """No reply arrived within the time allowed; ``url`` and ``seconds`` say where and how long."""

    def __init__(
        self, message: str, *, url: str | None = None, seconds: float | None = None
    ) -> None:
        super().__init__(message)
        self.url = url
        self.seconds = seconds


class IncompleteResponseError(TransientError):
    """The stream stopped before the model finished: the server sent no end-of-stream marker.

    The connection closed cleanly partway through (no finish reason, no
    ``[DONE]``, no ``response.completed``), so the text that arrived is only
    part of the answer. Before any output it is retried like a dropped
    connection; once text has been shown the response keeps what arrived and
    is marked failed with this error - it is not retried.
    """


class NeedsKeyException(ModelError):
    """A model needs an API key and none was given, stored or set in the environment."""


class KeySourceError(RuntimeError):
    """A key kept in the system keychain or printed by a command could not be read."""

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


class UnknownModelError(KeyError):
    """No installed model has this ID or alias."""

    def __init__(self, message: str, model_id: str | None = None) -> None:
        super().__init__(message)
        self.model_id = model_id

    def __str__(self) -> str:
        # KeyError quotes its argument; users should see the plain message.
        return str(self.args[0]) if self.args else ""


class ConfigError(ValueError):
    """A configuration file in the user directory is unreadable or malformed."""

    def __init__(self, message: str, path: Any = None) -> None:
        super().__init__(message)
        self.path = path


class AttachmentError(ValueError):
    """An attachment could not be read, typed or accepted by the model."""


class UnsupportedFeatureError(ValueError):
    """The model cannot do what the prompt asks (schemas, tools, server-side tools)."""


class OptionsError(ValueError):
    """Options given for a model failed validation."""

    def __init__(self, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class SchemaError(ValueError):
    """A schema (JSON or the concise DSL) could not be understood."""


class FragmentNotFound(KeyError):
    """A fragment reference (alias, hash, path, URL or loader) did not resolve."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PluginError(RuntimeError):
    """A plugin failed to load or one of its hooks raised."""

    def __init__(self, message: str, plugin: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin


class CancelToolCall(Exception):
    """Raised by a before_call hook to stop one tool call from running."""


class PauseChain(Exception):
    """Raised inside a tool to stop a chain cleanly, for example to wait for approval.

    Before it propagates the framework sets ``tool_call`` (the call that paused)
    and ``tool_results`` (results of sibling calls that completed).
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.tool_call: ToolCall | None = None
        self.tool_results: list[ToolResult] = []


class ChainLimitExceeded(ModelError, ValueError):
    """A chain needed more model calls than its chain_limit allows.

    A ValueError too, which is what the original raised.
    """


class DatabaseError(ValueError):
    """A SQLite database (logs.db, embeddings.db) is missing, not SQLite, read-only or unusable."""

    def __init__(self, message: str, path: Any = None) -> None:
        super().__init__(message)
        self.path = path


# The name this error had when only logs.db raised it; code written for it keeps working.
LogsDatabaseError = DatabaseError


class SearchQueryError(ValueError):
    """A ``llm logs -q`` search is not valid FTS5 query syntax; ``query`` is what was given."""

    def __init__(self, message: str, query: str | None = None) -> None:
        super().__init__(message)
        self.query = query


class VectorStoreError(ValueError):
    """A vector store could not be opened or used: unknown URL scheme, server or extension missing.

    ``location`` names the store with any password masked.
    """

    def __init__(self, message: str, location: str | None = None) -> None:
        super().__init__(message)
        self.location = location


class InputError(ValueError):
    """Input rows (CSV, TSV, JSON, lines) could not be read; ``line`` says where, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class TemplateError(ValueError):
    """A template could not be found, parsed, validated or evaluated."""
