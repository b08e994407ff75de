"""Core fixes made for the logs work: server-side tools remember their constructor arguments."""

from __future__ import annotations

from typing import Any

import llm


class Search(llm.ServerSideTool):
    name = "search"

    def __init__(self, depth: int = 1, sites: list[str] | None = None) -> None:
        super().__init__()
        self.depth = depth
        self.sites = sites

    def tool_spec(self, model: Any) -> dict[str, Any]:
        return {"type": "search", "depth": self.depth, "sites": self.sites}


class DeepSearch(Search):
    def __init__(self, depth: int = 5) -> None:
        super().__init__(depth=depth, sites=["example.com"])


def test_server_side_tool_config_recreates_the_same_tool():
    tool = Search(depth=3)
    assert tool.config() == {"depth": 3, "sites": None}
    again = Search(**tool.config())
    assert again.tool_spec(None) == tool.tool_spec(None)


def test_subclass_keeps_the_outermost_arguments():
    tool = DeepSearch(7)
    assert tool.config() == {"depth": 7}
    assert DeepSearch(**tool.config()).tool_spec(None) == tool.tool_spec(None)


def test_raw_server_side_tool_config_is_its_spec():
    tool = llm.ServerSideTool({"type": "browser_search"})
    assert tool.config() == {"spec": {"type": "browser_search"}}
    assert llm.ServerSideTool(**tool.config()).tool_spec(None) == {
        "type": "browser_search"
    }
    assert llm.ServerSideTool().config() == {}


def test_toolbox_config_unchanged():
    class Notes(llm.Toolbox):
        def __init__(self, folder: str = "notes") -> None:
            self.folder = folder

        def read(self) -> str:
            return self.folder

    assert Notes("x").config() == {"folder": "x"}
    assert Notes().config() == {"folder": "notes"}


def test_ulid_from_parts_sorts_by_time_among_real_ulids():
    from llm.ids import monotonic_ulid, ulid_from_parts, ulid_timestamp_ms

    real = monotonic_ulid()
    ms = ulid_timestamp_ms(real)
    before, after = ulid_from_parts(ms - 1, 5), ulid_from_parts(ms + 1, 0)
    assert len(before) == len(real) == 26
    assert before < real < after
    assert ulid_timestamp_ms(before) == ms - 1
    assert ulid_from_parts(ms - 1, 4) < before
