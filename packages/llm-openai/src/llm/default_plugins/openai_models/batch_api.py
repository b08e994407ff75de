"""OpenAI's Batch API behind ``llm batch --provider-batch``: half the price, answers within 24 hours.

Submitting writes one JSON line per prompt - the request a live call would
send, built by the model itself, not streamed - uploads the file
(``POST /files``, purpose ``batch``) and creates the batch (``POST
/batches``). Results come from the batch's output and error files; each
answer is run through the model's own reply parser (``running.replaying``),
so a batched response is recorded exactly as a live one would be.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from llm.batch_providers import BatchProvider, BatchStatus
from llm.errors import ModelError

# Batch states after which nothing more will happen.
FINISHED = frozenset({"completed", "failed", "expired", "cancelled"})
COMPLETION_WINDOW = "24h"


def _batch_error(batch: dict[str, Any]) -> str | None:
    errors = batch.get("errors") or {}
    data = errors.get("data") if isinstance(errors, dict) else None
    messages = [
        str(item.get("message"))
        for item in data or []
        if isinstance(item, dict) and item.get("message")
    ]
    return "; ".join(messages) or None


class OpenAIBatchProvider(BatchProvider):
    """Runs OpenAI models' prompts through ``/v1/batches``."""

    name = "openai"
    # OpenAI bills its Batch API at half the price of live calls.
    discount = 0.5

    def supports(self, model: Any) -> bool:
        from .shared import _Shared

        # Models that must go through the SDK (Azure, custom clients) are left out.
        return (
            isinstance(model, _Shared)
            and model.api_type != "azure"
            and type(model).get_client is _Shared.get_client
        )

    def _endpoint(self, model: Any, key: str | None) -> Any:
        endpoint = model.lean_endpoint(key)
        if endpoint is None:
            raise ModelError(f"Model {model.model_id} cannot use the Batch API")
        return endpoint

    def submit(
        self,
        model: Any,
        requests: Iterable[tuple[str, Any]],
        *,
        key: str | None = None,
    ) -> str:
        import tempfile

        from . import transport

        endpoint = self._endpoint(model, key)
        url = None
        count = 0
        with tempfile.TemporaryFile() as fp:
            for custom_id, response in requests:
                call = model.prepare_call(response.prompt, False, None)
                path = "/v1/" + call.path
                if url is None:
                    url = path
                elif path != url:
                    raise ModelError(
                        f"A batch goes to one endpoint: {url} and {path} were both needed"
                    )
                line = {
                    "custom_id": custom_id,
                    "method": "POST",
                    "url": path,
                    "body": transport.request_body(call.request),
                }
                fp.write(json.dumps(line).encode("utf-8") + b"\n")
                count += 1
            if not count:
                raise ValueError("There are no prompts to submit")
            fp.seek(0)
            uploaded = transport.request_json(
                endpoint,
                "POST",
                "files",
                files={"file": ("llm-batch.jsonl", fp, "application/jsonl")},
                data={"purpose": "batch"},
            )
        created = transport.request_json(
            endpoint,
            "POST",
            "batches",
            json_body={
                "input_file_id": uploaded["id"],
                "endpoint": url,
                "completion_window": COMPLETION_WINDOW,
                "metadata": {"created_by": "llm batch"},
            },
        )
        return str(created["id"])

    def _batch(self, model: Any, batch_id: str, key: str | None) -> dict[str, Any]:
        from .transport import get_json

        batch = get_json(self._endpoint(model, key), f"batches/{batch_id}")
        if not isinstance(batch, dict) or "status" not in batch:
            raise ModelError(f"The API's reply about batch {batch_id} has no status")
        return batch

    def status(
        self, model: Any, batch_id: str, *, key: str | None = None
    ) -> BatchStatus:
        batch = self._batch(model, batch_id, key)
        counts = batch.get("request_counts") or {}
        return BatchStatus(
            status=str(batch["status"]),
            finished=batch["status"] in FINISHED,
            total=counts.get("total"),
            completed=counts.get("completed"),
            failed=counts.get("failed"),
            error=_batch_error(batch),
        )

    def results(
        self,
        model: Any,
        batch_id: str,
        response_for: Callable[[str], Any],
        *,
        key: str | None = None,
    ) -> Iterator[tuple[str, Any]]:
        from .transport import get_lines

        batch = self._batch(model, batch_id, key)
        endpoint = self._endpoint(model, key)
        for file_id in (batch.get("output_file_id"), batch.get("error_file_id")):
            if not file_id:
                continue
            for line in get_lines(endpoint, f"files/{file_id}/content"):
                if not line.strip():
                    continue
                item = json.loads(line)
                custom_id = str(item.get("custom_id"))
                yield custom_id, self._outcome(item, custom_id, response_for)

    def _outcome(
        self, item: dict[str, Any], custom_id: str, response_for: Callable[[str], Any]
    ) -> Any:
        from .errors import status_error
        from .running import replaying

        reply = item.get("response") or {}
        status = reply.get("status_code")
        body = reply.get("body")
        if status == 200 and isinstance(body, dict):
            response = response_for(custom_id)
            try:
                with replaying(body):
                    response.text()
            except Exception as ex:
                return ex
            return response
        if isinstance(status, int):
            return status_error(status, body, {})
        error = item.get("error") or {}
        message = error.get("message") if isinstance(error, dict) else None
        return ModelError(message or "The Batch API gave no answer for this prompt")
