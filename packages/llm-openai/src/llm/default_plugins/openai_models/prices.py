"""Prices of the built-in OpenAI models, from ``prices.json`` beside this module.

Reasoning tokens are billed as output and cached input tokens at the cached
rate, which is how the core reads OpenAI's usage; the file says when and how
the prices were checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llm.pricing import Price

PRICES_FILE = Path(__file__).with_name("prices.json")
SOURCE = "llm-openai"


def builtin_prices() -> dict[str, Price]:
    """The shipped prices by model ID, each dated with the file's ``checked`` date."""
    data = json.loads(PRICES_FILE.read_text(encoding="utf-8"))
    note = data["source_url"]
    return {
        model_id: Price.from_dict(
            {**entry, "note": note}, source=SOURCE, date=data["checked"]
        )
        for model_id, entry in data["models"].items()
    }


def register_builtin_prices(register: Callable[..., Any]) -> None:
    for model_id, price in builtin_prices().items():
        register(model_id, price)
