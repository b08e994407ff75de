"""Prices, where they come from, and what a response cost."""

from __future__ import annotations

import asyncio

import pytest

import llm
from llm.plugins import pm
from llm.prices import prices_path
from llm.pricing import billable_tokens, compute_cost, format_dollars


class PricePlugin:
    """Prices the scripted ``mock`` model through the hook."""

    @llm.hookimpl
    def register_prices(self, register):
        register("mock", llm.Price(input=2.0, output=8.0, date="2025-05-01"))
        register(
            "mock-2026",
            {"input": 1.0, "output": 4.0, "cached_input": 0.5, "date": "2026-01-02"},
        )


@pytest.fixture
def priced():
    plugin = PricePlugin()
    pm.register(plugin, name="price-plugin")
    try:
        yield
    finally:
        pm.unregister(plugin)


def run(model, *items):
    model.enqueue(*items)
    response = model.prompt("hi")
    response.text()
    return response


def test_price_needs_numbers_and_a_date():
    with pytest.raises(ValueError, match="input must be a number"):
        llm.Price(input="cheap", output=1, date="2025-01-01")
    with pytest.raises(ValueError, match="negative"):
        llm.Price(input=-1, output=1, date="2025-01-01")
    with pytest.raises(ValueError, match="date should look like"):
        llm.Price(input=1, output=1, date="last week")
    for endless in (float("inf"), float("nan")):
        with pytest.raises(ValueError, match="input must be a finite number"):
            llm.Price(input=endless, output=1, date="2025-01-01")
    with pytest.raises(ValueError, match="needs a date"):
        llm.Price.from_dict({"input": 1, "output": 2})
    with pytest.raises(ValueError, match="unknown key 'inptu'"):
        llm.Price.from_dict({"inptu": 1, "output": 2, "date": "2025-01-01"})


def test_billable_tokens_reads_openai_usage_shapes():
    chat = llm.Usage(
        input=1000,
        output=500,
        details={
            "prompt_tokens_details": {"cached_tokens": 200},
            "completion_tokens_details": {"reasoning_tokens": 100},
        },
    )
    assert billable_tokens(chat) == llm.TokenCounts(
        input=1000, output=500, cached_input=200, reasoning=100
    )
    responses_api = llm.Usage(
        input=10, output=5, details={"input_tokens_details": {"cached_tokens": 4}}
    )
    assert billable_tokens(responses_api).cached_input == 4
    assert billable_tokens(llm.Usage()) is None


def test_cost_parts_and_total():
    price = llm.Price(
        input=1.25, output=10.0, cached_input=0.125, reasoning=20.0, date="2025-08-07"
    )
    tokens = llm.TokenCounts(input=1000, output=500, cached_input=200, reasoning=100)
    cost = compute_cost(tokens, price, "gpt-5")
    assert cost.input == pytest.approx(800 * 1.25 / 1e6)
    assert cost.cached_input == pytest.approx(200 * 0.125 / 1e6)
    assert cost.output == pytest.approx(400 * 10.0 / 1e6)
    assert cost.reasoning == pytest.approx(100 * 20.0 / 1e6)
    assert cost.total == pytest.approx(0.001 + 0.000025 + 0.004 + 0.002)
    # Without a reasoning price, reasoning tokens are output.
    plain = compute_cost(tokens, llm.Price(input=1, output=10, date="2025-01-01"))
    assert plain.reasoning == 0 and plain.output == pytest.approx(500 * 10 / 1e6)
    # Without a cached price, cached input costs what input does.
    assert plain.cached_input == pytest.approx(200 / 1e6)


def test_format_dollars():
    assert format_dollars(0) == "$0.00"
    assert format_dollars(0.000123) == "$0.000123"
    assert format_dollars(0.5) == "$0.50"
    assert format_dollars(1234.5) == "$1,234.50"


def test_priced_response_cost(priced, mock_model):
    response = run(mock_model, "hello", llm.Usage(input=1000, output=250))
    cost = response.cost()
    assert cost.total == pytest.approx(1000 * 2 / 1e6 + 250 * 8 / 1e6)
    assert cost.price.date == "2025-05-01"
    assert cost.price.source == "price-plugin"
    assert cost.model_id == "mock"
    assert response.record().cost == cost


def test_unpriced_and_usage_less_responses_have_no_cost(mock_model):
    assert run(mock_model, "hello", llm.Usage(input=10, output=5)).cost() is None


def test_usage_less_response_has_no_cost_even_when_priced(priced, mock_model):
    assert run(mock_model, "no usage reported").cost() is None


def test_user_prices_win_over_plugin_prices(priced, mock_model, user_path):
    (user_path / "prices.yaml").write_text(
        "# my negotiated rate\nscripted:\n  input: 1\n  output: 1\n  date: 2026-03-01\n"
    )
    cost = run(mock_model, "x", llm.Usage(input=1_000_000, output=0)).cost()
    assert cost.total == pytest.approx(1.0)
    assert cost.price.source == "prices.yaml"
    assert cost.price.date == "2026-03-01"
    assert llm.get_price("mock").source == "prices.yaml"
    # Editing the file takes effect at once.
    (user_path / "prices.yaml").write_text("mock: {input: 3, output: 1}\n")
    price = llm.get_price("mock")
    assert price.input == 3
    assert price.date  # dated by the file's modification time


def test_an_entry_under_the_model_id_wins_over_one_under_its_alias(
    mock_model, user_path
):
    # "scripted" is an alias of mock; the ID's entry wins wherever it sits.
    for order in (("scripted", "mock"), ("mock", "scripted")):
        prices = {"scripted": 5, "mock": 7}
        (user_path / "prices.yaml").write_text(
            "".join(f"{name}: {{input: {prices[name]}, output: 1}}\n" for name in order)
        )
        assert llm.get_price("mock").input == 7
        assert llm.get_price("scripted").input == 7


def test_prices_file_numbers_yaml_reads_as_text(mock_model, user_path):
    # YAML 1.1 reads 1e-7 and 1.5e300 as strings; they are still numbers.
    (user_path / "prices.yaml").write_text(
        "mock: {input: 1e-7, output: '2', date: 2025-01-01}\n"
    )
    price = llm.get_price("mock")
    assert (price.input, price.output) == (1e-7, 2.0)
    (user_path / "prices.yaml").write_text("mock: {input: .nan, output: 1}\n")
    with pytest.raises(llm.ConfigError, match="input must be a finite number"):
        llm.get_price("mock")


def test_malformed_prices_file_is_a_config_error(mock_model, user_path):
    (user_path / "prices.yaml").write_text("mock:\n  input: [oops\n")
    response = run(mock_model, "x", llm.Usage(input=1, output=1))
    with pytest.raises(llm.ConfigError, match="prices.yaml is not valid YAML"):
        response.cost()
    (user_path / "prices.yaml").write_text("mock: {input: 1}\n")
    with pytest.raises(llm.ConfigError, match="mock: needs an output price"):
        llm.get_price("mock")


def test_model_price_attribute(mock_model, monkeypatch):
    monkeypatch.setattr(
        type(mock_model),
        "price",
        llm.Price(input=5, output=5, date="2024-12-01"),
        raising=False,
    )
    cost = run(mock_model, "x", llm.Usage(input=100, output=100)).cost()
    assert cost.total == pytest.approx(0.001)
    assert cost.price.source == "llm_test_plugin"
    assert "mock" in llm.get_prices()


def test_resolved_model_price_is_preferred(priced, mock_model):
    class Resolving(type(mock_model)):
        def execute(self, prompt, stream, response, conversation=None):
            response.set_resolved_model("mock-2026")
            yield from super().execute(prompt, stream, response, conversation)

    model = Resolving()
    model.enqueue("x", llm.Usage(input=1_000_000, output=0))
    cost = model.prompt("hi").cost()
    assert cost.model_id == "mock-2026"
    assert cost.total == pytest.approx(1.0)


def test_async_response_cost(priced, async_mock_model):
    async def go():
        async_mock_model.enqueue("x", llm.Usage(input=500_000, output=0))
        response = async_mock_model.prompt("hi")
        await response.text()
        return await response.cost()

    assert asyncio.run(go()).total == pytest.approx(1.0)


def test_cost_survives_to_dict_and_from_dict(mock_model):
    plugin = PricePlugin()
    pm.register(plugin, name="price-plugin")
    try:
        response = run(mock_model, "x", llm.Usage(input=1000, output=1000))
        data = response.to_dict()
    finally:
        pm.unregister(plugin)
    assert data["cost"]["total"] == pytest.approx(0.01)
    # Rebuilt without today's prices, it keeps the cost it had.
    rebuilt = llm.Response.from_dict(data)
    assert rebuilt.cost().total == pytest.approx(0.01)
    assert rebuilt.cost().tokens.input == 1000


def test_get_prices_lists_every_source(priced, user_path):
    (user_path / "prices.yaml").write_text(
        "local-llama: {input: 0, output: 0, date: 2026-01-01}\n"
    )
    prices = llm.get_prices()
    assert prices["mock-2026"].cached_input == 0.5
    assert prices["local-llama"].source == "prices.yaml"
    assert list(prices) == sorted(prices)


def test_prices_path(user_path):
    assert prices_path() == user_path / "prices.yaml"


def test_a_failing_price_hook_is_isolated(mock_model, capsys):
    class Broken:
        @llm.hookimpl
        def register_prices(self, register):
            raise RuntimeError("pricing service down")

    pm.register(Broken(), name="broken-prices")
    try:
        assert llm.get_price("mock") is None
    finally:
        pm.unregister(name="broken-prices")
    assert "broken-prices failed in register_prices" in capsys.readouterr().err


def test_batch_discount_takes_a_share_off_every_part():
    price = llm.Price(input=2.0, output=8.0, cached_input=1.0, date="2025-05-01")
    tokens = llm.TokenCounts(input=1000, output=500, cached_input=200)
    full = compute_cost(tokens, price, "mock")
    half = compute_cost(tokens, price, "mock", batch_discount=0.5)
    assert half.input == pytest.approx(full.input / 2)
    assert half.cached_input == pytest.approx(full.cached_input / 2)
    assert half.output == pytest.approx(full.output / 2)
    assert half.total == pytest.approx(full.total / 2)
    assert half.to_dict()["batch_discount"] == 0.5
    assert "batch_discount" not in full.to_dict()
    assert llm.Cost.from_dict(half.to_dict()).batch_discount == 0.5
    assert "50% off as a provider batch" in llm.pricing.price_origin(half)
    with pytest.raises(ValueError, match="from 0 to 1"):
        llm.Price(input=1, output=1, date="2025-01-01", batch_discount=50)


def test_provider_batch_responses_are_costed_at_the_batch_price(
    priced, mock_model, user_path
):
    """A provider's discount applies to its batch's responses; a price may name its own."""
    from llm.batch_providers import BatchProvider, provider_batch_results

    class HalfPrice(BatchProvider):
        name = "half"
        discount = 0.5

        def results(self, model, batch_id, response_for, *, key=None):
            for custom_id in ("a", "b"):
                response = response_for(custom_id)
                response.text()
                yield custom_id, response

    def response_for(custom_id):
        mock_model.enqueue("answer", llm.Usage(input=1000, output=250))
        return mock_model.prompt(custom_id)

    live = run(mock_model, "live", llm.Usage(input=1000, output=250)).cost().total
    results = dict(provider_batch_results(HalfPrice(), mock_model, "b1", response_for))
    assert results["a"].cost().total == pytest.approx(live / 2)
    assert results["a"].record().cost.batch_discount == 0.5
    # A price that names its batch discount (here in prices.yaml) wins over the
    # provider's; live calls are never discounted.
    (user_path / "prices.yaml").write_text(
        "mock: {input: 2, output: 8, date: 2025-05-01, batch_discount: 0.25}\n"
    )
    results = dict(provider_batch_results(HalfPrice(), mock_model, "b2", response_for))
    assert results["b"].cost().total == pytest.approx(live * 0.75)
    assert run(mock_model, "live", llm.Usage(input=1000, output=250)).cost().total == (
        pytest.approx(live)
    )
