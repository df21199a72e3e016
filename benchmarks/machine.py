"""What every benchmark records about the machine, and its atomic JSON writer."""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone
from pathlib import Path


def cpu_name() -> str:
    """The CPU model as /proc/cpuinfo names it (or the platform's guess)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_info(quick: bool, **extra) -> dict:
    """The machine block of a benchmark's JSON: CPU, cores, Python, time, mode, plus ``extra``."""
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        **extra,
        "utc_time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": quick,
    }


def write_json(path: Path, doc: dict) -> None:
    """Write a benchmark's JSON output atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    os.replace(tmp, path)
