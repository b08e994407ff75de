"""Server-side tools and toolboxes remember their constructor arguments (``config()``),
so a logged prompt can set the same tools up again."""

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
