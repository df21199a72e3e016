"""What long work reports as it goes: one line per phase with its time, and a bar for phases
with a known amount of work (sampling N prompts). The library stays silent (``SILENT``); the
command line passes ``console.PhaseLines``, which prints them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Phase:
    """One phase under way: ``advance(n)`` moves its bar; ``detail`` is shown on its line."""

    def __init__(self, name: str, total: int | None = None) -> None:
        self.name, self.total = name, total
        self.detail = ""
        self.started = time.perf_counter()

    def advance(self, n: int = 1) -> None:
        pass

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


class Phases:
    """Reports nothing; subclasses show phases (``console.PhaseLines``)."""

    @contextmanager
    def phase(self, name: str, total: int | None = None) -> Iterator[Phase]:
        """A phase around the block; a phase that raises is not reported as done."""
        yield Phase(name, total)


SILENT = Phases()
