"""What every benchmark records about the machine, its atomic JSON writer, and best-of timing."""

from __future__ import annotations

import json
import os
import platform
import time
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


def best_of(fn, reps: int, setup=None, warmup: bool = False) -> float:
    """Best wall time of ``reps`` calls of ``fn(setup())`` (setup untimed); ``warmup``: one
    untimed call first."""
    if warmup:
        fn(setup()) if setup else fn()
    times = []
    for _ in range(reps):
        arg = setup() if setup else None
        t0 = time.perf_counter()
        fn(arg) if setup else fn()
        times.append(time.perf_counter() - t0)
    return min(times)
