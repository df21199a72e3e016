"""What building an instance will cost, estimated from its parameters before anything is built,
so that a parameter typed with too many zeros gets one line instead of a 37 GiB allocation or a
generation that would run for days.

Each task gives ``Task.footprint()``: the peak memory of its generator (bytes) and its work in
elementary Python-level steps (about 10^7 a second on one core). Both are deliberately rough,
within a small factor of what the generators use; the limits leave that factor to spare.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from creativity_bench.errors import CBenchError

# One Python string of a sample (seed, prompt, answer), its JSON line and its encoded row, per token.
BYTES_PER_SAMPLE_TOKEN = 200
# Generation beyond this many elementary steps (about 15 minutes on one core) is refused.
MAX_WORK = 10**10
STEPS_PER_SECOND = 10**7


@dataclass(frozen=True)
class Footprint:
    """The estimated cost of building one instance."""

    bytes: int
    work: int

    def __add__(self, other: Footprint) -> Footprint:
        return Footprint(self.bytes + other.bytes, self.work + other.work)


def samples_footprint(samples: int, tokens_per_sample: int) -> Footprint:
    """Holding ``samples`` samples of about ``tokens_per_sample`` tokens as strings, JSON and arrays."""
    return Footprint(samples * tokens_per_sample * BYTES_PER_SAMPLE_TOKEN, samples * tokens_per_sample)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (MemAvailable on Linux), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def check_footprint(name: str, params: dict, footprint: Footprint, memory: int | None = None) -> None:
    """Refuse, in one line, an instance that will not fit in memory or would take too long to build."""
    memory = available_memory() if memory is None else memory
    # The parameters that differ from small ones are the likely culprits: name the largest.
    big = max(((k, v) for k, v in params.items() if isinstance(v, int) and not isinstance(v, bool)), key=lambda kv: kv[1], default=None)
    hint = f" (largest parameter: {big[0]}={big[1]})" if big else ""
    if memory is not None and footprint.bytes > memory:
        raise CBenchError(f"{name}: these parameters need about {gib(footprint.bytes)} of memory to build the instance, "
                          f"{gib(memory)} is available{hint}")
    if footprint.work > MAX_WORK:
        hours = footprint.work / STEPS_PER_SECOND / 3600
        raise CBenchError(f"{name}: these parameters make an instance that would take about {hours:,.1f} hours to build "
                          f"(limit: about {MAX_WORK // STEPS_PER_SECOND // 60} minutes){hint}")
