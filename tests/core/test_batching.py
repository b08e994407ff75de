"""llm.batch / llm.abatch / llm.Batch: many prompts at once, in order, within limits."""

from __future__ import annotations

import asyncio
import threading

import pytest

import llm
from llm.batching import Batch, BatchPrompt


class Counting(llm.AsyncModel):
    """Replies ``<prompt>!`` after yielding control ``<prompt>`` times; counts who runs at once."""

    model_id = "counting"
    supports_schema = False

    def __init__(self, failures: dict[str, list[Exception]] | None = None) -> None:
        self.active = 0
        self.peak = 0
        self.calls: list[str] = []
        self.failures = failures or {}
        self.on_call = None

    async def execute(self, prompt, stream, response, conversation=None):
        self.calls.append(prompt.prompt)
        if self.on_call is not None:
            self.on_call()
        queued = self.failures.get(prompt.prompt)
        if queued:
            raise queued.pop(0)
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            for _ in range(int(prompt.prompt.split(":")[0])):
                await asyncio.sleep(0)
            if prompt.system:
                yield f"[{prompt.system}] "
            yield f"{prompt.prompt}!"
            response.set_usage(input=1, output=2)
        finally:
            self.active -= 1


class Blocking(llm.Model):
    """A sync model whose calls only finish once ``parallel`` of them run together."""

    model_id = "blocking"

    def __init__(self, parallel: int) -> None:
        self.barrier = threading.Barrier(parallel, timeout=10)
        self.threads: set[str] = set()

    def execute(self, prompt, stream, response, conversation=None):
        self.threads.add(threading.current_thread().name)
        self.barrier.wait()
        yield prompt.prompt.upper()


def rate_limited() -> llm.TransientError:
    return llm.TransientError("Rate limit reached", status_code=429, retry_after=2.0)


def test_responses_come_back_in_input_order():
    model = Counting()
    prompts = [f"{n}:p{n}" for n in (9, 1, 5, 0, 7, 3, 8, 2)]
    responses = list(llm.batch(model, prompts, parallel=4))
    assert [r.text() for r in responses] == [f"{p}!" for p in prompts]
    assert all(isinstance(r, llm.Response) for r in responses)
    assert model.peak == 4


def test_never_more_than_parallel_at_once():
    model = Counting()
    list(llm.batch(model, ["3:x"] * 20, parallel=3))
    assert model.peak == 3
    assert len(model.calls) == 20


def test_sync_models_run_on_parallel_threads():
    model = Blocking(parallel=3)
    responses = list(llm.batch(model, [f"p{n}" for n in range(9)], parallel=3))
    assert [r.text() for r in responses] == [f"P{n}" for n in range(9)]
    assert len(model.threads) == 3
    assert all(name.startswith("llm-batch") for name in model.threads)


def test_prompt_dicts_and_shared_arguments():
    model = Counting()
    responses = list(
        llm.batch(
            model,
            ["0:a", {"prompt": "0:b", "system": "own"}, BatchPrompt("0:c")],
            system="shared",
        )
    )
    assert [r.text() for r in responses] == ["[shared] 0:a!", "[own] 0:b!", "0:c!"]
    assert responses[0].usage().input == 1


def test_a_failed_prompt_comes_back_in_its_place():
    model = Counting({"0:bad": [llm.ModelError("boom")]})
    responses = list(llm.batch(model, ["0:a", "0:bad", "0:c"], parallel=2))
    assert [r.error for r in responses][0] is None
    assert str(responses[1].error) == "boom"
    assert responses[1].text() == ""
    assert responses[2].text() == "0:c!"
    assert model.calls.count("0:bad") == 1  # reading the failed response runs nothing


def test_arguments_the_model_cannot_take_raise_when_reached():
    model = Counting()
    results = llm.batch(model, ["0:a", "0:b"], schema={"type": "object"})
    with pytest.raises(llm.UnsupportedFeatureError):
        next(results)


def test_abatch_with_async_and_sync_models():
    async def collect(model, prompts):
        return [r async for r in llm.abatch(model, prompts, parallel=2)]

    responses = asyncio.run(collect(Counting(), ["2:a", "0:b"]))
    assert [type(r).__name__ for r in responses] == ["AsyncResponse"] * 2
    assert asyncio.run(responses[0].text()) == "2:a!"
    responses = asyncio.run(collect(Blocking(parallel=2), ["x", "y"]))
    assert [r.text() for r in responses] == ["X", "Y"]


def test_stopping_early_ends_the_batch():
    model = Counting()
    results = llm.batch(model, (f"1:p{n}" for n in range(10_000)), parallel=2)
    first = next(results)
    results.close()
    assert first.text() == "1:p0!"
    assert len(model.calls) < 200


def test_input_is_read_only_a_window_ahead():
    taken: list[int] = []

    def prompts():
        for n in range(1000):
            taken.append(n)
            yield BatchPrompt("0:p")

    async def first_result():
        runner = Batch(Counting(), parallel=2, window=4)
        async for result in runner.results(prompts()):
            return result

    assert asyncio.run(first_result()).response.text_or_raise() == "0:p!"
    assert len(taken) <= 6


def test_rate_limits_slow_the_whole_batch_and_rows_still_succeed(retry_waits):
    model = Counting({f"0:p{n}": [rate_limited()] for n in range(3)})
    limits: list[int] = []
    runner = Batch(
        model, parallel=4, on_result=lambda result: limits.append(runner.limit)
    )

    async def run():
        return [
            r async for r in runner.results(BatchPrompt(f"0:p{n}") for n in range(12))
        ]

    results = asyncio.run(run())
    assert all(result.ok for result in results)
    assert [r.response.text_or_raise() for r in results] == [
        f"0:p{n}!" for n in range(12)
    ]
    # The retry waited as the server asked, and so did every new start.
    assert retry_waits.count(2.0) >= 2
    assert min(limits) < 4


def test_a_prompt_still_rate_limited_goes_back_in_the_queue():
    model = Counting({"0:x": [rate_limited(), rate_limited()]})
    responses = list(llm.batch(model, ["0:x", "0:y"], retries=0))
    assert [r.text() for r in responses] == ["0:x!", "0:y!"]
    assert model.calls.count("0:x") == 3


def test_requeueing_has_a_limit():
    model = Counting({"0:x": [rate_limited() for _ in range(10)]})
    (response,) = llm.batch(model, ["0:x"], retries=0)
    assert "Rate limit" in str(response.error)
    assert model.calls.count("0:x") == 4


def test_parallel_must_be_positive():
    with pytest.raises(ValueError, match="parallel"):
        list(llm.batch(Counting(), ["0:a"], parallel=0))
