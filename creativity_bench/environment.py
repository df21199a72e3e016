"""What a result must record to be re-run: versions, commit, time, command line."""

from __future__ import annotations

import os
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


def cpu_name() -> str:
    """The CPU model as /proc/cpuinfo names it (or the platform's guess)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> dict[str, Any]:
    """The hardware a result was made on, and what decides whether CPU training reproduces to the
    bit: the CPU model and its instruction set as torch uses it, torch's build and thread count;
    the GPU's name when one is used. Results are bit-reproducible on one machine type and torch
    build, not across machines (README)."""
    import torch

    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "cpu": cpu_name(), "cpu_count": os.cpu_count(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "gpu": gpu}


def environment() -> dict[str, Any]:
    """The environment block of results.json (with ``machine`` when torch is loaded, as in every run)."""
    return {
        "git_commit": git_commit(),
        "packages": package_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "utc_time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["cbench"] + sys.argv[1:]) if sys.argv and sys.argv[0].endswith("cbench") else " ".join(sys.argv),
        **({"machine": machine()} if "torch" in sys.modules else {}),
    }
