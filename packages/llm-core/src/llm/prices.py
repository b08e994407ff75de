"""Where prices come from (``prices.yaml``, the ``register_prices`` hook, model attributes), and costs.

The first of these that prices a model wins, so a user can always correct or
add a price. Each source is read once per process and again only when it
changes (plugins registered, ``prices.yaml`` edited).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .paths import user_dir
from .pricing import Cost, Price, billable_tokens, compute_cost
from .usage import Usage
from .utils import yaml_problem

PRICES_FILENAME = "prices.yaml"
USER_SOURCE = "prices.yaml"

# (path, mtime_ns, size) -> prices, for the last prices.yaml read
_user_cache: tuple[tuple[str, int, int], dict[str, Price]] | None = None
# pm.generation -> prices registered by plugins
_plugin_cache: tuple[int, dict[str, Price]] | None = None


def prices_path() -> Path:
    """The user's price file: ``prices.yaml`` in the user directory."""
    return user_dir() / PRICES_FILENAME


def read_prices_file(path: Path) -> dict[str, Price]:
    """Prices from a YAML file mapping model IDs (or aliases) to prices.

    An entry without a ``date`` is dated by the file's modification time. A
    missing file is empty; a malformed one raises ConfigError naming the
    entry and what is wrong with it.
    """
    try:
        text = path.read_text(encoding="utf-8")
        modified = datetime.datetime.fromtimestamp(
            path.stat().st_mtime, tz=datetime.timezone.utc
        ).date()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as ex:
        raise ConfigError(f"Could not read {path}: {ex}", path=path) from ex
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as ex:
        raise ConfigError(
            f"{path} is not valid YAML: {yaml_problem(ex)}", path=path
        ) from ex
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path} should map model IDs to prices, for example "
            "'gpt-4o: {input: 2.5, output: 10}'",
            path=path,
        )
    prices: dict[str, Price] = {}
    for model_id, entry in data.items():
        try:
            prices[str(model_id)] = Price.from_dict(
                entry, source=USER_SOURCE, date=modified.isoformat()
            )
        except (ValueError, TypeError) as ex:
            raise ConfigError(f"{path}: {model_id}: {ex}", path=path) from ex
    return prices


def user_prices() -> dict[str, Price]:
    """The prices in the user's ``prices.yaml`` (re-read when the file changes)."""
    global _user_cache
    path = prices_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    except OSError as ex:
        raise ConfigError(f"Could not read {path}: {ex}", path=path) from ex
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if _user_cache is not None and _user_cache[0] == key:
        return _user_cache[1]
    prices = read_prices_file(path)
    _user_cache = (key, prices)
    return prices


def _build_plugin_prices() -> dict[str, Price]:
    from .plugins import _display_name, load_plugins, pm, report_plugin_error

    load_plugins()
    prices: dict[str, Price] = {}
    # Reversed, as call_hook does: the plugins' prices override the built-in ones.
    for impl in reversed(pm.hook.register_prices.get_hookimpls()):
        source = _display_name(impl.plugin_name)

        def register(
            model_id: str, price: Price | dict[str, Any], source: str = source
        ) -> None:
            if isinstance(price, dict):
                price = Price.from_dict(price, source=source)
            if not isinstance(price, Price):
                raise TypeError(f"price for {model_id} should be an llm.Price")
            prices[model_id] = price.with_source(source)

        try:
            impl.function(register)
        except Exception as ex:
            report_plugin_error(source, "in register_prices", ex)
    return prices


def plugin_prices() -> dict[str, Price]:
    """Prices plugins declared through the ``register_prices`` hook."""
    global _plugin_cache
    from .plugins import load_plugins, pm

    load_plugins()
    if _plugin_cache is None or _plugin_cache[0] != pm.generation:
        _plugin_cache = (pm.generation, _build_plugin_prices())
    return _plugin_cache[1]


def attribute_price(model: Any) -> Price | None:
    """A model's own ``price`` attribute, named after the module that defines it."""
    price = getattr(model, "price", None)
    if isinstance(price, dict):
        price = Price.from_dict(price)
    if not isinstance(price, Price):
        return None
    return price.with_source(type(model).__module__.split(".")[0])


def _user_price(model_id: str) -> Price | None:
    prices = user_prices()
    if model_id in prices:
        return prices[model_id]
    if prices:
        from .registry import resolve_model_id

        for name, price in prices.items():
            if resolve_model_id(name) == model_id:
                return price
    return None


def get_price(model_id: str, model: Any = None) -> Price | None:
    """The price for a model ID (or alias), or None if nothing prices it.

    Looks in ``prices.yaml``, then at what plugins registered, then at the
    model's ``price`` attribute (``model`` saves looking it up). Raises
    ConfigError if ``prices.yaml`` is malformed.
    """
    if model is None:
        from .registry import resolve_model_id

        # An alias means its model: priced as the model's ID is, so an entry
        # under the ID wins over one under the alias, as it does for costs.
        resolved = resolve_model_id(model_id)
        if resolved != model_id:
            price = _find_price(resolved, None)
            if price is not None:
                return price
    return _find_price(model_id, model)


def _find_price(model_id: str, model: Any) -> Price | None:
    price = _user_price(model_id)
    if price is None:
        price = plugin_prices().get(model_id)
    if price is None:
        if model is None or getattr(model, "model_id", None) != model_id:
            model = _registered_model(model_id)
        if model is not None:
            price = attribute_price(model)
    return price


def _registered_model(model_id: str) -> Any:
    from .registry import get_models_with_aliases

    for entry in get_models_with_aliases():
        if entry.model_id == model_id:
            return entry.model or entry.async_model
    return None


def get_prices() -> dict[str, Price]:
    """Every known price by model ID, the winning source for each, sorted by ID.

    Includes prices for models that are not installed (from plugins or
    ``prices.yaml``); user entries named by alias appear under the model ID.
    """
    from .registry import get_models_with_aliases, resolve_model_id

    found: dict[str, Price] = {}
    for entry in get_models_with_aliases():
        price = attribute_price(entry.model or entry.async_model)
        if price is not None:
            found[entry.model_id] = price
    found.update(plugin_prices())
    for name, price in user_prices().items():
        found[resolve_model_id(name)] = price
    return dict(sorted(found.items()))


def response_cost(
    model: Any,
    usage: Usage,
    resolved_model: str | None = None,
    batch_discount: float | None = None,
) -> Cost | None:
    """The cost of a response from ``model`` with ``usage``; None if unknown.

    Unknown means no usage was reported or no price is known for the model.
    The resolved model's price is preferred when it has one, except that a
    ``prices.yaml`` entry for the model asked for beats a plugin's price for
    the snapshot that answered. A malformed ``prices.yaml`` raises
    ConfigError. ``batch_discount`` is set for a response run in a provider
    batch: the provider's discount, which the price's own ``batch_discount``
    overrides.
    """
    reader = getattr(model, "billable_tokens", None)
    tokens = reader(usage) if callable(reader) else billable_tokens(usage)
    if tokens is None:
        return None
    model_ids = [m for m in (resolved_model, getattr(model, "model_id", None)) if m]

    def candidates() -> Iterator[tuple[str, Price | None]]:
        for model_id in model_ids:
            yield model_id, _user_price(model_id)
        for model_id in model_ids:
            yield model_id, get_price(model_id, model=model)

    for model_id, price in candidates():
        if price is not None:
            discount = 0.0
            if batch_discount is not None:
                discount = (
                    price.batch_discount
                    if price.batch_discount is not None
                    else batch_discount
                )
            return compute_cost(tokens, price, model_id, batch_discount=discount)
    return None


def clear_price_cache() -> None:
    """Forget cached prices (they are read again on next use)."""
    global _user_cache, _plugin_cache
    _user_cache = None
    _plugin_cache = None
