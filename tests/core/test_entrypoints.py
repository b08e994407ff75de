"""llm.entrypoints: plugin discovery that reads sys.path without importlib.metadata."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import textwrap
import zipfile

import pytest

from llm import entrypoints, plugins


def _dist_info(root, dirname, name, version, entry_points=None, egg=False):
    info = root / dirname
    info.mkdir()
    header = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
    # A description after the header that mentions Name: must not confuse us.
    (info / ("PKG-INFO" if egg else "METADATA")).write_text(
        header + "Name: not-this\nVersion: 9\n", encoding="utf-8"
    )
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")
    return info


@pytest.fixture
def site(tmp_path, monkeypatch):
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.setattr(sys, "path", [str(root)])
    return root


def test_entry_points_match_importlib_metadata_for_this_environment():
    for group in ("llm", "llm_default_plugins", "console_scripts"):
        ours = sorted((ep.name, ep.value) for ep in entrypoints.entry_points(group))
        theirs = sorted(
            (ep.name, ep.value) for ep in importlib.metadata.entry_points(group=group)
        )
        assert ours == theirs, group


def test_reads_name_version_and_groups(site):
    _dist_info(
        site,
        "llm_demo_plugin-1.2.dist-info",
        "llm-demo-plugin",
        "1.2",
        "[console_scripts]\ndemo = demo:main\n\n[llm]\n# a comment\ndemo = llm_demo.plugin:hooks [extra]\n",
    )
    (point,) = entrypoints.entry_points("llm")
    assert (point.name, point.module, point.attr) == (
        "demo",
        "llm_demo.plugin",
        "hooks",
    )
    assert point.dist.name == "llm-demo-plugin"
    assert point.dist.version == "1.2"
    assert entrypoints.entry_points("missing") == []


def test_first_distribution_on_sys_path_wins(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _dist_info(
        first, "Demo.Plugin-2.0.dist-info", "Demo.Plugin", "2.0", "[llm]\nx = new\n"
    )
    _dist_info(
        second, "demo_plugin-1.0.dist-info", "demo-plugin", "1.0", "[llm]\nx = old\n"
    )
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "nope"), str(second)])
    assert [ep.value for ep in entrypoints.entry_points("llm")] == ["new"]


def test_egg_info_directories_are_read(site):
    _dist_info(
        site,
        "legacy_plugin-0.3-py3.11.egg-info",
        "legacy-plugin",
        "0.3",
        "[llm]\nlegacy = legacy_plugin\n",
        egg=True,
    )
    (point,) = entrypoints.entry_points("llm")
    assert point.dist.version == "0.3"
    assert point.dist.name == "legacy-plugin"


def test_zip_archives_on_sys_path_use_the_standard_library(site, tmp_path, monkeypatch):
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(
            "zipped_plugin-0.1.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: zipped-plugin\nVersion: 0.1\n",
        )
        zf.writestr("zipped_plugin-0.1.dist-info/entry_points.txt", "[llm]\nz = zmod\n")
    monkeypatch.setattr(sys, "path", [str(site), str(archive)])
    (point,) = entrypoints.entry_points("llm")
    assert (point.name, point.dist.name, point.dist.version) == (
        "z",
        "zipped-plugin",
        "0.1",
    )


def test_load_imports_the_module_and_attribute(site):
    (site / "demo_mod.py").write_text("class Hooks:\n    value = 42\n")
    point = entrypoints.EntryPoint("d", "demo_mod:Hooks.value", "llm")
    assert point.load() == 42
    assert entrypoints.EntryPoint("d", "demo_mod", "llm").load().__name__ == "demo_mod"


def test_plugin_discovery_does_not_import_importlib_metadata(tmp_path):
    code = textwrap.dedent(
        """
        import json, sys
        import llm.plugins
        llm.plugins.load_plugins()
        assert "importlib.metadata" not in sys.modules, "importlib.metadata imported"
        print(json.dumps(sorted(p["name"] for p in llm.plugins.get_plugins(all=True))))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"LLM_USER_PATH": str(tmp_path), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    expected = sorted(
        ep.value.split(":")[0]
        for ep in importlib.metadata.entry_points(group="llm_default_plugins")
    )
    assert json.loads(result.stdout) == expected


def test_plugins_report_distribution_name_and_version(site, monkeypatch):
    (site / "llm_probe_plugin.py").write_text(
        "import llm\n\n@llm.hookimpl\ndef register_models(register):\n    pass\n"
    )
    _dist_info(
        site,
        "llm_probe_plugin-0.7.dist-info",
        "llm-probe-plugin",
        "0.7",
        "[llm]\nprobe = llm_probe_plugin\n",
    )
    monkeypatch.setattr(plugins, "_loaded", False)
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "llm-probe-plugin")
    try:
        plugins.load_plugins()
        listed = {p["name"]: p for p in plugins.get_plugins()}
        assert listed["llm-probe-plugin"]["version"] == "0.7"
        assert listed["llm-probe-plugin"]["hooks"] == ["register_models"]
    finally:
        plugins.pm.unregister(name="probe")
        plugins._plugin_sources.pop("probe", None)
        sys.modules.pop("llm_probe_plugin", None)


def test_a_stray_non_utf8_byte_does_not_hide_name_and_version(site):
    info = site / "llm_a-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_bytes(
        b"Metadata-Version: 2.1\nName: llm-a\nVersion: 1.0\nAuthor: Jos\xe9\n\n"
    )
    (info / "entry_points.txt").write_text("[llm]\na = llm_a\n")
    (point,) = entrypoints.entry_points("llm")
    assert (point.dist.name, point.dist.version) == ("llm-a", "1.0")


def test_old_egg_directories_are_read(site):
    egg_info = site / "llm_eggy-0.2-py3.11.egg" / "EGG-INFO"
    egg_info.mkdir(parents=True)
    (egg_info / "PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: llm-eggy\nVersion: 0.2\n"
    )
    (egg_info / "entry_points.txt").write_text("[llm]\neggy = llm_eggy\n")
    (point,) = entrypoints.entry_points("llm")
    assert (point.name, point.dist.name, point.dist.version) == (
        "eggy",
        "llm-eggy",
        "0.2",
    )
