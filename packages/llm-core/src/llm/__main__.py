"""``python -m llm``: run the CLI when llm-cli is installed."""

from __future__ import annotations

import sys

try:
    from llm.cli import main
except ImportError:  # pragma: no cover - depends on installation
    print(
        "Error: the llm command needs the llm-cli package: pip install llm-cli",
        file=sys.stderr,
    )
    sys.exit(1)

main()
