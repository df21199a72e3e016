"""Name-to-class registries that refuse duplicates and suggest close names for typos."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Generic, TypeVar

from creativity_bench.errors import CBenchError

T = TypeVar("T")


def suggest(name: str, choices: list[str]) -> str:
    """Return ' (did you mean X?)' for the closest choice, or the list of choices."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (choose from: {', '.join(sorted(choices))})" if choices else ""


class Registry(Generic[T]):
    """A registry of named things of one kind (tasks, objectives, ...)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> T:
        """Add ``item`` under ``name``; registering a name twice is an error."""
        if name in self._items and self._items[name] is not item:
            raise ValueError(f"{self.kind} '{name}' is already registered")
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        """Look ``name`` up, raising a user-facing error with a suggestion if unknown."""
        try:
            return self._items[name]
        except KeyError:
            raise CBenchError(f"unknown {self.kind} '{name}'" + suggest(name, list(self._items))) from None

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


# The study's objectives in the order tables list them (kept here, torch-free, so that reports
# can order objectives without importing the model zoo). A new objective needs no entry: tables
# list it after these.
BUILTIN_OBJECTIVES = ("ntp", "teacherless", "mtp", "diffusion", "diffusion-uniform")
