"""The example objective package (examples/my_objective) installs and runs through cbench suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "my_objective"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory):
    """The example package pip-installed into a private folder (not into the test environment)."""
    target = tmp_path_factory.mktemp("plugin")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "--target", str(target), str(EXAMPLE)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert list(target.glob("cbench_my_objective-*.dist-info"))
    return target


def cbench(args: list[str], plugin: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "creativity_bench.cli", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def test_plugin_is_listed(plugin_path, tmp_path):
    proc = cbench(["objectives"], plugin_path, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "ntp-smooth" in proc.stdout


def test_plugin_runs_through_the_suite(plugin_path, tmp_path):
    proc = cbench(["suite", "results", "--objectives", "ntp-smooth", "--tasks", "sibling", "--seeds", "0",
                   "--preset", "smoke", "--quiet"], plugin_path, tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((tmp_path / "results" / "sibling" / "ntp-smooth" / "s0" / "results.json").read_text())
    assert doc["objective"] == {"name": "ntp-smooth", "version": 1, "params": {"smoothing": 0.1}}
    assert doc["training"]["steps"] == 30 and doc["metrics"]["n"] > 0


@pytest.mark.skipif(__import__("importlib.util").util.find_spec("my_objective") is not None, reason="the example is installed here")
def test_plugin_is_absent_without_the_package(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "creativity_bench.cli", "objectives"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0 and "ntp-smooth" not in proc.stdout
