"""The text ``llm --version`` prints: LLM's version and the components installed."""

from __future__ import annotations


def version_text() -> str:
    """``llm, version X`` followed by one line per installed llm distribution."""
    from llm.versions import installed_versions, llm_version

    lines = [f"llm, version {llm_version()}"]
    for name, version in installed_versions().items():
        if name != "llm":
            lines.append(f"  {name} {version}")
    return "\n".join(lines)
