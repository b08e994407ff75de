"""What llm-cli offers the packages that add commands to ``llm``.

Commands come from other distributions through the ``register_commands`` hook
(``llm embed`` from llm-embeddings, ``llm openai endpoint`` from llm-openai).
They use llm-cli through these names only, so the rest of ``llm.cli`` can
change between releases without breaking them; a test checks that no other
distribution imports anything else from ``llm.cli``.

* ``handle_errors``: wrap a command's work so failures print ``Error: ...``
  and exit 1 (``LLM_RAISE_ERRORS=1`` shows the traceback instead).
* ``DefaultGroup``: a click group with a default sub-command.
* ``retry_options``: the ``--retries``, ``--timeout`` (and ``--fallback``)
  options, as ``llm prompt`` has them.
* Running a prompt from command-line options on a model the command made
  itself: ``PromptRequest`` (the options as typed), ``Stdin``,
  ``load_template``, ``session_for_model`` (a ``Session``), ``Display`` (how to
  print), then ``run_input`` (one prompt from the argument and stdin) or
  ``run`` (one turn of a chat).
"""

from __future__ import annotations

from .errors import handle_errors
from .groups import DefaultGroup
from .inputs import Stdin
from .options import retry_options
from .prompting import PromptRequest, Session, load_template, session_for_model
from .running import Display, run, run_input

__all__ = [
    "DefaultGroup",
    "Display",
    "PromptRequest",
    "Session",
    "Stdin",
    "handle_errors",
    "load_template",
    "retry_options",
    "run",
    "run_input",
    "session_for_model",
]
