"""Provider batch APIs: many prompts sent in one upload and answered later, often at half price.

A plugin offers its provider's batch API by registering a ``BatchProvider``
from the ``register_batch_providers`` hook. ``llm batch --provider-batch``
picks the first provider that ``supports()`` the model, ``submit()``s the
prompts (unexecuted responses, each with a custom ID) and keeps the provider's
batch ID; ``llm batch status`` and ``llm batch fetch`` later ask for
``status()`` and ``results()``, which hands each custom ID back with a
completed response, or the exception saying why that prompt failed.

Batch APIs usually bill less than live calls: a provider's ``discount`` is the
share it takes off the model's price, and responses fetched through
``provider_batch_results()`` are costed with it (unless the model's price
names a ``batch_discount`` of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import UnsupportedFeatureError


@dataclass(frozen=True)
class BatchStatus:
    """Where a provider batch stands, in the provider's words and as counts."""

    status: str
    #: The batch has finished (completed, failed, expired or cancelled): results can be fetched.
    finished: bool
    total: int | None = None
    completed: int | None = None
    failed: int | None = None
    #: Why the batch as a whole failed, if it did.
    error: str | None = None

    @property
    def summary(self) -> str:
        """``in_progress: 40 of 100 done, 2 failed`` - for a status line."""
        text = self.status
        if self.total:
            text += f": {self.completed or 0} of {self.total} done"
            if self.failed:
                text += f", {self.failed} failed"
        if self.error:
            text += f" ({self.error})"
        return text


class BatchProvider:
    """A provider's batch API; subclass it and register an instance from a plugin.

    ``name`` is stored with each submitted batch, so the same provider is
    found again to check on it. ``key`` is what the user passed with
    ``--key`` (or None: the model's stored key).
    """

    name: str = ""
    #: The share of the normal price this batch API takes off (0.5: half price).
    discount: float = 0.0

    def supports(self, model: Any) -> bool:
        """Whether this provider can run ``model``'s prompts as a batch."""
        return False

    def submit(
        self,
        model: Any,
        requests: Iterable[tuple[str, Any]],
        *,
        key: str | None = None,
    ) -> str:
        """Send ``(custom_id, response)`` pairs as one batch; returns the provider's batch ID.

        Each response is unexecuted: build the request from ``response.prompt``.
        """
        raise NotImplementedError

    def status(
        self, model: Any, batch_id: str, *, key: str | None = None
    ) -> BatchStatus:
        """Where the batch stands now."""
        raise NotImplementedError

    def results(
        self,
        model: Any,
        batch_id: str,
        response_for: Callable[[str], Any],
        *,
        key: str | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """``(custom_id, outcome)`` for each prompt of a finished batch, in any order.

        ``response_for(custom_id)`` gives a fresh unexecuted response for that
        prompt; the outcome is that response completed with the provider's
        answer, or an exception saying why the prompt failed.
        """
        raise NotImplementedError


def provider_batch_results(
    provider: BatchProvider,
    model: Any,
    batch_id: str,
    response_for: Callable[[str], Any],
    *,
    key: str | None = None,
) -> Iterator[tuple[str, Any]]:
    """``provider.results(...)``, with each response costed at the batch price."""

    def batch_response(custom_id: str) -> Any:
        response = response_for(custom_id)
        response.batch_discount = provider.discount
        return response

    return provider.results(model, batch_id, batch_response, key=key)


def get_batch_providers() -> dict[str, BatchProvider]:
    """Every registered batch provider by name."""
    from .plugins import call_hook

    providers: dict[str, BatchProvider] = {}

    def register(provider: BatchProvider) -> None:
        if not provider.name:
            raise ValueError(f"Batch provider {provider!r} has no name")
        providers.setdefault(provider.name, provider)

    call_hook("register_batch_providers", register=register)
    return providers


def batch_provider_for(model: Any) -> BatchProvider:
    """The first registered provider that can batch ``model``'s prompts."""
    for provider in get_batch_providers().values():
        if provider.supports(model):
            return provider
    raise UnsupportedFeatureError(
        f"No provider batch API is available for model {model.model_id}"
    )


def get_batch_provider(name: str) -> BatchProvider:
    """The registered provider called ``name``."""
    provider = get_batch_providers().get(name)
    if provider is None:
        raise UnsupportedFeatureError(
            f"The {name!r} batch provider is not installed (is its plugin?)"
        )
    return provider
