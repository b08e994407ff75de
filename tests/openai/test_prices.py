"""The shipped prices of the built-in OpenAI models, and costs of real (fake-server) calls."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import llm
from llm.default_plugins.openai_models.catalog import ALL_MODELS
from llm.default_plugins.openai_models.prices import PRICES_FILE, builtin_prices

from .fake_server import (
    chat_reply,
    chat_usage,
    message_item,
    responses_reply,
    responses_usage,
)

cli_module = pytest.importorskip("llm.cli")


def test_price_file_says_when_and_how_it_was_checked():
    data = json.loads(PRICES_FILE.read_text())
    assert data["checked"] and data["how"] and data["source_url"].startswith("https")
    prices = builtin_prices()
    assert prices["gpt-4o-mini"] == llm.Price(
        input=0.15,
        output=0.6,
        cached_input=0.075,
        date=data["checked"],
        source="llm-openai",
        note=data["source_url"],
    )


def test_only_built_in_models_are_priced():
    built_in = {spec.model_id for spec in ALL_MODELS}
    assert set(builtin_prices()) <= built_in
    # Models whose price is not known are left unpriced, never guessed.
    assert llm.get_price("gpt-4o-audio-preview") is None


def test_cost_of_a_chat_completion_with_cached_tokens(server):
    server.chat(
        chat_reply(
            "Bonjour",
            usage=chat_usage(2000, 100, prompt_tokens_details={"cached_tokens": 1000}),
        )
    )
    response = llm.get_model("gpt-4o").prompt("hi", stream=False)
    cost = response.cost()
    # 1,000 uncached at $2.50, 1,000 cached at $1.25, 100 output at $10 per million.
    assert cost.input == pytest.approx(0.0025)
    assert cost.cached_input == pytest.approx(0.00125)
    assert cost.output == pytest.approx(0.001)
    assert cost.total == pytest.approx(0.00475)
    assert cost.price.source == "llm-openai"


def test_reasoning_tokens_are_billed_as_output(server):
    server.responses(
        responses_reply(
            message_item("42"),
            usage=responses_usage(input=1000, output=500, reasoning=400),
        )
    )
    cost = llm.get_model("o3").prompt("Answer?").cost()
    assert cost.output == pytest.approx(500 * 8 / 1e6)
    assert cost.reasoning == 0
    assert cost.total == pytest.approx(1000 * 2 / 1e6 + 500 * 8 / 1e6)


def test_cost_logged_and_shown_with_u(server, user_path):
    server.chat(chat_reply("Bonjour", usage=chat_usage(1000, 1000)))
    result = CliRunner().invoke(cli_module.cli, ["-m", "4o-mini", "hi", "-u"])
    assert result.exit_code == 0, result.output
    checked = json.loads(PRICES_FILE.read_text())["checked"]
    assert result.stderr.splitlines() == [
        "Token usage: 1,000 input, 1,000 output",
        "Cost: $0.00075 (input $0.00015, output $0.0006; "
        f"gpt-4o-mini prices of {checked} from llm-openai)",
    ]
    logged = json.loads(
        CliRunner().invoke(cli_module.cli, ["logs", "-n", "1", "--json"]).output
    )[0]
    assert logged["cost_usd"] == pytest.approx(0.00075)
    assert logged["cost_details"]["price"]["source"] == "llm-openai"


def test_a_user_price_for_the_model_asked_for_beats_the_snapshot_price(
    server, user_path
):
    """OpenAI answers gpt-5 as gpt-5-2025-08-07, which llm-openai prices too; the
    price the user set for gpt-5 in prices.yaml still wins."""

    def cost_of_a_million_input_tokens(prices: str):
        (user_path / "prices.yaml").write_text(prices)
        server.responses(
            responses_reply(
                message_item("Hi"),
                model="gpt-5-2025-08-07",
                usage=responses_usage(input=1_000_000, output=0),
            )
        )
        response = llm.get_model("gpt-5").prompt("hi", stream=False)
        cost = response.cost()
        assert response.resolved_model == "gpt-5-2025-08-07"
        return cost

    gpt_5 = "gpt-5: {input: 1.0, output: 2.0, date: 2026-11-01}\n"
    cost = cost_of_a_million_input_tokens(gpt_5)
    assert cost.price.source == "prices.yaml"
    assert (cost.model_id, cost.total) == ("gpt-5", pytest.approx(1.0))
    # A user price for the snapshot itself is more specific still.
    snapshot = "gpt-5-2025-08-07: {input: 3.0, output: 2.0, date: 2026-11-01}\n"
    cost = cost_of_a_million_input_tokens(gpt_5 + snapshot)
    assert (cost.model_id, cost.total) == ("gpt-5-2025-08-07", pytest.approx(3.0))
