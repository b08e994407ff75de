"""Distribution versions, read from the installed metadata without importlib.metadata."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

from llm import versions


def test_distribution_versions_match_importlib_metadata():
    for name in versions.DISTRIBUTIONS + ("click", "pluggy", "PyYAML", "sqlite-utils"):
        try:
            expected = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            expected = None
        assert versions.distribution_version(name) == expected, name


def test_unknown_distribution_is_none():
    assert versions.distribution_version("no-such-distribution-xyz") is None


def test_llm_version_does_not_import_importlib_metadata():
    code = (
        "import sys\n"
        "from llm.versions import llm_version, installed_versions\n"
        "llm_version(); installed_versions()\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
