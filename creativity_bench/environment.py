"""What a result must record to be re-run: versions, commit, time, command line."""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from creativity_bench import __version__

PACKAGES = ("creativity-bench", "torch", "lightning", "numpy", "networkx", "safetensors", "typer", "rich")


def git_commit() -> str | None:
    """The commit of the source tree this package runs from, if it is a git checkout.

    ``-dirty`` marks tracked changes outside ``results/``: the committed results trees are
    data the code writes (a suite re-running a run changes them), not the code that made them.
    """
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results"], cwd=root, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["creativity-bench"] = __version__
    return out


def environment() -> dict[str, Any]:
    """The environment block of results.json."""
    return {
        "git_commit": git_commit(),
        "packages": package_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "utc_time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["cbench"] + sys.argv[1:]) if sys.argv and sys.argv[0].endswith("cbench") else " ".join(sys.argv),
    }
