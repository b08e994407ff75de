"""Prices per million tokens, and the cost of one response computed from its usage.

A ``Price`` says what a model charges (US dollars per million tokens) and when
that was checked; ``billable_tokens`` reads a response's ``Usage`` into the
counts a price applies to; ``Cost`` is the result, part by part. Finding the
price for a model (shipped data, plugins, ``prices.yaml``) and the cost of a
response is ``llm.prices``.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field, replace
from typing import Any

from .usage import Usage

PER_TOKENS = 1_000_000
CURRENCY = "USD"
# Costs are rounded to this many decimal places (a millionth of a cent).
COST_DECIMALS = 8
PRICE_FIELDS = ("input", "cached_input", "output", "reasoning")


@dataclass(frozen=True)
class Price:
    """What a model charges, in US dollars per million tokens, as checked on ``date``.

    ``cached_input`` applies to input tokens the provider served from its
    cache (None: they cost the same as other input). ``reasoning`` applies to
    reasoning tokens when the provider bills them apart from output (None:
    they are output). ``source`` says where the price came from (a plugin, a
    file); ``note`` can say how it was checked. ``batch_discount`` is the share
    taken off every part for prompts run through the provider's batch API
    (0.5: half price); None leaves it to the batch provider's ``discount``.
    """

    input: float
    output: float
    date: str
    cached_input: float | None = None
    reasoning: float | None = None
    source: str | None = None
    note: str | None = None
    batch_discount: float | None = None

    def __post_init__(self) -> None:
        for name in PRICE_FIELDS:
            value = getattr(self, name)
            if value is None and name in ("cached_input", "reasoning"):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"Price {name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"Price {name} must be a finite number, got {value!r}")
            if value < 0:
                raise ValueError(f"Price {name} cannot be negative, got {value!r}")
        object.__setattr__(self, "date", check_date(self.date))
        if self.batch_discount is not None:
            check_discount(self.batch_discount)

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], *, source: str | None = None, date: str | None = None
    ) -> Price:
        """A Price from a mapping such as one entry of ``prices.yaml``.

        ``date`` fills in a missing date; ``source`` one the mapping does not name.
        Raises ValueError naming what is wrong.
        """
        if not isinstance(data, dict):
            raise ValueError("should be a mapping of input, output, ... prices")
        known = {*PRICE_FIELDS, "date", "source", "note", "batch_discount"}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ValueError(
                f"unknown key {unknown[0]!r} (expected {', '.join(sorted(known))})"
            )
        for required in ("input", "output"):
            if data.get(required) is None:
                raise ValueError(f"needs an {required} price")
        # YAML 1.1 reads 1e-7 (no dot, no exponent sign) as a string.
        data = {
            key: _number_from_text(value)
            if key in (*PRICE_FIELDS, "batch_discount")
            else value
            for key, value in data.items()
        }
        when = data.get("date", date)
        if when is None:
            raise ValueError("needs a date (when the price was checked)")
        return cls(
            input=data["input"],
            output=data["output"],
            date=str(when),
            cached_input=data.get("cached_input"),
            reasoning=data.get("reasoning"),
            source=data.get("source", source),
            note=data.get("note"),
            batch_discount=data.get("batch_discount"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The price as a JSON-safe dict; optional fields only when set."""
        data: dict[str, Any] = {"input": self.input, "output": self.output}
        for name in ("cached_input", "reasoning", "batch_discount"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        data["date"] = self.date
        for name in ("source", "note"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    def with_source(self, source: str) -> Price:
        """This price, naming ``source`` unless it already names one."""
        return self if self.source else replace(self, source=source)


def _number_from_text(value: Any) -> Any:
    """``value`` as a float when it is text spelling a number, else unchanged."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def check_discount(value: Any) -> float:
    """``value`` as a share of a price taken off, from 0 to 1; ValueError if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"batch_discount must be a number, got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(
            f"batch_discount is a share of the price from 0 to 1 (0.5: half price), "
            f"got {value!r}"
        )
    return float(value)


def check_date(value: Any) -> str:
    """``value`` as a ``YYYY-MM-DD`` string (dates and datetimes accepted)."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return datetime.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise ValueError(f"date should look like 2025-06-30, got {value!r}") from None


@dataclass(frozen=True)
class TokenCounts:
    """Tokens a response used, read for billing.

    ``cached_input`` is part of ``input`` and ``reasoning`` part of ``output``,
    as OpenAI reports them.
    """

    input: int = 0
    output: int = 0
    cached_input: int = 0
    reasoning: int = 0


def _nested_count(details: dict[str, Any], groups: tuple[str, ...], key: str) -> int:
    total = 0
    for group in groups:
        value = details.get(group)
        if isinstance(value, dict) and isinstance(value.get(key), int):
            total += value[key]
    return total


def billable_tokens(usage: Usage) -> TokenCounts | None:
    """Token counts from a response's usage, or None when it reported none.

    Reads OpenAI's conventions, which many providers share: cached input
    tokens as ``cached_tokens`` inside ``prompt_tokens_details`` or
    ``input_tokens_details`` (counted within input), reasoning tokens as
    ``reasoning_tokens`` inside ``completion_tokens_details`` or
    ``output_tokens_details`` (counted within output). A model whose usage
    means something else overrides ``Model.billable_tokens``.
    """
    if usage.input is None and usage.output is None:
        return None
    details = usage.details if isinstance(usage.details, dict) else {}
    input_tokens = usage.input or 0
    output_tokens = usage.output or 0
    cached = _nested_count(
        details, ("prompt_tokens_details", "input_tokens_details"), "cached_tokens"
    )
    reasoning = _nested_count(
        details,
        ("completion_tokens_details", "output_tokens_details"),
        "reasoning_tokens",
    )
    return TokenCounts(
        input=input_tokens,
        output=output_tokens,
        cached_input=min(cached, input_tokens),
        reasoning=min(reasoning, output_tokens),
    )


def _dollars(tokens: int, rate: float) -> float:
    return round(tokens * rate / PER_TOKENS, COST_DECIMALS)


@dataclass(frozen=True)
class Cost:
    """What one response cost in US dollars, part by part, and the price used.

    ``input`` is uncached input; ``reasoning`` is non-zero only when the price
    bills reasoning apart from output (otherwise it is within ``output``).
    """

    input: float
    cached_input: float
    output: float
    reasoning: float
    tokens: TokenCounts
    price: Price
    model_id: str | None = None
    currency: str = field(default=CURRENCY)
    #: The share of the price taken off because the prompt ran in a provider batch.
    batch_discount: float = 0.0

    @property
    def total(self) -> float:
        return round(
            self.input + self.cached_input + self.output + self.reasoning,
            COST_DECIMALS,
        )

    def to_dict(self) -> dict[str, Any]:
        """The cost as stored in the logs (``cost_details``) and shown by ``--json``.

        Parts that cost nothing are left out; the price says which rates applied.
        """
        data: dict[str, Any] = {"total": self.total}
        for name in PRICE_FIELDS:
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.batch_discount:
            data["batch_discount"] = self.batch_discount
        price = self.price.to_dict()
        price.pop("note", None)
        data["price"] = {"model": self.model_id, **price}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], tokens: TokenCounts | None = None) -> Cost:
        """Rebuild a Cost saved with ``to_dict()`` (``tokens`` are not saved in it)."""
        price_data = dict(data.get("price") or {})
        model_id = price_data.pop("model", None)
        return cls(
            input=float(data.get("input") or 0),
            cached_input=float(data.get("cached_input") or 0),
            output=float(data.get("output") or 0),
            reasoning=float(data.get("reasoning") or 0),
            tokens=tokens or TokenCounts(),
            price=Price.from_dict(price_data),
            model_id=model_id,
            batch_discount=float(data.get("batch_discount") or 0),
        )


def compute_cost(
    tokens: TokenCounts,
    price: Price,
    model_id: str | None = None,
    *,
    batch_discount: float = 0.0,
) -> Cost:
    """The cost of ``tokens`` at ``price``, less ``batch_discount`` (a share, 0 to 1)."""
    share = 1 - check_discount(batch_discount)

    def dollars(count: int, rate: float) -> float:
        return _dollars(count, rate * share)

    cached_rate = price.cached_input if price.cached_input is not None else price.input
    output_tokens = tokens.output
    reasoning = 0.0
    if price.reasoning is not None:
        output_tokens -= tokens.reasoning
        reasoning = dollars(tokens.reasoning, price.reasoning)
    return Cost(
        input=dollars(tokens.input - tokens.cached_input, price.input),
        cached_input=dollars(tokens.cached_input, cached_rate),
        output=dollars(output_tokens, price.output),
        reasoning=reasoning,
        tokens=tokens,
        price=price,
        model_id=model_id,
        batch_discount=float(batch_discount),
    )


def format_dollars(amount: float) -> str:
    """Dollars to three significant digits, at least cents: ``$1.50``, ``$0.000123``."""
    import math

    if amount <= 0:
        return "$0.00"
    decimals = min(COST_DECIMALS, max(2, 2 - math.floor(math.log10(amount))))
    text = f"{amount:,.{decimals}f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"${whole}.{fraction}"


def format_rate(value: float | None) -> str:
    """A per-million price for tables: ``$2.50``, ``$0.075``; ``-`` when not set."""
    if value is None:
        return "-"
    text = f"{value:.4f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{value:.2f}"
    return "$" + text


PART_LABELS = {
    "input": "input",
    "cached_input": "cached input",
    "output": "output",
    "reasoning": "reasoning",
}


def price_origin(cost: Cost) -> str:
    """``gpt-4o prices of 2026-12-02 from llm-openai``: which price a cost used."""
    text = f"{cost.model_id or 'model'} prices of {cost.price.date}"
    if cost.price.source:
        text += f" from {cost.price.source}"
    if cost.batch_discount:
        text += f", {cost.batch_discount:.0%} off as a provider batch"
    return text


def unknown_cost_reason(model_id: str | None, has_usage: bool) -> str:
    """Why a response has no cost: no usage reported, or no price for its model."""
    if not has_usage:
        return f"{model_id or 'the model'} did not report token usage"
    return f"no price known for {model_id or 'the model'}"


def cost_summary(entries: list[tuple[str | None, Cost | None, bool]]) -> str:
    """One line saying what some responses cost, for ``-u`` displays.

    Each entry is (model ID, cost or None, whether usage was reported). A
    response without a cost is never guessed at: the line says it is unknown,
    and why.
    """
    known = [cost for _, cost, _ in entries if cost is not None]
    reasons: list[str] = []
    for model_id, cost, has_usage in entries:
        if cost is None:
            reason = unknown_cost_reason(model_id, has_usage)
            if reason not in reasons:
                reasons.append(reason)
    origins: list[str] = []
    for cost in known:
        if price_origin(cost) not in origins:
            origins.append(price_origin(cost))
    total = format_dollars(sum(cost.total for cost in known))
    if not reasons:
        if len(known) == 1:
            [cost] = known
            parts = ", ".join(
                f"{label} {format_dollars(getattr(cost, name))}"
                for name, label in PART_LABELS.items()
                if getattr(cost, name)
            )
            return f"{total} ({parts}; {origins[0]})" if parts else total
        return f"{total} for {len(known)} responses ({'; '.join(origins)})"
    if not known:
        return "unknown - " + "; ".join(reasons)
    return (
        f"at least {total} ({len(known)} of {len(entries)} responses priced, "
        f"{'; '.join(origins)}); the rest unknown - {'; '.join(reasons)}"
    )


__all__ = [
    "Cost",
    "Price",
    "TokenCounts",
    "billable_tokens",
    "compute_cost",
    "cost_summary",
    "format_dollars",
    "format_rate",
    "price_origin",
    "unknown_cost_reason",
]
